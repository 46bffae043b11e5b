"""Refresh tokens that carry their origin sealed (crypto/refresh.py): a password sign-in and a
refresh write nothing, yet revocation, global sign-out, rotation and deleted users behave as
core spec §4.7-§4.9 says, through boto3."""

from __future__ import annotations

import fcntl
import os
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import boto3
import pytest
from botocore.config import Config

from tests.conftest import Running
from tests.wire.helpers import fails
from tests.wire.test_signin import make_pool, make_user, sign_in
from userpool.clock import ShiftedClock


def refresh(idp: Any, client_id: str, token: str) -> dict[str, Any]:
    reply = idp.initiate_auth(
        ClientId=client_id, AuthFlow="REFRESH_TOKEN_AUTH", AuthParameters={"REFRESH_TOKEN": token}
    )
    result: dict[str, Any] = reply["AuthenticationResult"]
    return result


@contextmanager
def write_locks_held(database: str) -> Iterator[None]:
    """Both write locks of a SQLite database taken, as another process's writer holds them:
    userpool's own (a flock) and SQLite's (a foreign `BEGIN IMMEDIATE`)."""
    lock = os.open(f"{database}.lock", os.O_RDWR | os.O_CREAT, 0o600)
    fcntl.flock(lock, fcntl.LOCK_EX)
    foreign = sqlite3.connect(database, isolation_level=None)
    foreign.execute("BEGIN IMMEDIATE")
    try:
        yield
    finally:
        foreign.execute("ROLLBACK")
        foreign.close()
        os.close(lock)


def test_a_password_sign_in_and_a_refresh_write_nothing(running: Running, idp: Any) -> None:
    if running.engine_name != "sqlite":
        pytest.skip("SQLite's locks and data_version show a write; PostgreSQL runs it READ ONLY alike")
    pool_id, client_id = make_pool(idp)
    make_user(idp, pool_id)
    database = running.server.engine.url.database
    assert database is not None
    watcher = sqlite3.connect(database, isolation_level=None)
    impatient = boto3.client(
        "cognito-idp",
        endpoint_url=running.url,
        region_name="us-east-1",
        aws_access_key_id="AKIDEXAMPLE",
        aws_secret_access_key="secret",
        config=Config(read_timeout=10, retries={"max_attempts": 1}),
    )
    try:
        sign_in(idp, client_id)  # a first sign-in may make the pool's cached state; not counted
        version = watcher.execute("PRAGMA data_version").fetchone()[0]
        with write_locks_held(database):
            result = sign_in(impatient, client_id)
            refreshed = refresh(impatient, client_id, result["RefreshToken"])
            user = impatient.get_user(AccessToken=refreshed["AccessToken"])
        assert watcher.execute("PRAGMA data_version").fetchone()[0] == version  # nobody committed
    finally:
        watcher.close()
    assert user["Username"] == "alice"
    # A wrong password is counted (a write): the call waits for the locks, then runs as a writer.
    assert fails(idp.initiate_auth, **wrong_password(client_id)) == (
        "NotAuthorizedException",
        "Incorrect username or password.",
    )
    assert idp.admin_get_user(UserPoolId=pool_id, Username="alice")["Username"] == "alice"


def wrong_password(client_id: str) -> dict[str, Any]:
    return {
        "ClientId": client_id,
        "AuthFlow": "USER_PASSWORD_AUTH",
        "AuthParameters": {"USERNAME": "alice", "PASSWORD": "Not-The-Password-9"},
    }


def test_a_wrong_password_is_still_counted_towards_lockout(idp: Any, clock: ShiftedClock) -> None:
    """The sign-in that only read runs again as a writer to count the failure."""
    pool_id, client_id = make_pool(idp)
    make_user(idp, pool_id)
    clock.freeze()
    for _ in range(5):
        fails(idp.initiate_auth, **wrong_password(client_id))
    # Core spec §14: five failures lock the user for a while, even for the right password.
    assert fails(sign_in, idp=idp, client_id=client_id) == (
        "NotAuthorizedException",
        "Password attempts exceeded",
    )


def test_global_sign_out_revokes_what_came_before_and_nothing_after(idp: Any, clock: ShiftedClock) -> None:
    pool_id, client_id = make_pool(idp)
    make_user(idp, pool_id)
    clock.freeze()  # one instant: revocation cannot lean on time
    before = sign_in(idp, client_id)
    idp.admin_user_global_sign_out(UserPoolId=pool_id, Username="alice")
    after = sign_in(idp, client_id)
    assert fails(idp.get_user, AccessToken=before["AccessToken"]) == (
        "NotAuthorizedException",
        "Access Token has been revoked",
    )
    assert fails(refresh, idp=idp, client_id=client_id, token=before["RefreshToken"]) == (
        "NotAuthorizedException",
        "Refresh Token has been revoked",
    )
    assert idp.get_user(AccessToken=after["AccessToken"])["Username"] == "alice"
    refreshed = refresh(idp, client_id, after["RefreshToken"])
    assert idp.get_user(AccessToken=refreshed["AccessToken"])["Username"] == "alice"
    idp.global_sign_out(AccessToken=refreshed["AccessToken"])  # revokes the whole origin
    assert fails(idp.get_user, AccessToken=after["AccessToken"])[1] == "Access Token has been revoked"


def test_revoke_token_revokes_one_origin(idp: Any) -> None:
    pool_id, client_id = make_pool(idp)
    make_user(idp, pool_id)
    first, second = sign_in(idp, client_id), sign_in(idp, client_id)
    idp.revoke_token(Token=first["RefreshToken"], ClientId=client_id)
    idp.revoke_token(Token=first["RefreshToken"], ClientId=client_id)  # again: still {}
    assert fails(refresh, idp=idp, client_id=client_id, token=first["RefreshToken"]) == (
        "NotAuthorizedException",
        "Refresh Token has been revoked",
    )
    assert fails(idp.get_user, AccessToken=first["AccessToken"])[1] == "Access Token has been revoked"
    assert idp.get_user(AccessToken=second["AccessToken"])["Username"] == "alice"
    assert refresh(idp, client_id, second["RefreshToken"])["AccessToken"]
    # A token of another client, or a changed one, is not this client's: answered {} and ignored.
    _, other_client = make_pool(idp)
    third = sign_in(idp, client_id)
    idp.revoke_token(Token=third["RefreshToken"], ClientId=other_client)
    changed = third["RefreshToken"][:-3] + ("AAA" if not third["RefreshToken"].endswith("AAA") else "BBB")
    idp.revoke_token(Token=changed, ClientId=client_id)
    assert refresh(idp, client_id, third["RefreshToken"])["AccessToken"]
    assert fails(refresh, idp=idp, client_id=client_id, token=changed) == (
        "NotAuthorizedException",
        "Invalid Refresh Token.",
    )


def test_a_deleted_user_stays_gone_for_old_tokens(idp: Any) -> None:
    pool_id, client_id = make_pool(idp)
    make_user(idp, pool_id)
    old = sign_in(idp, client_id)
    idp.admin_delete_user(UserPoolId=pool_id, Username="alice")
    make_user(idp, pool_id)  # same username, same row id on SQLite: a new user all the same
    assert fails(refresh, idp=idp, client_id=client_id, token=old["RefreshToken"]) == (
        "UserNotFoundException",
        "User does not exist.",
    )
    assert fails(idp.get_user, AccessToken=old["AccessToken"]) == (
        "UserNotFoundException",
        "User does not exist.",
    )
    assert idp.revoke_token(Token=old["RefreshToken"], ClientId=client_id)["ResponseMetadata"]


def test_rotation_replaces_the_refresh_token_after_a_grace_period(idp: Any, clock: ShiftedClock) -> None:
    rotation = {"Feature": "ENABLED", "RetryGracePeriodSeconds": 10}
    pool_id, client_id = make_pool(idp, RefreshTokenRotation=rotation)
    make_user(idp, pool_id)
    first = sign_in(idp, client_id)["RefreshToken"]
    second = idp.get_tokens_from_refresh_token(RefreshToken=first, ClientId=client_id)["AuthenticationResult"]
    assert second["RefreshToken"] != first
    assert idp.get_user(AccessToken=second["AccessToken"])["Username"] == "alice"
    assert refresh(idp, client_id, first)["AccessToken"]  # within its grace period
    clock.advance(11)
    assert fails(idp.get_tokens_from_refresh_token, RefreshToken=first, ClientId=client_id) == (
        "RefreshTokenReuseException",
        "Refresh token has been invalidated by rotation",
    )
    third = idp.get_tokens_from_refresh_token(RefreshToken=second["RefreshToken"], ClientId=client_id)
    assert refresh(idp, client_id, third["AuthenticationResult"]["RefreshToken"])["AccessToken"]
    clock.advance(11)
    assert fails(refresh, idp=idp, client_id=client_id, token=second["RefreshToken"])[0] == (
        "RefreshTokenReuseException"
    )
    # Revoking the newest token revokes the origin, and so every token of it.
    idp.revoke_token(Token=third["AuthenticationResult"]["RefreshToken"], ClientId=client_id)
    assert fails(idp.get_user, AccessToken=second["AccessToken"])[1] == "Access Token has been revoked"
