"""A migrated engine per storage engine, on a database of the test's own (SQLite) or the session's
scratch database (PostgreSQL)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

from userpool.store import db, migrations


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
