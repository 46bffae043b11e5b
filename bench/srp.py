"""Server-side cost of one SRP sign-in (core spec §9), with gmpy2 and without it.

Run from the repository root:  .venv/bin/python bench/srp.py [--rounds 100]

The script runs itself twice in subprocesses: once as is (gmpy2, the `fast` extra, when installed)
and once with USERPOOL_NO_GMPY2=1, which makes userpool.crypto.bigint use Python's built-in pow.
Each child measures, per sign-in, only what the server does; the client's arithmetic (A, x, S, the
signature) is computed between the timed calls:

1. "SRP math": step 1 `server_challenge` (b, B = k·v + g^b mod N) plus step 2 `verify_claim`
   (u, S = (A·v^u)^b mod N, the HKDF key and the HMAC);
2. "whole sign-in": InitiateAuth(USER_SRP_AUTH) + RespondToAuthChallenge(PASSWORD_VERIFIER) through
   userpool's dispatcher in-process on a fresh SQLite file: request validation, the two
   transactions, and the signing of the three tokens; no HTTP.

It prints min / median / mean of each for both back ends and the ratio pure Python / gmpy2
(medians and minima; the minimum is the least disturbed by other load on the machine).
"""

from __future__ import annotations

import argparse
import base64
import json
import os
import secrets
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

PASSWORD = "Bench-Horse-1"  # noqa: S105  (the benchmark user's password)


# --- the client side (untimed) ---------------------------------------------------------------


class Client:
    """Just enough of an SRP client (core spec §9.3-§9.4) to answer the server, with plain pow."""

    def __init__(self) -> None:
        from userpool.crypto import srp

        self.srp = srp
        self.a = secrets.randbits(256) or 1
        self.big_a = pow(srp.G, self.a, srp.N)

    @property
    def a_hex(self) -> str:
        return format(self.big_a, "x")

    def answer(self, pool_name: str, params: dict[str, str]) -> dict[str, str]:
        srp = self.srp
        user, salt, big_b = params["USER_ID_FOR_SRP"], params["SALT"], int(params["SRP_B"], 16)
        u = srp.compute_u(self.big_a, big_b)
        x = srp.compute_x(pool_name, user, PASSWORD, salt)
        s = pow((big_b - srp.K * pow(srp.G, x, srp.N)) % srp.N, self.a + u * x, srp.N)
        timestamp = srp.format_timestamp(datetime.now(UTC))
        block = base64.b64decode(params["SECRET_BLOCK"])
        signature = srp.claim_signature(srp.derive_key(u, s), pool_name, user, block, timestamp)
        return {
            "USERNAME": params["USERNAME"],
            "PASSWORD_CLAIM_SECRET_BLOCK": params["SECRET_BLOCK"],
            "PASSWORD_CLAIM_SIGNATURE": signature,
            "TIMESTAMP": timestamp,
        }


# --- the measurements (in a child process) ----------------------------------------------------


def time_math(rounds: int) -> list[float]:
    """Seconds of server SRP arithmetic per sign-in."""
    from userpool.crypto import srp

    pool_name, user, salt = "bench", "alice", srp.new_salt()
    verifier = srp.password_verifier(pool_name, user, PASSWORD, salt)
    block = base64.b64encode(secrets.token_bytes(64)).decode()
    out = []
    for _ in range(rounds):
        client = Client()
        t0 = time.perf_counter()
        b, big_b = srp.server_challenge(verifier)
        t1 = time.perf_counter()
        params = {"USER_ID_FOR_SRP": user, "SALT": salt, "SRP_B": format(big_b, "x"), "SECRET_BLOCK": block}
        answer = client.answer(pool_name, {**params, "USERNAME": user})
        t2 = time.perf_counter()
        ok = srp.verify_claim(
            pool_name,
            user,
            verifier,
            client.a_hex,
            b,
            big_b,
            block,
            answer["TIMESTAMP"],
            answer["PASSWORD_CLAIM_SIGNATURE"],
        )
        t3 = time.perf_counter()
        assert ok, "the benchmark's client and server disagree"
        out.append((t1 - t0) + (t3 - t2))
    return out


def _call(server: Any, operation: str, body: dict[str, Any]) -> dict[str, Any]:
    from userpool.api import dispatch

    reply = dispatch.invoke(server, operation, json.dumps(body).encode(), region="us-east-1")
    result: dict[str, Any] = json.loads(reply.body)
    if reply.status != 200:
        raise RuntimeError(f"{operation}: {result}")
    return result


def _setup(server: Any) -> tuple[str, str]:
    pool_id = _call(server, "CreateUserPool", {"PoolName": "bench"})["UserPool"]["Id"]
    client = _call(
        server,
        "CreateUserPoolClient",
        {"UserPoolId": pool_id, "ClientName": "bench", "ExplicitAuthFlows": ["ALLOW_USER_SRP_AUTH"]},
    )
    client_id = client["UserPoolClient"]["ClientId"]
    user = {"UserPoolId": pool_id, "Username": "alice", "MessageAction": "SUPPRESS"}
    _call(server, "AdminCreateUser", user)
    password = {"UserPoolId": pool_id, "Username": "alice", "Password": PASSWORD, "Permanent": True}
    _call(server, "AdminSetUserPassword", password)
    return pool_id, client_id


def time_sign_in(rounds: int, directory: Path) -> list[float]:
    """Seconds of server work per whole SRP sign-in (both calls, dispatcher in-process)."""
    from userpool.server import build_server

    _app, server = build_server(f"sqlite:///{directory / 'bench.db'}", purge_interval=0)
    pool_id, client_id = _setup(server)
    pool_name = pool_id.split("_", 1)[1]
    out = []
    for _ in range(rounds):
        client = Client()
        start = {"ClientId": client_id, "AuthFlow": "USER_SRP_AUTH"}
        t0 = time.perf_counter()
        reply = _call(
            server, "InitiateAuth", {**start, "AuthParameters": {"USERNAME": "alice", "SRP_A": client.a_hex}}
        )
        t1 = time.perf_counter()
        answer = client.answer(pool_name, reply["ChallengeParameters"])
        request = {"ClientId": client_id, "ChallengeName": "PASSWORD_VERIFIER", "ChallengeResponses": answer}
        t2 = time.perf_counter()
        tokens = _call(server, "RespondToAuthChallenge", request)
        t3 = time.perf_counter()
        assert "AccessToken" in tokens["AuthenticationResult"]
        out.append((t1 - t0) + (t3 - t2))
    server.engine.dispose()
    return out


def child(rounds: int) -> None:
    from userpool.crypto import bigint

    with tempfile.TemporaryDirectory() as tmp:
        result = {
            "backend": bigint.BACKEND,
            "math": time_math(rounds),
            "sign_in": time_sign_in(rounds, Path(tmp)),
        }
    print(json.dumps(result))


# --- the parent ----------------------------------------------------------------------------------


def run_child(rounds: int, *, no_gmpy2: bool) -> dict[str, Any]:
    env = dict(os.environ)
    env.pop("USERPOOL_NO_GMPY2", None)
    if no_gmpy2:
        env["USERPOOL_NO_GMPY2"] = "1"
    src = str(Path(__file__).resolve().parent.parent / "src")
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [src, env.get("PYTHONPATH")]))
    cmd = [sys.executable, __file__, "--child", "--rounds", str(rounds)]
    done = subprocess.run(cmd, env=env, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise SystemExit(f"the measuring process failed:\n{done.stderr}")
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def ms(values: list[float]) -> str:
    low, mid, mean = min(values), statistics.median(values), statistics.fmean(values)
    return f"min {low * 1000:7.2f} ms   median {mid * 1000:7.2f} ms   mean {mean * 1000:7.2f} ms"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=100, help="sign-ins per measurement")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.rounds)
        return
    fast = run_child(args.rounds, no_gmpy2=False)
    slow = run_child(args.rounds, no_gmpy2=True)
    if fast["backend"] != "gmpy2":
        print("note: gmpy2 is not installed; both runs use Python's pow (pip install 'userpool[fast]')")
    print(f"Server-side cost of one SRP sign-in, {args.rounds} sign-ins each")
    for label, key in (("SRP math (step 1 + step 2)", "math"), ("whole sign-in (2 calls)  ", "sign_in")):
        print(f"  {label}  {fast['backend']:>6}: {ms(fast[key])}")
        print(f"  {label}  {slow['backend']:>6}: {ms(slow[key])}")
        ratio = statistics.median(slow[key]) / statistics.median(fast[key])
        best = min(slow[key]) / min(fast[key])
        print(f"  {label}  ratio python/{fast['backend']}: {ratio:.2f}x (medians), {best:.2f}x (minima)")


if __name__ == "__main__":
    main()
