"""SQLite engines keep their SQLAlchemy connections open between transactions (`db._connection`):
the next transaction reuses one, a transaction opened inside another gets its own,
nothing of a transaction's options carries over to the next, and disposing the engine closes them."""

from __future__ import annotations

import math
import sqlite3
from pathlib import Path

import pytest
import sqlalchemy as sa

from userpool.store import db, migrations


def _engine(tmp_path: Path) -> sa.Engine:
    engine = db.create_engine(f"sqlite:///{tmp_path / 'kept.db'}")
    migrations.migrate(engine)
    return engine


def test_the_next_transaction_reuses_the_connection_and_a_nested_one_gets_its_own(tmp_path: Path) -> None:
    engine = _engine(tmp_path)
    try:
        with db.transaction(engine) as first:
            writing = first.connection.dbapi_connection
        with db.transaction(engine) as second:
            assert second is first  # the same SQLAlchemy connection, not a new checkout
        with db.transaction(engine, read_only=True) as outer:
            reading = outer.connection.dbapi_connection
            assert reading is not writing  # the reader's own connections
            with db.transaction(engine, read_only=True) as nested:  # the one in use is not free
                assert nested.connection.dbapi_connection is not reading
                assert nested.scalar(sa.text("SELECT 1")) == 1
        with db.transaction(engine, read_only=True) as again:
            assert again is outer or again is nested
    finally:
        engine.dispose()


def test_a_bounded_wait_does_not_carry_over_to_the_next_transaction(tmp_path: Path) -> None:
    engine = _engine(tmp_path)
    try:
        with db.transaction(engine, wait=0.5) as bounded:
            assert 0 < bounded.get_execution_options()[db._WAIT] <= 0.5
            used = bounded.connection.dbapi_connection
        with db.transaction(engine) as unbounded:
            assert unbounded.connection.dbapi_connection is used
            assert unbounded.get_execution_options()[db._WAIT] == math.inf
    finally:
        engine.dispose()


def test_a_failed_transaction_leaves_its_connection_usable(tmp_path: Path) -> None:
    engine = _engine(tmp_path)
    try:
        with pytest.raises(sa.exc.OperationalError), db.transaction(engine) as failed:
            failed.execute(sa.text("SELECT * FROM no_such_table"))
        with db.transaction(engine) as conn:
            assert conn is failed  # rolled back and kept, not dropped
            assert conn.scalar(sa.text("SELECT 1")) == 1
    finally:
        engine.dispose()


def test_disposing_the_engine_closes_the_kept_connections(tmp_path: Path) -> None:
    engine = _engine(tmp_path)
    with db.transaction(engine) as conn:
        kept = conn.connection.dbapi_connection
    assert isinstance(kept, sqlite3.Connection)
    engine.dispose()
    with pytest.raises(sqlite3.ProgrammingError, match="closed"):
        kept.execute("SELECT 1")
