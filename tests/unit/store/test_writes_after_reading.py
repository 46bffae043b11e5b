"""dispatch: on SQLite a call run as a reader first (READS_FIRST) makes the writes it asked for
(`Context.write_after_reading`) in a writer transaction right after, without running again; when
they fail, the call runs again as a writer and only the writer's rows are kept. On PostgreSQL the
call runs once, as a writer, and its writes are made at once."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
import sqlalchemy as sa

from userpool.api import dispatch
from userpool.api.context import Context
from userpool.clock import SystemClock
from userpool.settings import Settings
from userpool.store import db
from userpool.store.tables import auth_sessions

NO_SUCH_USER = 987654321


@pytest.fixture
def server(engine: sa.Engine) -> dispatch.Server:
    with db.transaction(engine) as conn:  # PostgreSQL's scratch database is the session's
        conn.execute(auth_sessions.delete())
    return dispatch.Server(engine=engine, clock=SystemClock(), settings=Settings())


def _session_row(session_id: str, user_id: int | None) -> dict[str, Any]:
    return {
        "id": session_id,
        "pool_id": "us-east-1_test",
        "client_id": "client",
        "user_id": user_id,
        "challenge": "SOFTWARE_TOKEN_MFA",
        "data": {},
        "created_at": 0.0,
        "expires_at": 1.0,
        "used_at": None,
    }


def _inserting(row: dict[str, Any]) -> Callable[[sa.Connection], None]:
    def write(conn: sa.Connection) -> None:
        conn.execute(auth_sessions.insert().values(row))

    return write


def _stored(server: dispatch.Server) -> list[tuple[str, int | None]]:
    with db.transaction(server.engine, read_only=True) as conn:
        rows = conn.execute(sa.select(auth_sessions.c.id, auth_sessions.c.user_id).order_by("id"))
        return [(row.id, row.user_id) for row in rows]


def _call(server: dispatch.Server, handler: dispatch.Handler) -> None:
    params = {"AuthFlow": "USER_PASSWORD_AUTH", "ClientId": "client"}  # READS_FIRST picks it
    assert dispatch.READS_FIRST["InitiateAuth"](params)
    dispatch.call(server, "InitiateAuth", handler, params, None)


def test_a_call_stores_its_new_row_once(server: dispatch.Server) -> None:
    """SQLite: read first, the row written after the reading transaction, no second run.
    PostgreSQL: one run, as a writer, which writes the row at once."""
    postgres = db.is_postgres(server.engine)
    runs: list[str] = []

    def handler(ctx: Context, _: dict[str, Any]) -> dict[str, Any]:
        runs.append("writer" if ctx.later_writes is None else "reader")
        ctx.write_after_reading(_inserting(_session_row("a", None)))
        # Nothing is committed while the handler runs: on SQLite nothing is written before the
        # reading transaction ends, on PostgreSQL the writer's row is not committed yet.
        assert _stored(server) == []
        return {}

    _call(server, handler)
    assert runs == (["writer"] if postgres else ["reader"])
    assert _stored(server) == [("a", None)]


def test_when_the_write_after_reading_fails_the_call_runs_again_as_a_writer(
    server: dispatch.Server,
) -> None:
    if db.is_postgres(server.engine):
        pytest.skip("on PostgreSQL a READS_FIRST call runs as a writer")
    runs: list[str] = []

    def handler(ctx: Context, _: dict[str, Any]) -> dict[str, Any]:
        reader = ctx.later_writes is not None
        runs.append("reader" if reader else "writer")
        # As the reader saw it, the user existed; by the time of the insert it is gone (a foreign
        # key the insert breaks). The writer, which sees it gone, stores a session without it.
        row = _session_row("from-reader", NO_SUCH_USER) if reader else _session_row("from-writer", None)
        ctx.write_after_reading(_inserting(row))
        return {}

    _call(server, handler)
    assert runs == ["reader", "writer"]
    assert _stored(server) == [("from-writer", None)]
