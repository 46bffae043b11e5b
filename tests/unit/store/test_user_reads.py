"""store/users.py reads a user and its attribute rows in one statement (`_user_with_attributes`):
the user comes back as it was saved, its attributes in their order whatever their text, by id, by
username and by `sub`, on both engines; so do a ListUsers page and a group's members (their
attributes read for the whole page at once). On SQLite one statement reads a user, each table off
an index; PostgreSQL's round trips are counted in tests/wire/test_postgres_round_trips.py."""

from __future__ import annotations

import secrets

import pytest
import sqlalchemy as sa

from tests.unit.store.helpers import sqlite_plan, sqlite_statements
from userpool.store import db, groups, users

# Text a JSON round trip could get wrong, and more than ten attributes, so that an order by the
# positions' text (10 before 2) would show.
_ODD = {
    "email": "ann@example.com",
    "name": 'a "quote", a backslash \\, a slash /, a tab \t and a newline \n',
    "custom:unicode": "Ünïcødé 日本語 😀",
    "custom:control": "\x01\x1f\x7f",
    "custom:digits": "12345678901234567890123",  # past 64 bits, as text
    "custom:json": '[[0, "name", "value"]]',
    "custom:empty": "",
    "custom:long": "x" * 2048,
}
_ATTRIBUTES = {**{f"custom:a{n}": str(n) for n in range(12, 0, -1)}, **_ODD}


def _insert(engine: sa.Engine, pool_id: str, attributes: dict[str, str]) -> users.User:
    name = f"ann-{secrets.token_hex(4)}"
    sub = secrets.token_hex(16)
    user = users.unsaved_user(
        pool_id=pool_id, username=name, username_key=name, sub=sub, status="CONFIRMED", enabled=True,
        created_at=1.0, modified_at=2.0, attributes={"sub": sub, **attributes}, mfa={"totp": {"on": 1}},
    )  # fmt: skip
    with db.transaction(engine) as conn:
        return users.insert_user(conn, user)


@pytest.mark.parametrize("attributes", [_ATTRIBUTES, {}], ids=["many", "none"])
def test_a_user_is_read_as_it_was_saved(engine: sa.Engine, pool_id: str, attributes: dict[str, str]) -> None:
    saved = _insert(engine, pool_id, attributes)
    _insert(engine, pool_id, {"email": "other@example.com"})  # another user's rows stay apart
    with db.transaction(engine, read_only=True) as conn:
        found = [
            users.get_by_id(conn, saved.id),
            users.get_by_username_key(conn, pool_id, saved.username_key),
            users.get_by_sub(conn, pool_id, saved.sub),
        ]
    for user in found:
        assert user == saved
        assert user is not None and list(user.attributes.items()) == [("sub", saved.sub), *attributes.items()]


def test_a_page_and_a_groups_members_are_read_as_they_were_saved(engine: sa.Engine, pool_id: str) -> None:
    saved = [
        _insert(engine, pool_id, _ATTRIBUTES),
        _insert(engine, pool_id, {}),
        _insert(engine, pool_id, _ODD),
    ]
    saved.sort(key=lambda user: user.username_key)
    with db.transaction(engine) as conn:
        groups.insert_group(conn, groups.Group(pool_id, "readers", None, None, None, 1.0, 1.0))
        for user in saved:
            groups.add_member(conn, pool_id, "readers", user.id)
    with db.transaction(engine, read_only=True) as conn:
        page = users.scan_users(conn, users.UserScan(pool_id), after=None, limit=10)
        members = groups.members(conn, pool_id, "readers", after=None, limit=10)
    assert [user for user, _, _ in page] == saved
    assert members == saved


def test_a_missing_user_is_none(engine: sa.Engine, pool_id: str) -> None:
    with db.transaction(engine, read_only=True) as conn:
        assert users.get_by_id(conn, 2**31 - 1) is None
        assert users.get_by_username_key(conn, pool_id, "nobody") is None
        assert users.get_by_sub(conn, pool_id, "no-sub") is None


def test_on_sqlite_one_statement_reads_a_user_and_its_attributes(engine: sa.Engine, pool_id: str) -> None:
    if engine.dialect.name != "sqlite":
        pytest.skip("the driver's trace is SQLite's")
    saved = _insert(engine, pool_id, _ODD)
    with db.transaction(engine, read_only=True) as conn:
        found, traced = sqlite_statements(
            conn, lambda: users.get_by_username_key(conn, pool_id, saved.username_key)
        )
        plan = sqlite_plan(conn, traced[0])
    assert found == saved
    assert len(traced) == 1, traced
    assert not [step for step in plan if step.startswith("SCAN")], plan
