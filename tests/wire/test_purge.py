"""Purging expired rows (userpool.purge): auth sessions, codes, counters and token origin states go once
their retention after expiry has passed, and nothing still usable is ever deleted; the server's
maintenance thread runs the purge by itself."""

from __future__ import annotations

import threading
import time
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from tests.conftest import Running, served
from tests.wire.helpers import NEW_PASSWORD, PASSWORD, admin_user, attrs, email_pool, sign_in
from userpool.clock import ShiftedClock
from userpool.purge import Maintenance, purge_expired
from userpool.store import imports
from userpool.store.db import transaction
from userpool.store.tables import auth_sessions, codes, counters, origin_states

DAY = 86400


def rows_of(running: Running, pool_id: str) -> dict[str, int]:
    """How many rows of each purged kind the pool has."""
    tables = {"auth_sessions": auth_sessions, "codes": codes, "origin_states": origin_states}
    out = {}
    with transaction(running.server.engine) as conn:
        for name, table in tables.items():
            query = sa.select(sa.func.count()).select_from(table).where(table.c.pool_id == pool_id)
            out[name] = int(conn.execute(query).scalar_one())
        query = sa.select(sa.func.count()).select_from(counters).where(counters.c.key.like(f"{pool_id}:%"))
        out["counters"] = int(conn.execute(query).scalar_one())
    return out


def purge(running: Running) -> None:
    purge_expired(running.server.engine, running.clock.now())


def ceremonies(running: Running, idp: Any) -> tuple[str, str, dict[str, Any], dict[str, Any]]:
    """A pool with one of each row: a NEW_PASSWORD_REQUIRED session, a reset code (and its send
    counter), a wrong-code counter, a revoked origin (the only origin with a row) and a valid one.
    Returns the pool, the client, the challenge and the valid sign-in."""
    pool_id, client_id = email_pool(idp)
    idp.admin_create_user(
        UserPoolId=pool_id,
        Username="newbie",
        TemporaryPassword=PASSWORD,
        UserAttributes=attrs(email="newbie@example.com"),
        MessageAction="SUPPRESS",
    )
    challenge = sign_in(idp, client_id, "newbie")
    admin_user(idp, pool_id, "pat", email="pat@example.com", email_verified="true")
    first = sign_in(idp, client_id, "pat")["AuthenticationResult"]
    idp.revoke_token(Token=first["RefreshToken"], ClientId=client_id)
    second = sign_in(idp, client_id, "pat")["AuthenticationResult"]
    idp.forgot_password(ClientId=client_id, Username="pat")
    code = running.last_code("pat@example.com")
    wrong = "000000" if code != "000000" else "111111"
    with pytest.raises(idp.exceptions.CodeMismatchException):
        idp.confirm_forgot_password(
            ClientId=client_id, Username="pat", ConfirmationCode=wrong, Password=NEW_PASSWORD
        )
    assert rows_of(running, pool_id) == {"auth_sessions": 1, "codes": 1, "origin_states": 1, "counters": 2}
    return pool_id, client_id, challenge, second


def test_nothing_still_usable_is_purged(running: Running, idp: Any, clock: ShiftedClock) -> None:
    pool_id, client_id, challenge, tokens = ceremonies(running, idp)
    before = rows_of(running, pool_id)
    purge(running)
    clock.advance(120)  # the session (3 min), the code (1 h) and the tokens are all still good
    purge(running)
    assert rows_of(running, pool_id) == before
    answered = idp.respond_to_auth_challenge(
        ClientId=client_id,
        ChallengeName="NEW_PASSWORD_REQUIRED",
        Session=challenge["Session"],
        ChallengeResponses={"USERNAME": "newbie", "NEW_PASSWORD": NEW_PASSWORD},
    )
    assert "AuthenticationResult" in answered
    code = running.last_code("pat@example.com")
    idp.confirm_forgot_password(
        ClientId=client_id, Username="pat", ConfirmationCode=code, Password=NEW_PASSWORD
    )
    refreshed = idp.initiate_auth(
        ClientId=client_id,
        AuthFlow="REFRESH_TOKEN_AUTH",
        AuthParameters={"REFRESH_TOKEN": tokens["RefreshToken"]},
    )
    assert "AccessToken" in refreshed["AuthenticationResult"]


def test_expired_rows_go_after_their_retention(running: Running, idp: Any, clock: ShiftedClock) -> None:
    pool_id, client_id, _, tokens = ceremonies(running, idp)
    clock.advance(2 * 3600)  # all expired, all within their retention: late callers get "expired"
    purge(running)
    assert rows_of(running, pool_id) == {"auth_sessions": 1, "codes": 1, "origin_states": 1, "counters": 2}
    clock.advance(8 * DAY)
    purge(running)
    # The revoked origin's refresh token would be valid for 30 days: its state stays.
    assert rows_of(running, pool_id) == {"auth_sessions": 0, "codes": 0, "origin_states": 1, "counters": 0}
    refreshed = idp.initiate_auth(
        ClientId=client_id,
        AuthFlow="REFRESH_TOKEN_AUTH",
        AuthParameters={"REFRESH_TOKEN": tokens["RefreshToken"]},
    )
    assert "AccessToken" in refreshed["AuthenticationResult"]
    clock.advance(21 * DAY)  # 29 days and 2 hours: the refresh token still has hours to live
    purge(running)
    assert rows_of(running, pool_id)["origin_states"] == 1
    clock.advance(2 * DAY)  # expired a day ago: no token of it can still be unexpired
    purge(running)
    assert rows_of(running, pool_id)["origin_states"] == 0


def test_purge_expires_import_jobs_never_started(idp: Any, running: Running, clock: ShiftedClock) -> None:
    pool_id, _ = email_pool(idp)
    role = "arn:aws:iam::123456789012:role/CognitoImport"
    job = idp.create_user_import_job(JobName="late", UserPoolId=pool_id, CloudWatchLogsRoleArn=role)
    job_id = job["UserImportJob"]["JobId"]
    clock.advance(DAY - 60)
    purge(running)
    assert status_of(running, job_id) == "Created"
    clock.advance(120)
    purge(running)
    assert status_of(running, job_id) == "Expired"
    assert (
        idp.describe_user_import_job(UserPoolId=pool_id, JobId=job_id)["UserImportJob"]["Status"] == "Expired"
    )


def status_of(running: Running, job_id: str) -> str | None:
    with transaction(running.server.engine) as conn:
        job = imports.get_job(conn, job_id)
    return None if job is None else job.status


def test_maintenance_runs_tasks_until_stopped() -> None:
    ran = threading.Event()
    calls: list[int] = []

    def task() -> None:
        calls.append(1)
        ran.set()

    def broken() -> None:
        raise RuntimeError("a failing task does not stop the others")

    maintenance = Maintenance([broken, task], interval=0.01)
    maintenance.start()
    assert ran.wait(5)
    maintenance.stop()
    count = len(calls)
    time.sleep(0.05)
    assert len(calls) == count
    Maintenance([task], interval=0).start()  # 0: off


def test_the_server_purges_by_itself(tmp_path: Path) -> None:
    with served(f"sqlite:///{tmp_path / 'purge.db'}", "sqlite", purge_interval=0.1) as live:
        idp = live.client()
        pool_id, client_id = email_pool(idp)
        idp.admin_create_user(
            UserPoolId=pool_id, Username="kim", TemporaryPassword=PASSWORD, MessageAction="SUPPRESS"
        )
        sign_in(idp, client_id, "kim")
        assert rows_of(live, pool_id)["auth_sessions"] == 1
        live.clock.advance(2 * DAY)
        deadline = time.monotonic() + 10
        while rows_of(live, pool_id)["auth_sessions"] and time.monotonic() < deadline:
            time.sleep(0.05)
        assert rows_of(live, pool_id)["auth_sessions"] == 0
