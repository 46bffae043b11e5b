"""A SOFTWARE_TOKEN_MFA answer runs as a reader first (dispatch.READS_FIRST) and makes its two
writes right after, guarded (`Context.write_after_reading`): the session's use, refused if it was used
meanwhile, and the accepted step, written only if the user's MFA settings are as read. Where a
concurrent answer came in between, the call runs again as a writer and answers as it would have
one after the other (MFA spec §6.5, §7.3: a step is accepted once). Through boto3."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.conftest import Running
from tests.wire.helpers import fails
from tests.wire.mfa_helpers import (
    REPLAYED,
    next_totp,
    tokens_of,
    totp_flow,
)
from userpool.api import dispatch
from userpool.clock import ShiftedClock
from userpool.store import db


@pytest.mark.parametrize("admin", [False, True], ids=["public", "admin"])
def test_the_writer_makes_the_two_writes_alone(
    idp: Any, clock: ShiftedClock, written: list[str], admin: bool
) -> None:
    flow, secrets = totp_flow(idp, clock, "tom", admin=admin)
    secret = secrets["tom"]
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
    flow, secrets = totp_flow(idp, clock, "tom")
    secret = secrets["tom"]
    first, second = flow.start("tom"), flow.start("tom")
    code = next_totp(clock, secret)
    real = dispatch._write_after_reading

    answer = {
        "ClientId": flow.client_id,
        "ChallengeName": "SOFTWARE_TOKEN_MFA",
        "Session": first["Session"],
        "ChallengeResponses": {"USERNAME": "tom", "SOFTWARE_TOKEN_MFA_CODE": code},
    }

    def racing(server: dispatch.Server, *args: Any) -> None:
        # In this process, not over HTTP: the call being raced holds the server's event loop.
        monkeypatch.setattr(dispatch, "_write_after_reading", real)  # once
        reply = dispatch.invoke(server, "RespondToAuthChallenge", json.dumps(answer).encode(), region=None)
        assert reply.status == 200 and b"AccessToken" in reply.body
        real(server, *args)

    monkeypatch.setattr(dispatch, "_write_after_reading", racing)
    assert fails(flow.answer, second, "tom", SOFTWARE_TOKEN_MFA_CODE=code) == REPLAYED
    clock.advance(30)  # the second session was not used up: a later code signs in with it
    tokens_of(flow.answer(second, "tom", SOFTWARE_TOKEN_MFA_CODE=next_totp(clock, secret)))


def test_an_answer_runs_once_as_a_reader(
    running: Running, idp: Any, clock: ShiftedClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The guard holds when nothing came in between (the JSON column's text is compared with what
    the reading saw, encoded alike): no second run as a writer. On PostgreSQL, which has no one
    writer to spare, the call runs once as a writer (dispatch.READS_FIRST)."""
    flow, secrets = totp_flow(idp, clock, "tom")
    secret = secrets["tom"]
    reply = flow.start("tom")
    runs: list[bool] = []
    real = dispatch._attempt

    def counted(*args: Any, read_only: bool) -> Any:
        runs.append(read_only)
        return real(*args, read_only=read_only)

    monkeypatch.setattr(dispatch, "_attempt", counted)
    tokens_of(flow.answer(reply, "tom", SOFTWARE_TOKEN_MFA_CODE=next_totp(clock, secret)))
    assert runs == [not db.is_postgres(running.server.engine)]
