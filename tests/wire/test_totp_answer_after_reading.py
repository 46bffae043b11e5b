"""A SOFTWARE_TOKEN_MFA answer runs as a reader first (dispatch.READS_FIRST) and makes its two
writes right after, guarded (`Context.write_guarded`): the session's use, refused if it was used
meanwhile, and the accepted step, written only if the user's MFA settings are as read. Where a
concurrent answer came in between, the call runs again as a writer and answers as it would have
one after the other (MFA spec §6.5, §7.3: a step is accepted once). Through boto3."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
import sqlalchemy as sa

from tests.conftest import Running
from tests.wire.helpers import access_token, fails
from tests.wire.mfa_helpers import (
    Flow,
    mfa_client,
    mfa_pool,
    new_user,
    next_totp,
    register_totp,
    set_mfa,
    tokens_of,
)
from userpool.api import dispatch
from userpool.clock import ShiftedClock
from userpool.store import db

REPLAYED = ("NotAuthorizedException", "Your software token has already been used once.")


def totp_flow(idp: Any, clock: ShiftedClock, admin: bool = False) -> tuple[Flow, str]:
    pool_id = mfa_pool(idp)
    set_mfa(idp, pool_id, "OPTIONAL", totp=True)
    flow = Flow(idp, pool_id, mfa_client(idp, pool_id), admin)
    new_user(idp, pool_id, "tom")
    secret = register_totp(idp, clock, access_token(idp, flow.client_id, "tom"))
    set_mfa(idp, pool_id, "ON", totp=True)
    return flow, secret


@pytest.fixture
def written(running: Running) -> Iterator[list[str]]:
    """The verb (and an INSERT's or UPDATE's table) of every statement a writing transaction runs
    from now on (SQLite, whose reading transactions run on an engine of their own)."""
    engine = running.server.engine
    if db.is_postgres(engine):
        pytest.skip("on PostgreSQL reads and writes share one engine")
    seen: list[str] = []

    def record(statement: str) -> None:
        words = statement.split(None, 3)
        verb = words[0].upper()
        if verb == "INSERT":
            seen.append(f"INSERT {words[2].strip(chr(34))}")
        elif verb == "UPDATE":
            seen.append(f"UPDATE {words[1].strip(chr(34))}")
        elif verb not in ("BEGIN", "COMMIT", "ROLLBACK", "PRAGMA"):
            seen.append(verb)

    def trace(conn: sa.Connection) -> None:
        conn.connection.dbapi_connection.set_trace_callback(record)  # type: ignore[union-attr]

    sa.event.listen(engine, "begin", trace)
    try:
        yield seen
    finally:
        sa.event.remove(engine, "begin", trace)


@pytest.mark.parametrize("admin", [False, True], ids=["public", "admin"])
def test_the_writer_makes_the_two_writes_alone(
    idp: Any, clock: ShiftedClock, written: list[str], admin: bool
) -> None:
    flow, secret = totp_flow(idp, clock, admin)
    reply = flow.start("tom")
    written.clear()
    tokens_of(flow.answer(reply, "tom", SOFTWARE_TOKEN_MFA_CODE=next_totp(clock, secret)))
    assert written == ["INSERT auth_sessions", "UPDATE users"]


def test_a_step_accepted_between_the_read_and_the_writes_is_refused(
    running: Running, idp: Any, clock: ShiftedClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The race made certain: two sign-ins of one user answer with the same code; the second's
    reading run accepts it, and before its writes the first's answer commits. The guard sees the
    settings changed, the call runs again as a writer and refuses the step, as in turn it would."""
    if db.is_postgres(running.server.engine):
        pytest.skip("on PostgreSQL the answer runs as a writer from the start")
    flow, secret = totp_flow(idp, clock)
    first, second = flow.start("tom"), flow.start("tom")
    code = next_totp(clock, secret)
    real = dispatch._insert_after_reading

    answer = {
        "ClientId": flow.client_id,
        "ChallengeName": "SOFTWARE_TOKEN_MFA",
        "Session": first["Session"],
        "ChallengeResponses": {"USERNAME": "tom", "SOFTWARE_TOKEN_MFA_CODE": code},
    }

    def racing(server: dispatch.Server, *args: Any) -> None:
        # In this process, not over HTTP: the call being raced holds the server's event loop.
        monkeypatch.setattr(dispatch, "_insert_after_reading", real)  # once
        reply = dispatch.invoke(server, "RespondToAuthChallenge", json.dumps(answer).encode(), region=None)
        assert reply.status == 200 and b"AccessToken" in reply.body
        real(server, *args)

    monkeypatch.setattr(dispatch, "_insert_after_reading", racing)
    assert fails(flow.answer, second, "tom", SOFTWARE_TOKEN_MFA_CODE=code) == REPLAYED
    clock.advance(30)  # the second session was not used up: a later code signs in with it
    tokens_of(flow.answer(second, "tom", SOFTWARE_TOKEN_MFA_CODE=next_totp(clock, secret)))


def test_an_answer_runs_once_as_a_reader(
    running: Running, idp: Any, clock: ShiftedClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The guard holds when nothing came in between (the JSON column's text is compared with what
    the reading saw, encoded alike): no second run as a writer. On PostgreSQL, which has no one
    writer to spare, the call runs once as a writer (dispatch.READS_FIRST)."""
    flow, secret = totp_flow(idp, clock)
    reply = flow.start("tom")
    runs: list[bool] = []
    real = dispatch._attempt

    def counted(*args: Any, read_only: bool) -> Any:
        runs.append(read_only)
        return real(*args, read_only=read_only)

    monkeypatch.setattr(dispatch, "_attempt", counted)
    tokens_of(flow.answer(reply, "tom", SOFTWARE_TOKEN_MFA_CODE=next_totp(clock, secret)))
    assert runs == [not db.is_postgres(running.server.engine)]
