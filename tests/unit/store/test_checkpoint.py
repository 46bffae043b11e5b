"""SQLite WAL checkpoints done by the server's thread (`db.checkpoint`) instead of by committing
transactions: they move the WAL into the database file, and keep the WAL from growing."""

from __future__ import annotations

from pathlib import Path

import sqlalchemy as sa

from userpool.store import db, migrations
from userpool.store.tables import pools


def _write(engine: sa.Engine, count: int, start: int = 0) -> None:
    for n in range(start, start + count):
        with db.transaction(engine) as conn:
            conn.execute(
                pools.insert().values(
                    id=f"us-east-1_{n:09d}",
                    region="us-east-1",
                    name="x" * 100,
                    config={"padding": "y" * 4000},
                    id_key_pem="k",
                    access_key_pem="k",
                    created_at=0.0,
                    modified_at=0.0,
                )
            )


def test_checkpoints_move_the_wal_into_the_database_and_restart_it(tmp_path: Path) -> None:
    path = tmp_path / "checkpoint.db"
    engine = db.create_engine(f"sqlite:///{path}", background_checkpoints=True)
    try:
        migrations.migrate(engine)
        _write(engine, 1500)  # about 6 MB of WAL: transactions do not checkpoint it themselves
        wal = Path(f"{path}-wal")
        grown = wal.stat().st_size
        assert grown > 4 << 20
        before = path.stat().st_size
        db.checkpoint(engine)
        assert path.stat().st_size > before + (4 << 20)  # the pages are in the database file now
        _write(engine, 200, start=1500)
        assert wal.stat().st_size <= grown  # the WAL was started over, not appended to
        with db.transaction(engine, read_only=True) as conn:
            assert conn.execute(sa.select(sa.func.count()).select_from(pools)).scalar_one() == 1700
    finally:
        engine.dispose()
