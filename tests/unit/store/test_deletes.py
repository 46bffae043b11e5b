"""Deleting a user or a pool deletes its attribute rows, on both engines (PostgreSQL holds no
foreign key on them, tables.py), and nothing of another user or pool."""

from __future__ import annotations

import uuid

import sqlalchemy as sa

from tests.unit.store.helpers import insert_pool_row
from userpool.store import imports, pools, tables, users


def _fill(conn: sa.Connection) -> dict[str, list[int]]:
    """Two new pools of three users with two attributes each; the user ids by pool (PostgreSQL's
    database is shared by the session's tests)."""
    made: dict[str, list[int]] = {}
    for pool_id in (f"us-east-1_{uuid.uuid4().hex[:9]}", f"us-east-1_{uuid.uuid4().hex[:9]}"):
        insert_pool_row(conn, pool_id, name=pool_id)
        new = [
            users.unsaved_user(
                pool_id=pool_id, username=f"u{n}", username_key=f"u{n}", sub=f"{pool_id}-{n}",
                status="RESET_REQUIRED", enabled=True, created_at=0.0, modified_at=0.0, mfa={},
                attributes={"sub": f"{pool_id}-{n}", "email": f"u{n}@example.com", "name": "N"},
            )
            for n in range(3)
        ]  # fmt: skip
        made[pool_id] = imports.insert_users(conn, new)
    return made


def _attribute_owners(conn: sa.Connection, made: dict[str, list[int]]) -> list[int]:
    column = tables.user_attributes.c.user_id
    query = sa.select(column).where(tables.user_attributes.c.pool_id.in_(list(made))).order_by(column)
    return [int(row[0]) for row in conn.execute(query)]


def test_deleting_a_user_deletes_its_attributes_only(engine: sa.Engine) -> None:
    with engine.begin() as conn:
        made = _fill(conn)
        gone = next(iter(made.values()))[1]
        users.delete_user(conn, gone)
        owners = _attribute_owners(conn, made)
    assert gone not in owners
    assert owners == sorted(2 * [i for ids in made.values() for i in ids if i != gone])


def test_deleting_a_pool_deletes_its_users_attributes_only(engine: sa.Engine) -> None:
    with engine.begin() as conn:
        made = _fill(conn)
        first, second = made
        pools.delete_pool(conn, first)
        owners = _attribute_owners(conn, made)
        ids = tables.users.c.id
        query = sa.select(ids).where(tables.users.c.pool_id.in_(list(made))).order_by(ids)
        left = conn.execute(query).scalars().all()
    assert owners == sorted(2 * made[second])
    assert left == made[second]
