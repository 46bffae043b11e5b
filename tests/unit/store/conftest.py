"""A migrated engine per storage engine, on a database of the test's own (SQLite) or the session's
scratch database (PostgreSQL), and a new pool in it."""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

from tests.unit.store.helpers import new_pool
from userpool.store import db, migrations, pools


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def engine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[sa.Engine]:
    if request.param == "sqlite":
        made = db.create_engine(f"sqlite:///{tmp_path / 'store.db'}")
    else:
        made = db.create_engine(request.getfixturevalue("postgres_url"))
    try:
        migrations.migrate(made)
        yield made
    finally:
        made.dispose()


@pytest.fixture
def pool_id(engine: sa.Engine) -> str:
    made = f"us-east-1_{secrets.token_hex(4)}"
    with db.transaction(engine) as conn:
        pools.insert_pool(conn, new_pool(made))
    return made
