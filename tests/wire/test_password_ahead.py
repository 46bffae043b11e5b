"""A password the request names is made into its SRP verifier before the operation's transaction,
so SQLite's write lock is not held for the modular power (`passwords.credential_ahead`); where the
stored username differs from the request's, the verifier is made inside, as before. Either way the
user signs in with the password. The server runs in this process, so the test sees, for each
verifier made, whether the thread making it held the write lock."""

from __future__ import annotations

import math
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest

from tests.conftest import Running
from tests.wire.helpers import PASSWORD, make_client, make_pool, sign_in
from userpool.crypto import srp
from userpool.store import db

pytestmark = pytest.mark.usefixtures("sqlite_only")


@pytest.fixture
def sqlite_only(running: Running) -> None:
    if db.is_postgres(running.server.engine):
        pytest.skip("PostgreSQL has no database-wide write lock")


@pytest.fixture
def under_lock(monkeypatch: pytest.MonkeyPatch) -> list[bool]:
    """For every SRP verifier made from now on: whether its thread held the writer lock then."""
    holding = threading.local()
    real_held = db._WriterLock.held
    real_verifier = srp.password_verifier

    @contextmanager
    def held(self: db._WriterLock, *, wait: float = math.inf) -> Iterator[None]:
        with real_held(self, wait=wait):
            holding.now = True
            try:
                yield
            finally:
                holding.now = False

    def verifier(*args: Any) -> int:
        seen.append(getattr(holding, "now", False))
        return real_verifier(*args)

    seen: list[bool] = []
    monkeypatch.setattr(db._WriterLock, "held", held)
    monkeypatch.setattr(srp, "password_verifier", verifier)
    return seen


def test_admin_create_user_makes_a_given_temporary_password_outside_the_lock(
    idp: Any, under_lock: list[bool]
) -> None:
    pool_id = make_pool(idp)
    client_id, _ = make_client(idp, pool_id)
    idp.admin_create_user(
        UserPoolId=pool_id, Username="Ahead", TemporaryPassword=PASSWORD, MessageAction="SUPPRESS"
    )
    assert under_lock == [False]
    assert sign_in(idp, client_id, "Ahead")["ChallengeName"] == "NEW_PASSWORD_REQUIRED"


def test_admin_set_user_password_makes_the_password_outside_the_lock(
    idp: Any, under_lock: list[bool]
) -> None:
    pool_id = make_pool(idp)
    client_id, _ = make_client(idp, pool_id)
    idp.admin_create_user(UserPoolId=pool_id, Username="setter", MessageAction="SUPPRESS")
    under_lock.clear()
    idp.admin_set_user_password(UserPoolId=pool_id, Username="setter", Password=PASSWORD, Permanent=True)
    assert under_lock == [False]
    assert "AuthenticationResult" in sign_in(idp, client_id, "setter")


def test_a_stored_username_unlike_the_request_s_is_made_inside(idp: Any, under_lock: list[bool]) -> None:
    """In a pool whose usernames are emails the stored username is the sub: the verifier made
    ahead for the email is not used. The email is an alias to check in the writer, which the call
    goes to before it makes the password (not made in a reading run as well)."""
    pool_id = make_pool(idp, UsernameAttributes=["email"])
    client_id, _ = make_client(idp, pool_id)
    idp.admin_create_user(
        UserPoolId=pool_id, Username="kim@example.com", TemporaryPassword=PASSWORD, MessageAction="SUPPRESS"
    )
    assert under_lock == [False, True]
    assert sign_in(idp, client_id, "kim@example.com")["ChallengeName"] == "NEW_PASSWORD_REQUIRED"


def test_a_generated_temporary_password_is_made_outside_too(
    running: Running, idp: Any, under_lock: list[bool]
) -> None:
    """Nothing is made ahead for a password the server draws, but AdminCreateUser runs as a reader
    first and inserts the user right after (test_create_after_reading.py): the verifier is made in
    the reading run, and the invitation carries the password it was made from."""
    pool_id = make_pool(idp)
    client_id, _ = make_client(idp, pool_id)
    idp.admin_create_user(
        UserPoolId=pool_id,
        Username="drawn",
        UserAttributes=[{"Name": "email", "Value": "drawn@example.com"}],
        DesiredDeliveryMediums=["EMAIL"],
    )
    assert under_lock == [False]
    password = running.last_code("drawn@example.com")
    assert sign_in(idp, client_id, "drawn", password)["ChallengeName"] == "NEW_PASSWORD_REQUIRED"
