"""A filtered ListUsers page is read off an index in page order (issue 5: "a filtered page does
not scan the pool"): the query plans of every kind of scan, on both engines, have no sort step,
so a page costs `limit` index entries whether its filter matches one user or a million."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any, cast

import pytest
import sqlalchemy as sa

from tests.unit.store.helpers import insert_pool_row
from userpool.store import db, migrations
from userpool.store.users import User, UserScan, insert_user, scan_statement

POOL = "us-east-1_plans"

# name: (scan, a page position to continue after, the index that must lead where one is ours)
SCANS = {
    "no filter": (UserScan(POOL), ("", "bob"), None),
    "attribute =": (
        UserScan(POOL, attribute="family_name", equals=("reddy",)),
        (None, "bob"),
        "ix_user_attributes_scan",
    ),
    "attribute ^=": (
        UserScan(POOL, attribute="email", prefix="al"),
        ("alice@example.com", "alice"),
        "ix_user_attributes_scan",
    ),
    "username ^=": (UserScan(POOL, prefix="al", username_prefix="al"), ("", "alice"), None),
    "cognito:user_status =": (
        UserScan(POOL, column="status", equals=("FORCE_CHANGE_PASSWORD",)),
        (None, "bob"),
        "ix_users_status",
    ),
    "status =": (UserScan(POOL, column="enabled", equals=(False,)), (None, "bob"), "ix_users_enabled"),
    "sub ^=": (UserScan(POOL, column="sub", prefix="a"), ("a1", ""), None),
}


def _populate(engine: sa.Engine) -> None:
    """A pool of 1,000 enabled, confirmed users sharing a family name and one disabled user who
    must change the password, with PostgreSQL's statistics up to date (as autovacuum keeps them),
    so the planner chooses as it would for a real pool."""
    migrations.migrate(engine)
    with engine.begin() as conn:
        insert_pool_row(conn, POOL, name="plans")
        for n in range(1001):
            name, sub, usual = f"user{n:04d}", f"{n:08x}-0000-4000-8000-000000000000", n < 1000
            attributes = {"sub": sub, "email": f"{name}@example.com", "family_name": "Reddy"}
            user = User(
                pool_id=POOL, username=name, username_key=name, sub=sub, enabled=usual,
                status="CONFIRMED" if usual else "FORCE_CHANGE_PASSWORD",
                created_at=0.0, modified_at=0.0, attributes=attributes,
            )  # fmt: skip
            insert_user(conn, user)
    if engine.dialect.name == "postgresql":
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.exec_driver_sql("ANALYZE")


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def engine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[sa.Engine]:
    if request.param == "sqlite":
        made = db.create_engine(f"sqlite:///{tmp_path / 'plans.db'}")
        _populate(made)
        yield made
        made.dispose()
        return
    with db.scratch_postgres("postgresql://postgres@127.0.0.1:5432/postgres", "userpool_plans") as url:
        made = db.create_engine(url)
        _populate(made)
        yield made
        made.dispose()


def _plan(conn: sa.Connection, scan: UserScan, after: tuple[Any, str] | None) -> str:
    """The plan of the statement scan_users runs, with its values written in."""
    prepared, params = scan_statement(scan, after=after, limit=61)
    query = cast(sa.Select[Any], prepared.statement).params(params)
    sql = str(query.compile(conn, compile_kwargs={"literal_binds": True}))
    if conn.dialect.name == "sqlite":
        return "\n".join(str(row[-1]) for row in conn.exec_driver_sql(f"EXPLAIN QUERY PLAN {sql}"))
    # With sorting priced out, PostgreSQL still sorts if no index gives the order.
    conn.exec_driver_sql("SET LOCAL enable_sort = off")
    return "\n".join(str(row[0]) for row in conn.exec_driver_sql(f"EXPLAIN {sql}"))


@pytest.mark.parametrize("name", sorted(SCANS))
def test_a_page_is_read_in_index_order(engine: sa.Engine, name: str) -> None:
    scan, after, index = SCANS[name]
    with engine.begin() as conn:
        for position in (None, after):
            plan = _plan(conn, scan, position)
            assert "TEMP B-TREE" not in plan  # SQLite's sort step
            assert "Sort" not in plan  # PostgreSQL's (Sort, Incremental Sort)
            assert "INDEX" in plan.upper()
            # Walking another index in the same order would read the pool to find a rare value.
            assert index is None or index in plan
