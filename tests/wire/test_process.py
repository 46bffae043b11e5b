"""The real `userpool` CLI as a subprocess: start-up, the default data directory, `migrate`,
`messages`, persistence across a restart on both engines, and two processes on one database."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import httpx
import jwt
import pytest

from tests.conftest import PG_ADMIN, free_port
from tests.wire.helpers import FLOWS, PASSWORD, admin_user, attrs, make_client, sign_in
from userpool.crypto import openssl_cpu
from userpool.store.db import scratch_postgres

# uvicorn shuts down gracefully on SIGTERM and then re-raises the signal, so either exit is clean.
CLEAN_EXIT = (0, -signal.SIGTERM)


class ServerProcess:
    """One `userpool serve` process; its stdout and stderr go to a log file."""

    def __init__(
        self, db_url: str | None, log: Path, port: int | None, args: list[str], env: dict[str, str]
    ) -> None:
        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = log
        command = [sys.executable, "-m", "userpool.cli", "serve", "--port", str(self.port)]
        if db_url is not None:
            command += ["--db", db_url]
        command += args
        with log.open("ab") as out:
            self.proc = subprocess.Popen(
                command, stdout=out, stderr=subprocess.STDOUT, env={**os.environ, **env}
            )
        self._wait_healthy()

    def _wait_healthy(self) -> None:
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"userpool exited with {self.proc.returncode}:\n{self.output()}")
            try:
                reply = httpx.get(f"{self.url}/_userpool/health", timeout=1)
                workers = reply.json().get("workers") if reply.status_code == 200 else None
                if reply.status_code == 200 and (workers is None or workers["serving"] == workers["of"]):
                    return  # every worker of `--workers N` serves
            except httpx.TransportError:
                pass
            time.sleep(0.05)
        raise RuntimeError(f"userpool did not become healthy:\n{self.output()}")

    def output(self) -> str:
        return self.log.read_text(errors="replace")

    def stop(self) -> int:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=5)
        return self.proc.returncode

    def client(self) -> Any:
        return boto3.client(
            "cognito-idp",
            endpoint_url=self.url,
            region_name="us-east-1",
            aws_access_key_id="AKIDEXAMPLE",
            aws_secret_access_key="secret",
        )


class Launcher:
    """Starts server processes for one test and stops every one of them at teardown."""

    def __init__(self, tmp_path: Path) -> None:
        self.tmp_path = tmp_path
        self.started: list[ServerProcess] = []

    def __call__(self, db_url: str | None, *args: str, port: int | None = None, **env: str) -> ServerProcess:
        log = self.tmp_path / f"serve-{len(self.started)}.log"
        server = ServerProcess(db_url, log, port, list(args), env)
        self.started.append(server)
        return server

    def stop_all(self) -> None:
        for server in self.started:
            server.stop()


@pytest.fixture
def launch(tmp_path: Path) -> Iterator[Launcher]:
    launcher = Launcher(tmp_path)
    try:
        yield launcher
    finally:
        launcher.stop_all()


@pytest.fixture
def fresh_postgres() -> Iterator[str]:
    """A PostgreSQL database of this test's own (dropped afterwards)."""
    with scratch_postgres(PG_ADMIN, "userpool_proc") as url:
        yield url


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A database no other test uses: a SQLite file in tmp_path or a fresh PostgreSQL database."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'persist.db'}"
    url: str = request.getfixturevalue("fresh_postgres")
    return url


def cli(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "userpool.cli", *args],
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, **env},
        check=False,
    )


def claims_of(token: str) -> dict[str, Any]:
    found: dict[str, Any] = jwt.decode(token, options={"verify_signature": False})
    return found


def tokens_of(idp: Any, client_id: str, username: str) -> dict[str, Any]:
    result: dict[str, Any] = sign_in(idp, client_id, username)["AuthenticationResult"]
    return result


# --- start-up, data directory, migrate ---------------------------------------------------------


def test_serve_reports_its_database_and_answers_health(launch: Launcher, tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'sub' / 'up.db'}"
    server = launch(url)
    reply = httpx.get(f"{server.url}/_userpool/health")
    assert reply.status_code == 200
    assert reply.json() == {"status": "ok"}
    assert f"database {url}" in server.output()
    assert (tmp_path / "sub" / "up.db").exists()
    assert server.stop() in CLEAN_EXIT


def test_serve_says_when_it_chose_openssls_rsa_routine(launch: Launcher, tmp_path: Path) -> None:
    """On a CPU where crypto/openssl_cpu.py picks OpenSSL's routine the start says so; with the
    operator's own OPENSSL_ia32cap (which it leaves alone) it says nothing of it."""
    mask = openssl_cpu.rsa_mask(openssl_cpu.cpuinfo(), os.environ)
    chosen = launch(f"sqlite:///{tmp_path / 'chosen.db'}")
    assert httpx.get(f"{chosen.url}/_userpool/health").status_code == 200
    line = f"OpenSSL loaded with OPENSSL_ia32cap={mask}"
    assert (line in chosen.output()) == (mask is not None), chosen.output()
    own = launch(f"sqlite:///{tmp_path / 'own.db'}", OPENSSL_ia32cap="~0x0")  # hides nothing
    assert httpx.get(f"{own.url}/_userpool/health").status_code == 200
    assert "OpenSSL loaded with" not in own.output()


def test_the_console_is_made_on_its_first_request_not_at_start(tmp_path: Path) -> None:
    """A start does not import the console (a tenth of a second); its first page does."""
    script = (
        "import sys\n"
        "from starlette.testclient import TestClient\n"
        "from userpool.server import build_server\n"
        f"app, _ = build_server('sqlite:///{tmp_path / 'lazy.db'}')\n"
        "print('userpool.console.app' in sys.modules)\n"
        "with TestClient(app) as client:\n"
        "    page = client.get('/console/')\n"
        "print('userpool.console.app' in sys.modules, page.status_code, 'User pools' in page.text)\n"
    )
    command = [sys.executable, "-c", script]
    done = subprocess.run(command, capture_output=True, text=True, timeout=60, check=True)
    assert done.stdout.split("\n")[:2] == ["False", "True 200 True"], done.stdout + done.stderr


def test_what_start_up_loads_is_frozen_and_the_collector_runs_after(tmp_path: Path) -> None:
    """cli.py holds the cyclic collector off while it loads and then freezes what it loaded
    (`gc.freeze`); importing it, and `serve` up to the point of serving, leave the collector on."""
    script = (
        "import gc\n"
        "import uvicorn\n"
        "from userpool import cli\n"
        "print(gc.isenabled(), gc.get_freeze_count() > 20000)\n"
        "imported = gc.get_freeze_count()\n"
        "def run(server, sockets=None):\n"
        "    print(gc.isenabled(), gc.get_freeze_count() > imported)\n"
        "uvicorn.Server.run = run\n"
        f"cli.main(['serve', '--port', '0', '--db', 'sqlite:///{tmp_path / 'gc.db'}'])\n"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60)
    assert done.stdout.split("\n")[:2] == ["True True", "True True"], done.stdout + done.stderr


def test_default_data_directory_honours_the_environment(launch: Launcher, tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    server = launch(None, USERPOOL_DATA_DIR=str(data_dir))
    assert httpx.get(f"{server.url}/_userpool/health").status_code == 200
    assert f"data directory {data_dir}" in server.output()
    assert (data_dir / "userpool.db").exists()


def test_migrate_creates_the_schema_and_is_repeatable(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'migrated.db'}"
    first = cli("migrate", "--db", url)
    assert first.returncode == 0, first.stderr
    assert f"database {url} at schema version" in first.stdout
    again = cli("migrate", "--db", url)
    assert again.returncode == 0, again.stderr
    assert again.stdout == first.stdout
    nothing = cli("messages", "--to", "nobody@example.com", "--db", url)
    assert (nothing.returncode, nothing.stdout) == (1, "")


# --- persistence across a restart ---------------------------------------------------------------


def populate(idp: Any) -> dict[str, Any]:
    """A pool, a client, a user with a permanent password in a group, and that user's tokens."""
    pool_id = idp.create_user_pool(PoolName="persist")["UserPool"]["Id"]
    client_id, _ = make_client(idp, pool_id)
    admin_user(idp, pool_id, "alice", email="alice@example.com")
    idp.create_group(UserPoolId=pool_id, GroupName="admins", Description="the admins")
    idp.admin_add_user_to_group(UserPoolId=pool_id, Username="alice", GroupName="admins")
    tokens = tokens_of(idp, client_id, "alice")
    return {"pool_id": pool_id, "client_id": client_id, "tokens": tokens}


def invite(idp: Any, pool_id: str) -> str:
    """AdminCreateUser with an invitation email; returns the temporary password it carries."""
    temporary = "Temp-Pass-42"
    idp.admin_create_user(
        UserPoolId=pool_id,
        Username="bob",
        UserAttributes=attrs(email="bob@example.com"),
        TemporaryPassword=temporary,
        DesiredDeliveryMediums=["EMAIL"],
    )
    return temporary


def check_state_survived(idp: Any, state: dict[str, Any]) -> None:
    pool_id, client_id = state["pool_id"], state["client_id"]
    pools = idp.list_user_pools(MaxResults=60)["UserPools"]
    assert pool_id in [p["Id"] for p in pools]
    assert idp.describe_user_pool(UserPoolId=pool_id)["UserPool"]["Name"] == "persist"
    client = idp.describe_user_pool_client(UserPoolId=pool_id, ClientId=client_id)["UserPoolClient"]
    assert sorted(client["ExplicitAuthFlows"]) == sorted(FLOWS)
    users = idp.list_users(UserPoolId=pool_id)["Users"]
    assert sorted(u["Username"] for u in users) == ["alice", "bob"]
    assert idp.admin_get_user(UserPoolId=pool_id, Username="alice")["UserStatus"] == "CONFIRMED"
    groups = idp.admin_list_groups_for_user(UserPoolId=pool_id, Username="alice")["Groups"]
    assert [(g["GroupName"], g.get("Description")) for g in groups] == [("admins", "the admins")]


def check_tokens_survived(idp: Any, state: dict[str, Any]) -> None:
    client_id, old = state["client_id"], state["tokens"]
    me = idp.get_user(AccessToken=old["AccessToken"])
    assert me["Username"] == "alice"
    refreshed = idp.initiate_auth(
        ClientId=client_id,
        AuthFlow="REFRESH_TOKEN_AUTH",
        AuthParameters={"REFRESH_TOKEN": old["RefreshToken"]},
    )["AuthenticationResult"]
    assert claims_of(refreshed["AccessToken"])["sub"] == claims_of(old["AccessToken"])["sub"]
    fresh = tokens_of(idp, client_id, "alice")
    assert claims_of(fresh["IdToken"])["cognito:groups"] == ["admins"]


def test_state_and_tokens_survive_a_restart(launch: Launcher, db_url: str) -> None:
    first = launch(db_url)
    state = populate(first.client())
    temporary = invite(first.client(), state["pool_id"])
    assert first.stop() in CLEAN_EXIT

    # Same port, so the issuer (the server's own URL) of the old tokens is unchanged.
    second = launch(db_url, port=first.port)
    idp = second.client()
    check_state_survived(idp, state)
    check_tokens_survived(idp, state)

    shown = cli("messages", "--to", "bob@example.com", "--db", db_url)
    assert shown.returncode == 0, shown.stderr
    message = json.loads(shown.stdout)
    assert (message["recipient"], message["channel"], message["poolId"]) == (
        "bob@example.com",
        "EMAIL",
        state["pool_id"],
    )
    assert temporary in message["body"]


@pytest.mark.parametrize("workers", ["1", "2"])
def test_a_stopped_sqlite_server_leaves_no_write_ahead_log(
    launch: Launcher, tmp_path: Path, workers: str
) -> None:
    """SIGTERM ends with every connection closed, so SQLite moves its write-ahead log into the
    database and deletes it: a log left behind (up to store/db.py's `_WAL_SIZE_LIMIT`) is read by
    the next start."""
    path = tmp_path / "stopped.db"
    server = launch(f"sqlite:///{path}", "--workers", workers)
    state = populate(server.client())
    invite(server.client(), state["pool_id"])
    assert Path(f"{path}-wal").exists()
    assert server.stop() in CLEAN_EXIT
    assert not Path(f"{path}-wal").exists()
    assert not Path(f"{path}-shm").exists()
    check_state_survived(launch(f"sqlite:///{path}").client(), state)


# --- two processes, one PostgreSQL database -----------------------------------------------------


@pytest.mark.postgres
def test_two_processes_share_one_postgres_database(launch: Launcher, fresh_postgres: str) -> None:
    # Two replicas behind one name: they share the issuer, as a deployment would configure them.
    shared = ("--issuer-base", "http://userpool.internal")
    one, other = launch(fresh_postgres, *shared), launch(fresh_postgres, *shared)
    idp_one, idp_other = one.client(), other.client()
    pool_id = idp_one.create_user_pool(PoolName="shared", AutoVerifiedAttributes=["email"])["UserPool"]["Id"]
    client_id, _ = make_client(idp_one, pool_id)

    idp_one.sign_up(
        ClientId=client_id,
        Username="carol",
        Password=PASSWORD,
        UserAttributes=attrs(email="carol@example.com"),
    )
    # The outbox is in the database too: the other process serves the code.
    found = httpx.get(f"{other.url}/_userpool/messages", params={"to": "carol@example.com"}).json()
    code = found["messages"][0]["code"]
    idp_other.confirm_sign_up(ClientId=client_id, Username="carol", ConfirmationCode=code)
    tokens = tokens_of(idp_other, client_id, "carol")
    # Keys live in the database: a token issued by one process is accepted by the other.
    assert idp_one.get_user(AccessToken=tokens["AccessToken"])["Username"] == "carol"
    assert idp_one.admin_get_user(UserPoolId=pool_id, Username="carol")["UserStatus"] == "CONFIRMED"


# --- two processes, one database: what one changes the other sees -----------------------------


def test_a_pool_or_client_changed_by_one_process_is_seen_by_the_other(launch: Launcher, db_url: str) -> None:
    """Each process keeps the pools and clients it has read (store/pools.py), checked by their
    revision on every read: a change committed by another process is seen at once."""
    one, other = launch(db_url), launch(db_url)
    idp_one, idp_other = one.client(), other.client()
    pool_id = idp_one.create_user_pool(PoolName="shared")["UserPool"]["Id"]
    client_id, _ = make_client(idp_one, pool_id)
    admin_user(idp_one, pool_id, "dora")
    assert "AuthenticationResult" in sign_in(idp_other, client_id, "dora")  # `other` keeps both rows
    assert idp_other.describe_user_pool(UserPoolId=pool_id)["UserPool"]["DeletionProtection"] == "INACTIVE"

    idp_one.update_user_pool_client(
        UserPoolId=pool_id, ClientId=client_id, ExplicitAuthFlows=["ALLOW_REFRESH_TOKEN_AUTH"]
    )
    idp_one.update_user_pool(UserPoolId=pool_id, DeletionProtection="ACTIVE")
    with pytest.raises(idp_other.exceptions.InvalidParameterException, match="USER_PASSWORD_AUTH"):
        sign_in(idp_other, client_id, "dora")
    assert idp_other.describe_user_pool(UserPoolId=pool_id)["UserPool"]["DeletionProtection"] == "ACTIVE"

    idp_one.update_user_pool_client(UserPoolId=pool_id, ClientId=client_id, ExplicitAuthFlows=FLOWS)
    assert "AuthenticationResult" in sign_in(idp_other, client_id, "dora")
    idp_one.delete_user_pool_client(UserPoolId=pool_id, ClientId=client_id)
    with pytest.raises(idp_other.exceptions.ResourceNotFoundException):
        sign_in(idp_other, client_id, "dora")
