"""Rows the store's tests start from: a pool as the store's own type, or inserted through
SQLAlchemy's own execution path (so that a refused or failed write raises SQLAlchemy's errors)."""

from __future__ import annotations

import sqlalchemy as sa

from userpool.store import pools, tables


def new_pool(pool_id: str) -> pools.Pool:
    return pools.Pool(
        id=pool_id, region="us-east-1", name="kept", config={"MfaConfiguration": "OFF"},
        id_key_pem="k", access_key_pem="k", created_at=0.0, modified_at=0.0,
    )  # fmt: skip


def insert_pool_row(conn: sa.Connection, pool_id: str) -> None:
    conn.execute(
        tables.pools.insert().values(
            id=pool_id, region="us-east-1", name="row", config={}, id_key_pem="k", access_key_pem="k",
            created_at=0.0, modified_at=0.0,
        )
    )  # fmt: skip
