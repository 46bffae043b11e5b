"""Fixtures the wire tests share: a real SMTP server on 127.0.0.1 and a userpool server that
delivers email to it; the statements SQLite's writing transactions run."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import psycopg
import pytest
import sqlalchemy as sa
from aiosmtpd.controller import Controller

from tests.conftest import Running, free_port, served
from userpool.store import db


class Inbox:
    """An aiosmtpd handler keeping every message it receives."""

    def __init__(self) -> None:
        self.received: list[tuple[str, list[str], EmailMessage]] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        content = envelope.content
        raw = content if isinstance(content, bytes) else str(content).encode()
        parsed = message_from_bytes(raw, policy=policy.default)
        assert isinstance(parsed, EmailMessage)
        self.received.append((envelope.mail_from, list(envelope.rcpt_tos), parsed))
        return "250 Message accepted for delivery"

    def wait_for(self, count: int, timeout: float = 10) -> None:
        deadline = time.monotonic() + timeout
        while len(self.received) < count and time.monotonic() < deadline:
            time.sleep(0.02)
        assert len(self.received) >= count, f"expected {count} emails, got {len(self.received)}"


@pytest.fixture
def inbox() -> Iterator[tuple[Inbox, int]]:
    handler = Inbox()
    port = free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield handler, port
    finally:
        controller.stop()


@pytest.fixture
def smtp_running(inbox: tuple[Inbox, int], tmp_path: Path) -> Iterator[Running]:
    """A dedicated SQLite server delivering email to the inbox."""
    url = f"sqlite:///{tmp_path / 'smtp.db'}"
    with served(url, "sqlite", smtp_url=f"smtp://127.0.0.1:{inbox[1]}") as live:
        yield live


@pytest.fixture
def written(running: Running) -> Iterator[list[str]]:
    """Every statement a writing transaction runs from now on, as its verb, with the table of an
    INSERT or UPDATE (`INSERT users`; an executemany runs once a row). SQLite only: its reading
    transactions run on an engine of their own, so the writer engine runs nothing else; the
    driver's trace callback sees prepared statements too. BEGIN and COMMIT are left out."""
    engine = running.server.engine
    if db.is_postgres(engine):
        pytest.skip("on PostgreSQL reads and writes share one engine")
    seen: list[str] = []

    def record(statement: str) -> None:
        words = statement.split(None, 3)
        verb = words[0].upper()
        if verb in ("INSERT", "UPDATE"):
            seen.append(f"{verb} {words[2 if verb == 'INSERT' else 1].strip(chr(34))}")
        elif verb not in ("BEGIN", "COMMIT", "ROLLBACK", "PRAGMA"):
            seen.append(verb)

    def trace(conn: sa.Connection) -> None:
        conn.connection.dbapi_connection.set_trace_callback(record)  # type: ignore[union-attr]

    sa.event.listen(engine, "begin", trace)
    try:
        yield seen
    finally:
        sa.event.remove(engine, "begin", trace)


@pytest.fixture
def round_trips(running: Running, tmp_path: Path) -> Iterator[Callable[[], list[str]]]:
    """The round trips to PostgreSQL the calls have made since the last time it was asked, in
    order: libpq's own trace of each connection a call checks out, one entry for each of the
    frontend's `Query` messages (its text: `BEGIN`, `COMMIT`) and `Execute` messages (a prepared
    or parameterised statement: `"execute"`); each statement is one exchange. Left
    out: psycopg's own exchanges that prepare a statement (at its fifth use on a connection, a
    `Parse` of its own) or drop one from its cache (`DEALLOCATE`), which come once per statement
    and connection, not per call; and the maintenance thread's purges. PostgreSQL only."""
    engine = running.server.engine
    if not db.is_postgres(engine):
        pytest.skip("round trips are PostgreSQL's")
    trace = (tmp_path / "libpq.trace").open("w+b")
    counted = 0

    def on_checkout(dbapi_connection: Any, record: Any, proxy: Any) -> None:
        if threading.current_thread().name != "userpool-maintenance":
            dbapi_connection.pgconn.trace(trace.fileno())
            dbapi_connection.pgconn.set_trace_flags(psycopg.pq.Trace.SUPPRESS_TIMESTAMPS)

    def on_checkin(dbapi_connection: Any, record: Any) -> None:
        if dbapi_connection is not None and not dbapi_connection.closed:
            dbapi_connection.pgconn.untrace()

    def since() -> list[str]:
        nonlocal counted
        trace.seek(0)
        seen = [run for run in map(_statement, trace) if run is not None]
        found, counted = seen[counted:], len(seen)
        return found

    sa.event.listen(engine, "checkout", on_checkout)
    sa.event.listen(engine, "checkin", on_checkin)
    try:
        yield since
    finally:
        sa.event.remove(engine, "checkout", on_checkout)
        sa.event.remove(engine, "checkin", on_checkin)
        trace.close()


def _statement(line: bytes) -> str | None:
    """The statement a line of libpq's trace runs for the caller: a `Query`'s text, `"execute"`
    for an `Execute`, None for any other line (a `DEALLOCATE` psycopg sends of its own). Each
    message's line starts with its direction (`F` or `B`); a statement's text may run on over
    further lines, which never start so."""
    fields = line.split(b"\t", 3)
    if len(fields) < 3 or fields[0] != b"F":
        return None
    if fields[2] == b"Execute":
        return "execute"
    text = fields[-1].strip().strip(b'"').decode() if fields[2] == b"Query" else ""
    return text if text and not text.startswith("DEALLOCATE") else None
