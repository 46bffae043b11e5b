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

from userpool.store.tables import metadata

version_table = sa.Table(
    "userpool_schema",
    sa.MetaData(),
    sa.Column("version", sa.Integer, nullable=False),
)

if TYPE_CHECKING:
    from alembic.operations import Operations

Step = Callable[["Operations"], None]

# Version 1 is the schema in tables.py as first released. Append (version, step) pairs here when
# tables.py changes, e.g. (2, lambda op: op.add_column("users", sa.Column(...))).
STEPS: list[tuple[int, Step]] = []
LATEST = max([1, *(v for v, _ in STEPS)])


def current_version(conn: sa.Connection) -> int | None:
    if not sa.inspect(conn).has_table(version_table.name):
        return None
    row = conn.execute(sa.select(version_table.c.version)).first()
    return None if row is None else int(row[0])


def migrate(engine: sa.Engine) -> int:
    """Bring the database to the latest schema; returns the version it is at."""
    with engine.begin() as conn:
        version = current_version(conn)
        if version is None:
            metadata.create_all(conn)
            version_table.create(conn)
            conn.execute(version_table.insert().values(version=LATEST))
            return LATEST
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
        return version
