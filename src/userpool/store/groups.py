"""Groups and memberships: load and save rows (no Cognito rules here)."""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa

from userpool.store.tables import group_members, groups


@dataclass(frozen=True)
class Group:
    pool_id: str
    name: str
    description: str | None
    role_arn: str | None
    precedence: int | None
    created_at: float
    modified_at: float


def _group(row: sa.RowMapping) -> Group:
    return Group(**row)


def groups_of_user(conn: sa.Connection, user_id: int) -> list[Group]:
    """The user's groups ordered as tokens list them: by precedence (nulls last), then name."""
    query = (
        sa.select(groups)
        .join(
            group_members,
            sa.and_(group_members.c.pool_id == groups.c.pool_id, group_members.c.group_name == groups.c.name),
        )
        .where(group_members.c.user_id == user_id)
        .order_by(groups.c.precedence.is_(None), groups.c.precedence, groups.c.name)
    )
    return [_group(row) for row in conn.execute(query).mappings()]
