"""Groups and memberships: load and save rows (no Cognito rules here)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from userpool.store.prepared import Prepared
from userpool.store.tables import group_members, groups, users
from userpool.store.users import User, dict_rows, users_from_rows


@dataclass(frozen=True)
class Group:
    pool_id: str
    name: str
    description: str | None
    role_arn: str | None
    precedence: int | None
    created_at: float
    modified_at: float


def _group(row: Mapping[str, Any] | sa.RowMapping) -> Group:
    return Group(**row)


# Built once (every token issuance runs it): building it per call cost more than running it.
_GROUPS_OF_USER = Prepared(
    sa.select(groups)
    .join(
        group_members,
        sa.and_(group_members.c.pool_id == groups.c.pool_id, group_members.c.group_name == groups.c.name),
    )
    .where(group_members.c.user_id == sa.bindparam("user_id"))
    .order_by(groups.c.precedence.is_(None), groups.c.precedence, groups.c.name)
)


def groups_of_user(conn: sa.Connection, user_id: int) -> list[Group]:
    """The user's groups ordered as tokens list them: by precedence (nulls last), then name."""
    return [_group(row) for row in _GROUPS_OF_USER.mappings(conn, {"user_id": user_id})]


def insert_group(conn: sa.Connection, group: Group) -> None:
    conn.execute(groups.insert().values(**group.__dict__))


def _key(pool_id: str, name: str) -> sa.ColumnElement[bool]:
    return sa.and_(groups.c.pool_id == pool_id, groups.c.name == name)


def get_group(conn: sa.Connection, pool_id: str, name: str) -> Group | None:
    row = conn.execute(sa.select(groups).where(_key(pool_id, name))).mappings().first()
    return None if row is None else _group(row)


def save_group(conn: sa.Connection, group: Group) -> None:
    values = {k: v for k, v in group.__dict__.items() if k not in ("pool_id", "name", "created_at")}
    conn.execute(groups.update().where(_key(group.pool_id, group.name)).values(**values))


def delete_group(conn: sa.Connection, pool_id: str, name: str) -> None:
    conn.execute(
        group_members.delete().where(group_members.c.pool_id == pool_id, group_members.c.group_name == name)
    )
    conn.execute(groups.delete().where(_key(pool_id, name)))


def list_groups(
    conn: sa.Connection, pool_id: str, *, after: str | None, limit: int, member: int | None = None
) -> list[Group]:
    """The pool's groups by name (only those of user `member` when given), after `after`."""
    query = sa.select(groups).where(groups.c.pool_id == pool_id).order_by(groups.c.name).limit(limit)
    if after is not None:
        query = query.where(groups.c.name > after)
    if member is not None:
        members = sa.select(group_members.c.group_name).where(
            group_members.c.pool_id == pool_id, group_members.c.user_id == member
        )
        query = query.where(groups.c.name.in_(members))
    return [_group(row) for row in conn.execute(query).mappings()]


def _membership(pool_id: str, name: str, user_id: int) -> sa.ColumnElement[bool]:
    return sa.and_(
        group_members.c.pool_id == pool_id,
        group_members.c.group_name == name,
        group_members.c.user_id == user_id,
    )


def add_member(conn: sa.Connection, pool_id: str, name: str, user_id: int) -> None:
    """Add a membership unless it exists already."""
    found = conn.execute(
        sa.select(group_members.c.user_id).where(_membership(pool_id, name, user_id))
    ).first()
    if found is None:
        conn.execute(group_members.insert().values(pool_id=pool_id, group_name=name, user_id=user_id))


def remove_member(conn: sa.Connection, pool_id: str, name: str, user_id: int) -> None:
    conn.execute(group_members.delete().where(_membership(pool_id, name, user_id)))


def members(conn: sa.Connection, pool_id: str, name: str, *, after: str | None, limit: int) -> list[User]:
    """Users of a group ordered by their username key, after `after`."""
    query = (
        sa.select(users)
        .join(group_members, group_members.c.user_id == users.c.id)
        .where(group_members.c.pool_id == pool_id, group_members.c.group_name == name)
        .order_by(users.c.username_key)
        .limit(limit)
    )
    if after is not None:
        query = query.where(users.c.username_key > after)
    return users_from_rows(conn, dict_rows(conn.execute(query)))
