"""Forgetting what has expired, so tables do not grow with the number of sign-ins: auth sessions,
codes, counters and token origin states, each once nothing can read it any more. A maintenance thread of
the server runs `purge_expired` (and other periodic tasks) every `Settings.purge_interval` seconds.

Each kind is kept a while after it expired, where a late request still gets the error it would
have got with the row present:
* auth sessions: `session is expired` rather than `Invalid session` (MFA spec §6.4) for a day;
* codes: `ExpiredCodeException` rather than `CodeMismatchException` for ops/codes.RETENTION;
* counters: a counter whose window has passed counts as 0 (store/counters.py), so it can go once
  the longest window (an hour) has passed;
* origin states (a revoked origin, a rotated refresh token): access and ID tokens live at most a
  day (core spec §3.3) and are issued until the origin's refresh token expires, so a day after
  that none of its tokens is unexpired, and the refresh token itself says it has expired.
Import jobs never started within a day become Expired and their upload is deleted.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Sequence
from functools import partial

import sqlalchemy as sa

from userpool.clock import Clock
from userpool.ops.codes import RETENTION, SEND_WINDOW, WRONG_WINDOW
from userpool.ops.imports import EXPIRE_AFTER
from userpool.store import db, imports
from userpool.store.db import transaction
from userpool.store.tables import auth_sessions, codes, counters, origin_states

log = logging.getLogger("userpool.purge")

DAY = 86400.0
SESSION_RETENTION = DAY
CODE_RETENTION = RETENTION
COUNTER_RETENTION = max(DAY, WRONG_WINDOW, SEND_WINDOW)
ORIGIN_RETENTION = DAY

Task = Callable[[], None]


def purge_expired(engine: sa.Engine, now: float) -> dict[str, int]:
    """Delete every expired row nothing can use any more; returns the count per table."""
    deleted: dict[str, int] = {}
    with transaction(engine) as conn:
        deleted["auth_sessions"] = _delete(
            conn, auth_sessions, auth_sessions.c.expires_at < now - SESSION_RETENTION
        )
        deleted["codes"] = _delete(conn, codes, codes.c.expires_at < now - CODE_RETENTION)
        deleted["counters"] = _delete(conn, counters, counters.c.window_start < now - COUNTER_RETENTION)
        deleted["origin_states"] = _delete(
            conn, origin_states, origin_states.c.expires_at < now - ORIGIN_RETENTION
        )
        deleted["import_jobs"] = imports.expire_created(conn, before=now - EXPIRE_AFTER)
    return deleted


def _delete(conn: sa.Connection, table: sa.Table, condition: sa.ColumnElement[bool]) -> int:
    return int(conn.execute(table.delete().where(condition)).rowcount)


class Maintenance:
    """A daemon thread running `tasks` every `interval` seconds until `stop()`."""

    def __init__(self, tasks: Sequence[Task], interval: float) -> None:
        self.tasks = list(tasks)
        self.interval = interval
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        if self.interval <= 0 or self._thread is not None:
            return
        self._thread = threading.Thread(target=self._loop, name="userpool-maintenance", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 10.0) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None

    def run_once(self) -> None:
        for task in self.tasks:
            try:
                task()
            except Exception:
                log.exception("maintenance task %s failed", getattr(task, "__name__", task))

    def _loop(self) -> None:
        while not self._stop.wait(self.interval):
            self.run_once()


def checkpoints(engine: sa.Engine) -> Maintenance:
    """SQLite's WAL checkpoints (`db.checkpoint`) every `db.CHECKPOINT_INTERVAL` seconds, for an
    engine made with `background_checkpoints`: the server's, and `userpool import`'s."""
    return Maintenance([partial(db.checkpoint, engine)], db.CHECKPOINT_INTERVAL)


def maintenance_tasks(engine: sa.Engine, clock: Clock, extra: Sequence[Task] = ()) -> list[Task]:
    """The server's periodic tasks: purging, then `extra` ones (e.g. resuming import jobs)."""

    def purge() -> None:
        counts = purge_expired(engine, clock.now())
        if any(counts.values()):
            log.info("purged %s", counts)

    return [purge, *extra]
