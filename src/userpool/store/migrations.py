"""Schema migrations, applied at start-up and by `userpool migrate`.

A new database gets the current schema in one step and is stamped with the latest version (the
pattern Alembic recommends for fresh databases). A database at an older version gets each later
step in order, each step a function over an Alembic `Operations` object, so the DDL is portable
between SQLite and PostgreSQL.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

import sqlalchemy as sa

from userpool.store.db import is_postgres, transaction
from userpool.store.secrets import ensure_refresh_token_key
from userpool.store.tables import VALUE_KEY_LENGTH, key_type, metadata, origin_states, server_secrets

version_table = sa.Table(
    "userpool_schema",
    sa.MetaData(),
    sa.Column("version", sa.Integer, nullable=False),
)

if TYPE_CHECKING:
    from alembic.operations import Operations

Step = Callable[["Operations"], None]


def _filtered_pages_from_indexes(op: Operations) -> None:
    """Version 2: a filtered ListUsers page comes off an index in (value, username) order
    (tables.py: `user_attributes.username_key`, `ix_user_attributes_scan`, the status indexes).
    Before, SQLite sorted every match (500 ms a page when a million users shared a value) and
    PostgreSQL sorted every match of a prefix."""
    postgres = is_postgres(op.get_bind().engine)
    op.drop_index("ix_user_attributes_lookup", table_name="user_attributes")
    op.add_column(
        "user_attributes", sa.Column("username_key", key_type(512), nullable=False, server_default="")
    )
    op.execute(
        "UPDATE user_attributes SET username_key = "
        "(SELECT users.username_key FROM users WHERE users.id = user_attributes.user_id)"
    )
    op.execute(
        sa.text(
            "UPDATE user_attributes SET value_key = substr(value_key, 1, :cut) WHERE length(value_key) > :cut"
        ).bindparams(cut=VALUE_KEY_LENGTH)
    )
    if postgres:  # SQLite ignores VARCHAR lengths and already compares by code point
        op.alter_column("user_attributes", "username_key", server_default=None)
        op.alter_column("user_attributes", "value_key", type_=key_type(VALUE_KEY_LENGTH))
        op.alter_column("users", "username_key", type_=key_type(512))
    op.create_index(
        "ix_user_attributes_scan", "user_attributes", ["pool_id", "name", "value_key", "username_key"]
    )
    op.create_index("ix_users_status", "users", ["pool_id", "status", "username_key"])
    op.create_index("ix_users_enabled", "users", ["pool_id", "enabled", "username_key"])


def _sealed_refresh_tokens(op: Operations) -> None:
    """Version 3: a token origin is sealed into its refresh token instead of stored, so a sign-in
    writes nothing (`origin_states`, `server_secrets`, `users.token_generation` in tables.py). The
    `origins` table goes, and with it the refresh tokens issued before: they answer `Invalid
    Refresh Token.` and their users sign in again."""
    op.drop_table("origins")
    op.add_column("users", sa.Column("token_generation", sa.Integer, nullable=False, server_default="0"))
    bind = op.get_bind()
    origin_states.create(bind)
    server_secrets.create(bind)


def _row_revisions(op: Operations) -> None:
    """Version 4: pools and clients carry a revision, a new random number at every write, that
    names the row's content (store/pools.py caches parsed rows by it). Rows of earlier versions
    start at 0. A later step that rewrites a pool's or a client's row must set a new revision."""
    for table in ("pools", "clients"):
        op.add_column(table, sa.Column("revision", sa.BigInteger, nullable=False, server_default="0"))
        op.create_index(f"ix_{table}_revision", table, ["id", "revision"])


def _sub_in_users_row_only(op: Operations) -> None:
    """Version 5: a user's `sub` is read from its users row alone (store/users.py
    `stored_attributes`), so its `user_attributes` row goes: nothing reads it any longer, and
    its random value cost every insert a page of the scan index."""
    op.execute(sa.text("DELETE FROM user_attributes WHERE name = 'sub'"))


def _attributes_without_foreign_key_on_postgres(op: Operations) -> None:
    """Version 6: on PostgreSQL, `user_attributes` has no foreign key to `users` (tables.py: its
    per-row check was 38% of an import's COPY on the server); the store deletes the rows with
    their user or pool. SQLite keeps its key (dropping one would rebuild the table)."""
    bind = op.get_bind()
    if not is_postgres(bind.engine):
        return
    for key in sa.inspect(bind).get_foreign_keys("user_attributes"):
        if key["referred_table"] == "users" and key["name"]:
            op.drop_constraint(key["name"], "user_attributes", type_="foreignkey")


# Version 1 is the schema in tables.py as first released. Append (version, step) pairs here when
# tables.py changes.
STEPS: list[tuple[int, Step]] = [
    (2, _filtered_pages_from_indexes),
    (3, _sealed_refresh_tokens),
    (4, _row_revisions),
    (5, _sub_in_users_row_only),
    (6, _attributes_without_foreign_key_on_postgres),
]
LATEST = max([1, *(v for v, _ in STEPS)])


def current_version(conn: sa.Connection) -> int | None:
    if not sa.inspect(conn).has_table(version_table.name):
        return None
    row = conn.execute(sa.select(version_table.c.version)).first()
    return None if row is None else int(row[0])


# The PostgreSQL advisory lock that servers starting together on one database take turns on.
_MIGRATION_LOCK = 0x75736572706F6F6C  # "userpool"


def migrate(engine: sa.Engine) -> int:
    """Bring the database to the latest schema; returns the version it is at. Servers started
    together on one database take turns (SQLite's write lock, a PostgreSQL advisory lock): the
    first runs the steps, the others find them done."""
    with transaction(engine) as conn:
        if is_postgres(engine):
            conn.execute(sa.select(sa.func.pg_advisory_xact_lock(_MIGRATION_LOCK)))
        version = current_version(conn)
        if version is None:
            metadata.create_all(conn)
            version_table.create(conn)
            conn.execute(version_table.insert().values(version=LATEST))
            version = LATEST
        pending = [(v, step) for v, step in STEPS if v > version]
        if pending:
            # Imported only when there is DDL to run: Alembic costs a fifth of a second to import.
            from alembic.migration import MigrationContext
            from alembic.operations import Operations

            op = Operations(MigrationContext.configure(conn))
            for step_version, step in pending:
                step(op)
                version = step_version
        conn.execute(version_table.update().values(version=version))
        ensure_refresh_token_key(conn)
        return version
