"""What the store's tests share: a pool as the store's own type, or inserted through SQLAlchemy's
own execution path (so that a refused or failed write raises SQLAlchemy's errors); and, on SQLite,
the statements a read runs (the driver's trace) and a statement's query plan."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, TypeVar

import sqlalchemy as sa

from userpool.store import pools, tables

T = TypeVar("T")


def new_pool(pool_id: str) -> pools.Pool:
    return pools.Pool(
        id=pool_id, region="us-east-1", name="kept", config={"MfaConfiguration": "OFF"},
        id_key_pem="k", access_key_pem="k", created_at=0.0, modified_at=0.0,
    )  # fmt: skip


def insert_pool_row(conn: sa.Connection, pool_id: str, name: str = "row") -> None:
    conn.execute(
        tables.pools.insert().values(
            id=pool_id, region="us-east-1", name=name, config={}, id_key_pem="k", access_key_pem="k",
            created_at=0.0, modified_at=0.0,
        )
    )  # fmt: skip


def sqlite_statements(conn: sa.Connection, read: Callable[[], T]) -> tuple[T, list[str]]:
    """What `read` returns and every statement SQLite ran for it (the driver's trace)."""
    traced: list[str] = []
    driver = conn.connection.dbapi_connection
    driver.set_trace_callback(traced.append)  # type: ignore[union-attr]
    try:
        return read(), traced
    finally:
        driver.set_trace_callback(None)  # type: ignore[union-attr]


def sqlite_plan(conn: sa.Connection, sql: str, values: Sequence[Any] = ()) -> list[str]:
    """The steps of SQLite's query plan for `sql`."""
    return [str(row[-1]) for row in conn.exec_driver_sql(f"EXPLAIN QUERY PLAN {sql}", tuple(values))]
