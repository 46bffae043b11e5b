"""Auth `Session` strings (MFA spec §6.4): random, stored by hash, single use, bound to a client."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from userpool.api.errors import not_authorized
from userpool.store.prepared import Prepared
from userpool.store.tables import auth_sessions

INVALID = "Invalid session for the user."
EXPIRED = "Invalid session for the user, session is expired."
USED = "Invalid session for the user, session can only be used once."


@dataclass(frozen=True)
class AuthSession:
    id: str
    pool_id: str
    client_id: str
    user_id: int | None
    challenge: str
    data: dict[str, Any]
    created_at: float
    expires_at: float
    used_at: float | None


def new_session_string() -> str:
    """Random, URL-safe and several hundred characters like real ones (MFA spec §6.4). It never
    begins with "-": the AWS CLI reads `--session -x...` as an option and refuses the call."""
    return "A" + secrets.token_urlsafe(192)


# Built once (every challenge step runs them): building them per call cost more than running them.
_INSERT = Prepared(auth_sessions.insert())
_BY_ID = Prepared(sa.select(auth_sessions).where(auth_sessions.c.id == sa.bindparam("session_id")))
_CONSUME = Prepared(
    auth_sessions.update()
    .where(auth_sessions.c.id == sa.bindparam("session_id"), auth_sessions.c.used_at.is_(None))
    .values(used_at=sa.bindparam("now"))
)


def _hash(session: str) -> str:
    return hashlib.sha256(session.encode()).hexdigest()


def new(
    *,
    pool_id: str,
    client_id: str,
    user_id: int | None,
    challenge: str,
    data: dict[str, Any],
    now: float,
    lifetime: float,
) -> tuple[str, dict[str, Any]]:
    """A new session's string and the row `insert` stores for it."""
    session = new_session_string()
    row = {
        "id": _hash(session),
        "pool_id": pool_id,
        "client_id": client_id,
        "user_id": user_id,
        "challenge": challenge,
        "data": data,
        "created_at": now,
        "expires_at": now + lifetime,
        "used_at": None,
    }
    return session, row


def insert(conn: sa.Connection, row: dict[str, Any]) -> None:
    """Store a session `new` made (through `Context.insert_new`, so a reading call stores it too)."""
    _INSERT.execute(conn, row)


def load(conn: sa.Connection, session: str, *, client_id: str | None, now: float) -> AuthSession:
    """The session's row, or Cognito's error for an unknown, foreign, used or expired one.

    `client_id` None: the call names no client (AssociateSoftwareToken, VerifySoftwareToken).
    """
    row = _BY_ID.first(conn, {"session_id": _hash(session)})
    if row is None or (client_id is not None and row["client_id"] != client_id):
        raise not_authorized(INVALID)
    found = AuthSession(**row)
    if found.used_at is not None:
        raise not_authorized(USED)
    if found.expires_at <= now:
        raise not_authorized(EXPIRED)
    return found


def consume(conn: sa.Connection, found: AuthSession, *, now: float) -> None:
    """Mark the session used; a concurrent use that got there first makes this one fail."""
    if _CONSUME.execute(conn, {"session_id": found.id, "now": now}) != 1:
        raise not_authorized(USED)


def newest_pending(
    conn: sa.Connection, *, client_id: str, user_id: int, challenge: str, now: float
) -> AuthSession | None:
    """The newest unused, unexpired session of a user and client for `challenge`: how a
    DEVICE_SRP_AUTH answer without a Session finds its sign-in (core spec §9.5)."""
    row = (
        conn.execute(
            sa.select(auth_sessions)
            .where(
                auth_sessions.c.client_id == client_id,
                auth_sessions.c.user_id == user_id,
                auth_sessions.c.challenge == challenge,
                auth_sessions.c.used_at.is_(None),
                auth_sessions.c.expires_at > now,
            )
            .order_by(auth_sessions.c.created_at.desc())
            .limit(1)
        )
        .mappings()
        .first()
    )
    return None if row is None else AuthSession(**row)
