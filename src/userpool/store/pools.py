"""Pools and app clients: load and save rows (no Cognito rules here)."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

import sqlalchemy as sa

from userpool.store.prepared import Prepared
from userpool.store.tables import clients, pools


@dataclass(frozen=True)
class Pool:
    id: str
    region: str
    name: str
    config: dict[str, Any]
    id_key_pem: str
    access_key_pem: str
    created_at: float
    modified_at: float

    @property
    def srp_name(self) -> str:
        """The pool name SRP hashes: the part of the id after the first `_` (core spec §2)."""
        return self.id.split("_", 1)[1]


@dataclass(frozen=True)
class Client:
    id: str
    pool_id: str
    name: str
    secret: str | None
    config: dict[str, Any]
    created_at: float
    modified_at: float


def insert_pool(conn: sa.Connection, pool: Pool) -> None:
    conn.execute(pools.insert().values(**pool.__dict__))


# Built once: building a statement per call cost more than running it (every request reads both).
_POOL_BY_ID = Prepared(sa.select(pools).where(pools.c.id == sa.bindparam("pool_id")))
_CLIENT_BY_ID = Prepared(sa.select(clients).where(clients.c.id == sa.bindparam("client_id")))


def get_pool(conn: sa.Connection, pool_id: str) -> Pool | None:
    row = _POOL_BY_ID.first(conn, {"pool_id": pool_id})
    return None if row is None else Pool(**row)


def save_pool(conn: sa.Connection, pool: Pool, *, name: str | None = None) -> Pool:
    """Write a pool's config (and optionally its name) back; returns what was stored."""
    stored = replace(pool, name=name or pool.name)
    conn.execute(
        pools.update()
        .where(pools.c.id == pool.id)
        .values(name=stored.name, config=stored.config, modified_at=stored.modified_at)
    )
    return stored


def delete_pool(conn: sa.Connection, pool_id: str) -> None:
    conn.execute(pools.delete().where(pools.c.id == pool_id))


def list_pools(conn: sa.Connection, *, after: str | None, limit: int) -> list[Pool]:
    query = sa.select(pools).order_by(pools.c.id).limit(limit)
    if after is not None:
        query = query.where(pools.c.id > after)
    return [Pool(**row) for row in conn.execute(query).mappings()]


def insert_client(conn: sa.Connection, client: Client) -> None:
    conn.execute(clients.insert().values(**client.__dict__))


def get_client(conn: sa.Connection, client_id: str) -> Client | None:
    row = _CLIENT_BY_ID.first(conn, {"client_id": client_id})
    return None if row is None else Client(**row)


def save_client(conn: sa.Connection, client: Client) -> None:
    conn.execute(
        clients.update()
        .where(clients.c.id == client.id)
        .values(name=client.name, config=client.config, modified_at=client.modified_at)
    )


def delete_client(conn: sa.Connection, client_id: str) -> None:
    conn.execute(clients.delete().where(clients.c.id == client_id))


def list_clients(conn: sa.Connection, pool_id: str, *, after: str | None, limit: int) -> list[Client]:
    query = sa.select(clients).where(clients.c.pool_id == pool_id).order_by(clients.c.id).limit(limit)
    if after is not None:
        query = query.where(clients.c.id > after)
    return [Client(**row) for row in conn.execute(query).mappings()]
