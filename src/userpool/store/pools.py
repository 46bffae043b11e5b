"""Pools and app clients: load and save rows (no Cognito rules here)."""

from __future__ import annotations

import secrets
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from typing import Any, Generic, TypeVar

import sqlalchemy as sa

from userpool import jsoncodec
from userpool.store.prepared import Prepared
from userpool.store.tables import clients, pools, user_attributes


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
    revision: int = 0  # see `new_revision`

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
    revision: int = 0  # see `new_revision`


def new_revision() -> int:
    """A row's revision: a new random number at every write of a pool's or a client's row, so that
    one revision names one content, whether or not the transaction that wrote it committed (a
    counter would hand a rolled-back write's number to the next write)."""
    return secrets.randbits(62)


Row = TypeVar("Row", Pool, Client)


class _Parsed(Generic[Row]):
    """Rows of one table as last read in this process, by id, each with its revision: every call
    reads its pool and most read their client, and reading and parsing a pool's row (a 4 KB config
    and two keys, over several pages that SQLite reads again after another process's commit) was
    an eighth of the CPU of an AdminCreateUser. A read looks the revision up on an index of its
    own and reads the row only when it is not the one kept. Kept rows are shared by every caller:
    none changes a config in place (`changed_in_place`, checked after every test)."""

    def __init__(self, table: sa.Table, make: Callable[..., Row], limit: int = 1024) -> None:
        # SQLite would look the id up on the primary key's index, then read the row to its end,
        # where the revision is (past a pool's config and keys, over several pages): told to, it
        # reads the revision off its own index alone.
        name = table.name  # one of ours, not input
        self._revision = Prepared(
            sa.select(table.c.revision).where(table.c.id == sa.bindparam("id")),
            sqlite=sa.text(f"SELECT revision FROM {name} INDEXED BY ix_{name}_revision WHERE id = :id"),  # noqa: S608
        )
        self._row = Prepared(sa.select(table).where(table.c.id == sa.bindparam("id")))
        self._make: Callable[..., Row] = make
        self._limit = limit
        self._kept: dict[str, tuple[Row, bytes]] = {}  # id -> (row, its config as read)
        self._handed: set[str] = set()  # ids handed out since `changed_in_place` last looked
        self._filling = threading.Lock()  # calls in worker threads may fill at once

    def get(self, conn: sa.Connection, row_id: str) -> Row | None:
        found = self._revision.rows(conn, {"id": row_id})
        return self.at(conn, row_id, found[0][0] if found else None)

    def kept(self, row_id: str) -> Row | None:
        """The row kept for `row_id`, of whatever revision (None: none kept)."""
        kept = self._kept.get(row_id)
        return None if kept is None else kept[0]

    def at(self, conn: sa.Connection, row_id: str, revision: int | None) -> Row | None:
        """The row of `revision`, which the caller has just read (None: there is no such row): the
        one kept if it is of that revision, else the row read now and kept."""
        if revision is None:
            return None
        if len(self._handed) < self._limit:  # only tests look, and empty it after each
            self._handed.add(row_id)
        kept = self._kept.get(row_id)
        if kept is not None and kept[0].revision == revision:
            return kept[0]
        row = self._row.first(conn, {"id": row_id})
        if row is None:  # deleted in between (PostgreSQL reads each statement afresh)
            return None
        made = self._make(**row)
        with self._filling:
            if len(self._kept) >= self._limit:
                self._kept.pop(next(iter(self._kept)))  # the longest kept
            self._kept[row_id] = (made, jsoncodec.dumps(made.config))
        return made

    def changed_in_place(self) -> list[str]:
        """Ids of the kept rows handed out since the last look whose config no longer reads as it
        was read (a caller changed it). Looking at every kept row took 11 ms once 1,024 were kept."""
        handed, self._handed = self._handed, set()
        found = [(key, self._kept.get(key)) for key in handed]
        return [key for key, kept in found if kept is not None and jsoncodec.dumps(kept[0].config) != kept[1]]


_POOLS = _Parsed(pools, Pool)
_CLIENTS = _Parsed(clients, Client)


def changed_in_place() -> list[str]:
    """Pools and clients kept in this process, handed out since the last look, whose config a
    caller changed in place (a bug)."""
    return _POOLS.changed_in_place() + _CLIENTS.changed_in_place()


def _values(row: Pool | Client) -> Mapping[str, Any]:
    return {**row.__dict__, "revision": new_revision()}


def insert_pool(conn: sa.Connection, pool: Pool) -> None:
    conn.execute(pools.insert().values(**_values(pool)))


def get_pool(conn: sa.Connection, pool_id: str) -> Pool | None:
    return _POOLS.get(conn, pool_id)


def save_pool(conn: sa.Connection, pool: Pool, *, name: str | None = None) -> Pool:
    """Write a pool's config (and optionally its name) back; returns what was stored."""
    stored = replace(pool, name=name or pool.name, revision=new_revision())
    conn.execute(
        pools.update()
        .where(pools.c.id == pool.id)
        .values(
            name=stored.name, config=stored.config, modified_at=stored.modified_at, revision=stored.revision
        )
    )
    return stored


def delete_pool(conn: sa.Connection, pool_id: str) -> None:
    """The pool and all it holds: its users and everything of theirs go by the foreign keys'
    cascades, but for their attributes, which PostgreSQL holds no key on (tables.py)."""
    conn.execute(user_attributes.delete().where(user_attributes.c.pool_id == pool_id))
    conn.execute(pools.delete().where(pools.c.id == pool_id))


def list_pools(conn: sa.Connection, *, after: str | None, limit: int) -> list[Pool]:
    query = sa.select(pools).order_by(pools.c.id).limit(limit)
    if after is not None:
        query = query.where(pools.c.id > after)
    return [Pool(**row) for row in conn.execute(query).mappings()]


def insert_client(conn: sa.Connection, client: Client) -> None:
    conn.execute(clients.insert().values(**_values(client)))


def get_client(conn: sa.Connection, client_id: str) -> Client | None:
    return _CLIENTS.get(conn, client_id)


# A client's revision and its pool's, each off its own index, in one statement: one round trip on
# PostgreSQL instead of two.
_CLIENT_AND_POOL_REVISIONS = Prepared(
    sa.select(
        sa.select(clients.c.revision).where(clients.c.id == sa.bindparam("client")).scalar_subquery(),
        sa.select(pools.c.revision).where(pools.c.id == sa.bindparam("pool")).scalar_subquery(),
    ),
    sqlite=sa.text(
        "SELECT (SELECT revision FROM clients INDEXED BY ix_clients_revision WHERE id = :client),"
        " (SELECT revision FROM pools INDEXED BY ix_pools_revision WHERE id = :pool)"
    ),
)


def get_client_and_pool(conn: sa.Connection, client_id: str) -> tuple[Client, Pool | None] | None:
    """The client (None: there is none) and its pool, as `get_client` and then `get_pool` would
    read them; once the client is kept, which names its pool (a client never moves to another:
    `save_client` does not write `pool_id`), both revisions are read in one statement."""
    kept = _CLIENTS.kept(client_id)
    if kept is None:
        client = get_client(conn, client_id)
        return None if client is None else (client, get_pool(conn, client.pool_id))
    found = _CLIENT_AND_POOL_REVISIONS.rows(conn, {"client": client_id, "pool": kept.pool_id})
    client_revision, pool_revision = found[0]
    client = _CLIENTS.at(conn, client_id, client_revision)
    return None if client is None else (client, _POOLS.at(conn, kept.pool_id, pool_revision))


def save_client(conn: sa.Connection, client: Client) -> None:
    conn.execute(
        clients.update()
        .where(clients.c.id == client.id)
        .values(
            name=client.name, config=client.config, modified_at=client.modified_at, revision=new_revision()
        )
    )


def delete_client(conn: sa.Connection, client_id: str) -> None:
    conn.execute(clients.delete().where(clients.c.id == client_id))


def list_clients(conn: sa.Connection, pool_id: str, *, after: str | None, limit: int) -> list[Client]:
    query = sa.select(clients).where(clients.c.pool_id == pool_id).order_by(clients.c.id).limit(limit)
    if after is not None:
        query = query.where(clients.c.id > after)
    return [Client(**row) for row in conn.execute(query).mappings()]
