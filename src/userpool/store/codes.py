"""Single-use codes: insert, find, expire and consume rows of the `codes` table (no Cognito rules).

A code is consumed by a conditional `UPDATE ... WHERE used_at IS NULL AND expires_at > now` whose
row count is checked, so two concurrent uses of one code cannot both succeed.
"""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa

from userpool.store.tables import codes


@dataclass(frozen=True)
class Code:
    id: int
    pool_id: str
    user_id: int
    purpose: str
    code: str
    target: str | None
    created_at: float
    expires_at: float
    used_at: float | None


def insert_code(
    conn: sa.Connection,
    *,
    pool_id: str,
    user_id: int,
    purpose: str,
    code: str,
    target: str | None,
    now: float,
    expires_at: float,
) -> int:
    result = conn.execute(
        codes.insert().values(
            pool_id=pool_id,
            user_id=user_id,
            purpose=purpose,
            code=code,
            target=target,
            created_at=now,
            expires_at=expires_at,
            used_at=None,
        )
    )
    (code_id,) = result.inserted_primary_key or (0,)
    return int(code_id)


def expire_open(conn: sa.Connection, user_id: int, purpose: str, *, now: float) -> None:
    """End every still-valid code of the user for `purpose` now (a newer one replaces them)."""
    conn.execute(
        codes.update()
        .where(
            codes.c.user_id == user_id,
            codes.c.purpose == purpose,
            codes.c.used_at.is_(None),
            codes.c.expires_at > now,
        )
        .values(expires_at=now)
    )


def prune(conn: sa.Connection, user_id: int, purpose: str, *, before: float) -> None:
    """Forget the user's codes for `purpose` that expired before `before`."""
    conn.execute(
        codes.delete().where(
            codes.c.user_id == user_id, codes.c.purpose == purpose, codes.c.expires_at < before
        )
    )


def _latest(conn: sa.Connection, condition: sa.ColumnElement[bool]) -> Code | None:
    row = (
        conn.execute(sa.select(codes).where(condition).order_by(codes.c.id.desc()).limit(1))
        .mappings()
        .first()
    )
    return None if row is None else Code(**row)


def find(conn: sa.Connection, user_id: int, purpose: str, code: str) -> Code | None:
    """The newest row of the user for `purpose` with this code, used or not."""
    return _latest(
        conn, sa.and_(codes.c.user_id == user_id, codes.c.purpose == purpose, codes.c.code == code)
    )


def newest_open(conn: sa.Connection, user_id: int, purpose: str, *, now: float) -> Code | None:
    """The newest unused, unexpired code of the user for `purpose`."""
    return _latest(
        conn,
        sa.and_(
            codes.c.user_id == user_id,
            codes.c.purpose == purpose,
            codes.c.used_at.is_(None),
            codes.c.expires_at > now,
        ),
    )


def consume(conn: sa.Connection, code_id: int, *, now: float) -> bool:
    """Mark a code used; False when it was already used or has expired meanwhile."""
    result = conn.execute(
        codes.update()
        .where(codes.c.id == code_id, codes.c.used_at.is_(None), codes.c.expires_at > now)
        .values(used_at=now)
    )
    return result.rowcount == 1
