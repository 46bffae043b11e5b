"""Attempt and send counters: one row per key, incremented atomically (no Cognito rules here).

A counter counts within a window: once `window` seconds have passed since `window_start` the
next hit starts again from 1. A *sliding* counter moves `window_start` to every hit (the window
is measured from the latest hit); a fixed one keeps it at the first hit of the window.
"""

from __future__ import annotations

import sqlalchemy as sa

from userpool.store.db import upsert
from userpool.store.tables import counters


def hit(conn: sa.Connection, key: str, *, now: float, window: float, sliding: bool) -> int:
    """Add one to the counter and return its new value, in one statement (INSERT ... ON CONFLICT
    DO UPDATE ... RETURNING, the same on SQLite and PostgreSQL)."""
    stale = counters.c.window_start <= now - window
    start: sa.ColumnElement[float] | float = (
        now if sliding else sa.case((stale, now), else_=counters.c.window_start)
    )
    insert = upsert(conn, counters).values(key=key, count=1, window_start=now)
    stmt = insert.on_conflict_do_update(
        index_elements=[counters.c.key],
        set_={"count": sa.case((stale, 1), else_=counters.c.count + 1), "window_start": start},
    ).returning(counters.c.count)
    value: int = conn.execute(stmt).scalar_one()
    return int(value)


def current(conn: sa.Connection, key: str, *, now: float, window: float) -> int:
    """The counter's value, 0 when absent or when its window has passed."""
    row = conn.execute(
        sa.select(counters.c.count, counters.c.window_start).where(counters.c.key == key)
    ).first()
    if row is None:
        return 0
    count, window_start = int(row[0]), float(row[1])
    return 0 if window_start <= now - window else count


def clear(conn: sa.Connection, key: str) -> None:
    conn.execute(counters.delete().where(counters.c.key == key))


def clear_prefix(conn: sa.Connection, prefix: str) -> None:
    """Drop every counter whose key starts with `prefix` (e.g. all of a deleted user's)."""
    escaped = prefix.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    conn.execute(counters.delete().where(counters.c.key.like(escaped + "%", escape="\\")))
