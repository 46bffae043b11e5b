"""`userpool serve | migrate | messages`."""

from __future__ import annotations

import gc

# Starting is almost all importing (SQLAlchemy alone is half of it), and importing allocates some
# 94,000 objects that live as long as the process. The cyclic collector would walk them again and
# again as they pile up, so it is held off while they load and then told to leave them be
# (`gc.freeze`), as Python's documentation of gc.freeze advises for a process that forks workers.
# Measured: ready about 5% sooner; a full collection in a loaded server takes 0.01 ms instead of
# 45-55 ms that a request would wait behind; and the workers' collections never touch (nor copy)
# the parent's pages.
gc.disable()

import argparse
import json
import logging
import os
import secrets
import socket
import sys
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from userpool.console.access import ENV_VAR as CONSOLE_CREDENTIAL_ENV
from userpool.console.access import startup_problem
from userpool.console.session import KEY_ENV as SESSION_KEY_ENV
from userpool.settings import Settings, parse_switches
from userpool.store import db, migrations, outbox


def _loaded() -> None:
    """What is loaded so far stays: out of the collector's way from now on, which resumes."""
    gc.freeze()
    gc.enable()


_loaded()


@contextmanager
def _loading() -> Iterator[None]:
    """No collections while the block loads what the process will keep; then `_loaded`."""
    gc.disable()
    try:
        yield
    finally:
        _loaded()


def _add_db(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--db",
        default=None,
        help="database URL: sqlite:///PATH or postgresql://... "
        f"(default: a SQLite file in ${db.DATA_DIR_ENV} or ~/.local/share/userpool)",
    )


def _add_mfa(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--mfa-model",
        choices=["observed", "documented"],
        default="observed",
        help="MFA decision model: observed (MFA spec R1-R9) or documented (AWS docs, spec 5.7)",
    )
    parser.add_argument(
        "--switch",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="set a contested MFA rule (see README), e.g. --switch email_precedence=false",
    )


def mfa_settings(args: argparse.Namespace) -> dict[str, Any]:
    return {"mfa_model": args.mfa_model, "switches": parse_switches(args.switch)}


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="userpool", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)

    serve = sub.add_parser("serve", help="run the cognito-idp server")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=9229)
    _add_db(serve)
    serve.add_argument("--smtp", default=None, help="smtp://[user:pass@]host[:port][?tls=starttls|ssl]")
    serve.add_argument("--issuer-base", default=None, help="base URL of token issuers (default: own URL)")
    serve.add_argument(
        "--aws-issuer",
        action="store_true",
        help="issue tokens with iss https://cognito-idp.<region>.amazonaws.com/<poolId>",
    )
    serve.add_argument("--region", default="us-east-1", help="region for unsigned calls creating pools")
    serve.add_argument("--sms-webhook", default=None, help="POST every SMS as JSON to this URL")
    serve.add_argument("--sms-sandbox", action="store_true", help="simulate the SNS SMS sandbox")
    serve.add_argument(
        "--sms-verified-number", action="append", default=[], help="a number the sandbox delivers to"
    )
    _add_mfa(serve)
    serve.add_argument(
        "--console-credential",
        default=os.environ.get(CONSOLE_CREDENTIAL_ENV),
        help="credential the web console and admin operations need when --host is not loopback "
        f"(default: ${CONSOLE_CREDENTIAL_ENV})",
    )
    serve.add_argument("--log-level", default="warning")
    serve.add_argument(
        "--workers",
        type=int,
        default=1,
        help="server processes sharing the port (default 1; use the number of cores for throughput)",
    )

    migrate = sub.add_parser("migrate", help="apply database migrations and exit")
    _add_db(migrate)

    explain = sub.add_parser("explain", help="which challenge a user's next sign-in gets, and why")
    _add_db(explain)
    explain.add_argument("--pool", required=True, help="user pool id")
    explain.add_argument("--user", required=True, help="username, alias or sub")
    explain.add_argument("--json", action="store_true", help="print JSON")
    _add_mfa(explain)

    messages = sub.add_parser("messages", help="print the latest messages from the outbox")
    _add_db(messages)
    messages.add_argument("--to", default=None, help="only messages to this recipient")
    messages.add_argument("--pool", default=None, help="only messages of this pool")
    messages.add_argument("--limit", type=int, default=1)

    imp = sub.add_parser("import", help="import users from a CSV file (as a user import job), with progress")
    _add_db(imp)
    imp.add_argument("file", help="CSV file with the header of GetCSVHeader")
    imp.add_argument("--pool", required=True, help="user pool id")
    imp.add_argument("--job-name", default=None, help="name of the import job (default: from the file name)")
    imp.add_argument("--errors", type=int, default=20, help="print at most this many lines not imported")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    args = build_parser().parse_args(argv)
    url = args.db or db.default_db_url()
    if args.command == "serve":
        problem = startup_problem(args.host, args.console_credential)
        if problem is not None:
            print(f"userpool: {problem}", file=sys.stderr)
            return 2
        os.environ.setdefault(SESSION_KEY_ENV, secrets.token_hex(32))  # shared by the workers
        return serve(args, url)
    # `import` checkpoints SQLite's log in a thread of its own (import_cli.py), as the server does.
    engine = db.create_engine(url, background_checkpoints=args.command == "import")
    try:
        return run_command(args, engine, url)
    finally:
        engine.dispose()


def run_command(args: argparse.Namespace, engine: Any, url: str) -> int:
    """`migrate`, `explain`, `import` and `messages`, on an engine the caller disposes of."""
    if args.command == "migrate":
        version = migrations.migrate(engine)
        print(f"database {url} at schema version {version}")
        return 0
    migrations.migrate(engine)
    if args.command == "explain":
        return explain(args, engine)
    if args.command == "import":
        from userpool.import_cli import main_import

        return main_import(engine, args.file, args.pool, args.job_name, args.errors)
    with db.transaction(engine) as conn:
        found = outbox.list_messages(conn, pool_id=args.pool, recipient=args.to, limit=args.limit)
    for message in found:
        print(json.dumps(message, indent=2))
    return 0 if found else 1


def explain(args: argparse.Namespace, engine: Any) -> int:
    from userpool.api.errors import CognitoError
    from userpool.explaining import as_json, as_text, explain_user

    settings = Settings(**mfa_settings(args))
    try:
        with db.transaction(engine) as conn:
            found = explain_user(conn, settings, args.pool, args.user)
    except CognitoError as err:
        print(f"{err.code}: {err.message}", file=sys.stderr)
        return 1
    print(json.dumps(as_json(found), indent=2) if args.json else as_text(found))
    return 0


def server_settings(args: argparse.Namespace) -> dict[str, Any]:
    """The `Settings` fields the `serve` options give."""
    return {
        "issuer_base": args.issuer_base or f"http://{args.host}:{args.port}",
        "aws_issuer": args.aws_issuer,
        "smtp_url": args.smtp,
        "default_region": args.region,
        "sms_webhook": args.sms_webhook,
        "sms_sandbox": args.sms_sandbox,
        "sms_verified_numbers": tuple(args.sms_verified_number),
        **mfa_settings(args),
        "console_credential": args.console_credential,
        "bind_host": args.host,
    }


def _announce(args: argparse.Namespace, url: str, started: float) -> None:
    from userpool import crypto  # loaded by now: `serve` imported the server

    print(f"userpool: database {url}", file=sys.stderr)
    if args.db is None:
        print(f"userpool: data directory {db.default_data_dir()}", file=sys.stderr)
    if crypto.OPENSSL_MASK is not None:  # an operator should see that OpenSSL was told otherwise
        print(
            f"userpool: OpenSSL loaded with {crypto.openssl_cpu.ENV_VAR}={crypto.OPENSSL_MASK}, "
            "its faster RSA routine on this CPU (src/userpool/crypto/openssl_cpu.py)",
            file=sys.stderr,
        )
    print(
        f"userpool: database and operations ready in {time.monotonic() - started:.2f}s; "
        f"listening on http://{args.host}:{args.port}",
        file=sys.stderr,
        flush=True,
    )


def serve(args: argparse.Namespace, url: str) -> int:
    """Migrate, bind, then serve from this process (`--workers 1`) or from N forked copies of it
    (`userpool.prefork`), every one with its own engine on the same database."""
    with _loading():  # see the top of this module
        import uvicorn

        from userpool import prefork
        from userpool.api.model import service_model
        from userpool.server import build_server
        from userpool.web import balance
        from userpool.web.direct import DirectProtocol

        started = time.monotonic()
        logging.basicConfig(level=args.log_level.upper(), format="%(asctime)s %(name)s %(message)s")
        engine = db.create_engine(url)
        migrations.migrate(engine)
        engine.dispose()
        service_model()  # loaded once here: forked workers inherit it
        sock = _listening_socket(args.host, args.port)
        if args.workers > 1:  # one socket for all, each worker taking its share (web/balance.py)
            sock = balance.SharedListener.of(sock, balance.Board(args.workers))

    class Server(uvicorn.Server):
        """uvicorn's server, marked on the shared listener's board once it listens."""

        async def startup(self, sockets: list[socket.socket] | None = None) -> None:
            await super().startup(sockets=sockets)
            balance.mark_serving()

    def worker(number: int) -> int:
        if isinstance(sock, balance.SharedListener):
            sock.serve_as(number)
        app, _ = build_server(url, **server_settings(args))
        # asyncio's own loop: it accepts through the listener's `accept` (uvloop would not).
        config = uvicorn.Config(
            app, log_level=args.log_level, access_log=False, loop="asyncio", http=DirectProtocol
        )
        Server(config).run(sockets=[sock])  # its lifespan's end closes the engine (server.py)
        return 0

    _announce(args, url, started)
    return worker(0) if args.workers == 1 else prefork.run(args.workers, worker)


def _listening_socket(host: str, port: int) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    # asyncio sets TCP_NODELAY only on connections of sockets it created itself; accepted
    # connections inherit it from here. Without it, Nagle's algorithm and delayed ACKs hold every
    # response for 40 ms.
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    sock.bind((host, port))
    sock.listen(2048)
    return sock


if __name__ == "__main__":
    raise SystemExit(main())
