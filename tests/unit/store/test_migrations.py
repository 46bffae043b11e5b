"""Schema migrations on both engines: a new database is created at the latest version; a database
at an older version gets each later step in order, through Alembic's `Operations`."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic.operations import Operations

from userpool.store import db, migrations


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def engine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[sa.Engine]:
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'migrations.db'}"
        made = db.create_engine(url)
        yield made
        made.dispose()
        return
    with db.scratch_postgres("postgresql://postgres@127.0.0.1:5432/postgres", "userpool_mig") as url:
        made = db.create_engine(url)
        yield made
        made.dispose()


def test_a_new_database_is_stamped_with_the_latest_version(engine: sa.Engine) -> None:
    assert migrations.migrate(engine) == migrations.LATEST
    with engine.connect() as conn:
        assert migrations.current_version(conn) == migrations.LATEST
        assert sa.inspect(conn).has_table("users")
    assert migrations.migrate(engine) == migrations.LATEST  # again: nothing to do


def test_later_steps_run_in_order_on_an_older_database(
    engine: sa.Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    migrations.migrate(engine)
    ran: list[int] = []

    def add_note(op: Operations) -> None:
        ran.append(2)
        op.add_column("users", sa.Column("migration_note", sa.String(20)))

    def index_note(op: Operations) -> None:
        ran.append(3)
        op.create_index("ix_users_migration_note", "users", ["migration_note"])

    monkeypatch.setattr(migrations, "STEPS", [(2, add_note), (3, index_note)])
    assert migrations.migrate(engine) == 3
    assert ran == [2, 3]
    with engine.connect() as conn:
        assert migrations.current_version(conn) == 3
        columns = {column["name"] for column in sa.inspect(conn).get_columns("users")}
        indexes = {index["name"] for index in sa.inspect(conn).get_indexes("users")}
    assert "migration_note" in columns
    assert "ix_users_migration_note" in indexes
    assert migrations.migrate(engine) == 3  # a database at the latest version gets no step again
    assert ran == [2, 3]
