"""The crypto floor: sign-ins/s the machine reaches doing nothing but the cryptography a sign-in
cannot avoid, in-process, one process per core (default 2).

Per password sign-in: the password check against the stored SRP verifier
(`userpool.crypto.srp.check_password`, as USER_PASSWORD_AUTH does it) and two RS256 signatures
(ID and access token, `userpool.crypto.jwt.sign` over realistic claims). A TOTP-MFA sign-in adds
the TOTP check (`userpool.crypto.totp.matching_step`). No HTTP, no JSON parsing of requests, no
database: what a server reaches is a fraction of this.
"""

from __future__ import annotations

import multiprocessing
import time
import uuid
from dataclasses import dataclass
from typing import Any

from userpool.crypto import bigint, jwt, keys, srp, totp
from userpool.tokens.claims import Issue, access_claims, id_claims

PASSWORD = "Bench-Horse-1"  # noqa: S105


@dataclass(frozen=True)
class Floor:
    password: float  # sign-ins/s over all processes
    totp: float
    processes: int
    backend: str  # bigint backend: gmpy2 or python


def _claims() -> tuple[dict[str, Any], dict[str, Any]]:
    now = int(time.time())
    issue = Issue(
        issuer="http://127.0.0.1:9229/us-east-1_bench",
        client_id="1example23456789abcdefghij",
        sub=str(uuid.uuid4()),
        username="mfa000001",
        origin_jti=str(uuid.uuid4()),
        event_id=str(uuid.uuid4()),
        auth_time=now,
        iat=now,
        access_ttl=3600,
        id_ttl=3600,
    )
    attributes = {"sub": issue.sub, "email": "mfa000001@example.com", "email_verified": "true"}
    readable = frozenset(attributes)
    return (
        access_claims(issue, [], str(uuid.uuid4())),
        id_claims(issue, [], attributes, readable, str(uuid.uuid4())),
    )


def _loop(job: tuple[float, bool]) -> int:
    seconds, with_totp = job
    salt = srp.new_salt()
    verifier = srp.password_verifier("bench", "mfa000001", PASSWORD, salt)
    access_pem, id_pem = keys.new_rsa_private_pem(), keys.new_rsa_private_pem()
    access, ident = _claims()
    secret = totp.new_secret()
    code = totp.code_at(secret, time.time())  # the client's part, not timed
    done = 0
    until = time.perf_counter() + seconds
    while time.perf_counter() < until:
        if not srp.check_password("bench", "mfa000001", PASSWORD, salt, verifier):
            raise AssertionError("the password must match")
        if with_totp and totp.matching_step(secret, code, time.time()) is None:
            raise AssertionError("the code must match")
        jwt.sign(access, access_pem)
        jwt.sign(ident, id_pem)
        done += 1
    return done


def _rate(seconds: float, processes: int, with_totp: bool) -> float:
    with multiprocessing.get_context("fork").Pool(processes) as pool:
        _ = pool.map(_loop, [(0.3, with_totp)] * processes)  # warm-up: keys, caches
        counts = pool.map(_loop, [(seconds, with_totp)] * processes)
    return sum(counts) / seconds


def measure(seconds: float = 3.0, processes: int = 2) -> Floor:
    return Floor(
        password=_rate(seconds, processes, False),
        totp=_rate(seconds, processes, True),
        processes=processes,
        backend=bigint.BACKEND,
    )


if __name__ == "__main__":
    print(measure())
