"""How many round trips a sign-in makes to PostgreSQL, and which, read off libpq's own trace of
the server's connections (the `round_trips` fixture): every one is a wait on the database, and on
PostgreSQL they are most of what a sign-in costs beyond its cryptography (docs/performance.md).
Through boto3, against the running server."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from tests.wire.helpers import admin_user, make_client, make_pool, sign_in
from tests.wire.mfa_helpers import next_totp, tokens_of, totp_flow
from userpool.clock import ShiftedClock


def test_a_password_sign_in(idp: Any, round_trips: Callable[[], list[str]]) -> None:
    """BEGIN (on PostgreSQL a sign-in runs once, as a writer: `dispatch.READS_FIRST`); the client's
    and the pool's revisions; the user with its attributes; the user's groups (for the tokens);
    COMMIT."""
    pool_id = make_pool(idp)
    client_id, _ = make_client(idp, pool_id, ExplicitAuthFlows=["ALLOW_USER_PASSWORD_AUTH"])
    admin_user(idp, pool_id, "pat", email="pat@example.com", name="Pat")
    sign_in(idp, client_id, "pat")  # reads the client and the pool into the process's keeping
    round_trips()
    assert "AccessToken" in sign_in(idp, client_id, "pat")["AuthenticationResult"]
    trips = round_trips()
    assert len(trips) == 5
    assert trips == ["BEGIN", "execute", "execute", "execute", "COMMIT"]


def test_a_totp_mfa_sign_in(idp: Any, clock: ShiftedClock, round_trips: Callable[[], list[str]]) -> None:
    """The password step: BEGIN, the revisions, the user, COMMIT (its session is sealed,
    not stored). The answer, a writer from the start: BEGIN, the revisions, the session, the user,
    the session's use stored, the code's step kept, the groups, COMMIT."""
    flow, secrets = totp_flow(idp, clock, "tom")
    clock.advance(30)
    flow.answer(flow.start("tom"), "tom", SOFTWARE_TOKEN_MFA_CODE=next_totp(clock, secrets["tom"]))
    clock.advance(30)
    round_trips()
    reply = flow.start("tom")
    first = round_trips()
    assert len(first) == 4
    assert first == ["BEGIN", "execute", "execute", "COMMIT"]
    tokens_of(flow.answer(reply, "tom", SOFTWARE_TOKEN_MFA_CODE=next_totp(clock, secrets["tom"])))
    answer = round_trips()
    assert len(answer) == 8
    assert answer == ["BEGIN", *["execute"] * 6, "COMMIT"]
