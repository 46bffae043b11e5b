"""Read-only transactions (`db.transaction(read_only=True)`), on both engines: a write inside one is
refused (`db.refused_write`) and leaves nothing, the writers around them work as before, and on
SQLite they run on the engine's own reading connections, which its `dispose` closes too."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa

from tests.unit.store.helpers import insert_pool_row
from userpool.store import db, migrations
from userpool.store.tables import pools


def _count(conn: sa.Connection, pool_id: str) -> int:
    return int(conn.execute(sa.select(sa.func.count()).where(pools.c.id == pool_id)).scalar_one())


def test_a_write_in_a_read_only_transaction_is_refused_and_leaves_nothing(engine: sa.Engine) -> None:
    for round_ in range(3):  # readers and writers taking turns on the same pooled connections
        pool_id = f"us-east-1_ro{round_:07d}"
        with pytest.raises(Exception) as raised, db.transaction(engine, read_only=True) as conn:
            assert _count(conn, pool_id) == 0
            insert_pool_row(conn, pool_id)
        assert db.refused_write(raised.value)
        with db.transaction(engine, read_only=True) as conn:
            assert _count(conn, pool_id) == 0
        with db.transaction(engine) as conn:
            insert_pool_row(conn, pool_id)
        with db.transaction(engine, read_only=True) as conn:
            assert _count(conn, pool_id) == 1


def test_other_errors_are_not_refused_writes(engine: sa.Engine) -> None:
    with pytest.raises(Exception) as raised, db.transaction(engine, read_only=True) as conn:
        conn.execute(sa.text("SELECT * FROM no_such_table"))
    assert not db.refused_write(raised.value)


def test_disposing_a_sqlite_engine_closes_its_reading_connections(tmp_path: Path) -> None:
    engine = db.create_engine(f"sqlite:///{tmp_path / 'dispose.db'}")
    migrations.migrate(engine)
    with db.transaction(engine, read_only=True) as conn:
        reading = conn.connection.dbapi_connection
        assert reading is not None
    engine.dispose()
    with pytest.raises(Exception, match="closed"):
        reading.execute("SELECT 1")
