"""Set-up over the wire, the same calls for every engine: a pool whose client allows
USER_PASSWORD_AUTH, users with a permanent password, and users with a verified software token
(AssociateSoftwareToken, VerifySoftwareToken with a real TOTP, SetUserMFAPreference). Users are
set up by several processes at once, each on its own connection. The calls take any `Caller`: a
connection (`loadgen.Client`), or bench/inprocess.py's loop calling `dispatch.invoke`."""

from __future__ import annotations

import json
import multiprocessing
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from loadgen import STEP_SECONDS, Client, TotpUser, password_auth, totp_of
from peers import Engine

PASSWORD = "Bench-Horse-1"  # noqa: S105  (the benchmark users' password)
SETUP_PROCESSES = 4


class Caller(Protocol):
    def json(self, operation: str, params: dict[str, Any]) -> dict[str, Any]:
        """One call that must succeed; its answer."""
        ...


@dataclass(frozen=True)
class SignInPool:
    pool_id: str
    client_id: str
    password_users: list[str]
    totp_users: list[TotpUser]
    last_steps: list[int]  # per TOTP user: the step its verification used


def create_pool(url: str, name: str, *, mfa: bool) -> tuple[str, str]:
    """A pool (TOTP MFA optional when `mfa`) and a client allowing password sign-in."""
    client = Client(url)
    try:
        return add_pool(client, name, mfa=mfa)
    finally:
        client.close()


def add_pool(caller: Caller, name: str, *, mfa: bool) -> tuple[str, str]:
    """`create_pool` through `caller`."""
    pool_id = caller.json("CreateUserPool", {"PoolName": name})["UserPool"]["Id"]
    if mfa:
        caller.json(
            "SetUserPoolMfaConfig",
            {
                "UserPoolId": pool_id,
                "SoftwareTokenMfaConfiguration": {"Enabled": True},
                "MfaConfiguration": "OPTIONAL",
            },
        )
    flows = ["ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"]
    app = caller.json(
        "CreateUserPoolClient", {"UserPoolId": pool_id, "ClientName": name, "ExplicitAuthFlows": flows}
    )
    return pool_id, app["UserPoolClient"]["ClientId"]


def user_name(prefix: str, number: int) -> str:
    return f"{prefix}{number:06d}"


def sign_in_body(client_id: str, username: str) -> bytes:
    """The encoded InitiateAuth request of a benchmark user's password sign-in."""
    return json.dumps(password_auth(client_id, username, PASSWORD)).encode()


def create_user_body(pool_id: str, username: str) -> dict[str, object]:
    return {
        "UserPoolId": pool_id,
        "Username": username,
        "MessageAction": "SUPPRESS",
        "TemporaryPassword": PASSWORD,
        "UserAttributes": [
            {"Name": "email", "Value": f"{username}@example.com"},
            {"Name": "email_verified", "Value": "true"},
        ],
    }


def _verify_step() -> int:
    """The earliest step a just-computed code stays valid for (one step of tolerance)."""
    now = time.time()
    current = int(now // STEP_SECONDS)
    return current - 1 if now % STEP_SECONDS < STEP_SECONDS - 2 else current


def _set_up(job: tuple[str, str, str, Sequence[str], bool, int]) -> list[tuple[str, str, int]]:
    """Create users; with `totp`, also give each a verified, preferred software token."""
    url, pool_id, client_id, names, totp, window = job
    client = Client(url)
    done: list[tuple[str, str, int]] = []
    try:
        for name in names:
            add_user(client, pool_id, name)
            if totp:
                done.append(add_totp(client, client_id, name, window))
    finally:
        client.close()
    return done


def add_user(caller: Caller, pool_id: str, name: str) -> None:
    """A user with `PASSWORD`, permanent (CONFIRMED)."""
    caller.json("AdminCreateUser", create_user_body(pool_id, name))
    caller.json(
        "AdminSetUserPassword",
        {"UserPoolId": pool_id, "Username": name, "Password": PASSWORD, "Permanent": True},
    )


def add_totp(caller: Caller, client_id: str, name: str, window: int) -> tuple[str, str, int]:
    """Give a user a verified software token, preferred; its name, secret and the step used."""
    signed_in = caller.json("InitiateAuth", password_auth(client_id, name, PASSWORD))
    token = signed_in["AuthenticationResult"]["AccessToken"]
    secret = caller.json("AssociateSoftwareToken", {"AccessToken": token})["SecretCode"]
    for attempt in (1, 2):
        step = _verify_step() if window else int(time.time() // STEP_SECONDS)
        code = totp_of(secret).at(step * STEP_SECONDS)
        try:
            caller.json("VerifySoftwareToken", {"AccessToken": token, "UserCode": code})
            break
        except RuntimeError:
            # Without a step of tolerance (moto), a code made just before a step boundary and
            # checked just after it is refused: once more with a fresh code.
            if attempt == 2 or window:
                raise
    caller.json(
        "SetUserMFAPreference",
        {"AccessToken": token, "SoftwareTokenMfaSettings": {"Enabled": True, "PreferredMfa": True}},
    )
    return name, secret, step


def _chunks(names: list[str], count: int) -> list[list[str]]:
    return [names[i::count] for i in range(count) if names[i::count]]


def sign_in_pool(url: str, engine: Engine, *, password_users: int, totp_users: int) -> SignInPool:
    pool_id, client_id = create_pool(url, "bench-signin", mfa=True)
    plain = [user_name("pw", n) for n in range(password_users)]
    mfa = [user_name("mfa", n) for n in range(totp_users)]
    jobs = [(url, pool_id, client_id, chunk, False, engine.totp_window) for chunk in _chunks(plain, 4)]
    jobs += [(url, pool_id, client_id, chunk, True, engine.totp_window) for chunk in _chunks(mfa, 4)]
    with multiprocessing.get_context("fork").Pool(SETUP_PROCESSES) as workers:
        results = workers.map(_set_up, jobs)
    made = [row for rows in results for row in rows]
    return SignInPool(
        pool_id=pool_id,
        client_id=client_id,
        password_users=plain,
        totp_users=[TotpUser(name, secret) for name, secret, _ in made],
        last_steps=[step for _, _, step in made],
    )
