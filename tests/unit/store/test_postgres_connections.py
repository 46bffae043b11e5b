"""Transactions and their connections: atomic on both engines (PostgreSQL's driver runs in
autocommit mode and each transaction sends its own `BEGIN`, db.py), and on PostgreSQL a transaction
after the server dropped the pool's connections begins on a new one instead of failing."""

from __future__ import annotations

import uuid

import pytest
import sqlalchemy as sa

from tests.conftest import drop_postgres_sessions
from tests.unit.store.helpers import insert_pool_row
from userpool.store import db
from userpool.store.tables import pools


def _exists(engine: sa.Engine, pool_id: str) -> bool:
    with db.transaction(engine, read_only=True) as conn:
        return conn.execute(sa.select(pools.c.id).where(pools.c.id == pool_id)).first() is not None


def test_a_failed_transaction_leaves_none_of_its_writes(engine: sa.Engine) -> None:
    pool_id = f"us-east-1_{uuid.uuid4().hex[:9]}"
    with pytest.raises(sa.exc.DBAPIError), db.transaction(engine) as conn:
        insert_pool_row(conn, pool_id)
        conn.execute(sa.text("SELECT * FROM no_such_table"))
    assert not _exists(engine, pool_id)


def test_engine_begin_is_one_transaction_too(engine: sa.Engine) -> None:
    """What migrations use: SQLAlchemy's own `begin`, not `db.transaction`."""
    pool_id = f"us-east-1_{uuid.uuid4().hex[:9]}"
    with pytest.raises(sa.exc.DBAPIError), engine.begin() as conn:
        insert_pool_row(conn, pool_id)
        conn.execute(sa.text("SELECT * FROM no_such_table"))
    assert not _exists(engine, pool_id)
    with engine.begin() as conn:
        insert_pool_row(conn, pool_id)
    assert _exists(engine, pool_id)


def _backend(conn: sa.Connection) -> int:
    return int(conn.execute(sa.select(sa.func.pg_backend_pid())).scalar_one())


@pytest.mark.postgres
def test_after_postgresql_dropped_the_pools_connections_transactions_begin_on_new_ones(
    postgres_url: str,
) -> None:
    engine = db.create_engine(postgres_url)
    try:
        with db.transaction(engine) as a, db.transaction(engine, read_only=True) as b:
            pooled = {_backend(a), _backend(b)}  # two idle connections in the pool afterwards
        dropped = drop_postgres_sessions(str(engine.url.database))
        assert pooled <= set(dropped)
        pool_id = f"us-east-1_{uuid.uuid4().hex[:9]}"
        with db.transaction(engine, read_only=True) as conn:
            assert _backend(conn) not in dropped
        with db.transaction(engine) as conn:
            assert _backend(conn) not in dropped
            insert_pool_row(conn, pool_id)
        assert _exists(engine, pool_id)
    finally:
        engine.dispose()
