"""Auth `Session` strings (MFA spec §6.4): single use, bound to a client, and either stored (a
random string; its row under the string's hash) or sealed (the string carries its record,
`crypto/sealed.py`, as real ones do; a row is written only once it is used).

A password sign-in answered with SOFTWARE_TOKEN_MFA or SELECT_MFA_TYPE gets a sealed session, so
that it writes nothing (it runs as a reader, dispatch.READS_FIRST): on SQLite it neither queues
for the one writer nor makes every other connection drop its page cache. The other challenges'
sessions are stored: SRP's carry more state than a string should, a device's is found by its
user (`newest_pending`), and the rest are issued by calls that write anyway.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from userpool.api.errors import not_authorized
from userpool.crypto import sealed
from userpool.store.db import upsert
from userpool.store.prepared import Prepared
from userpool.store.secrets import refresh_token_key
from userpool.store.tables import auth_sessions

INVALID = "Invalid session for the user."
EXPIRED = "Invalid session for the user, session is expired."
USED = "Invalid session for the user, session can only be used once."

# The challenges whose sessions are sealed (see the module's docstring).
SEALED_CHALLENGES = frozenset({"SOFTWARE_TOKEN_MFA", "SELECT_MFA_TYPE"})


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
    sealed: bool = False  # its row is written when it is used (`consume`)


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
# A sealed session's row, written when it is used; nothing when it was used before.
# Built on first use in each dialect (`_mark_used`): building it imports the dialect.
_MARK_USED: dict[str, Prepared] = {}


def _mark_used(conn: sa.Connection) -> Prepared:
    found = _MARK_USED.get(conn.dialect.name)
    if found is None:
        statement = upsert(conn, auth_sessions).on_conflict_do_nothing(index_elements=[auth_sessions.c.id])
        found = _MARK_USED[conn.dialect.name] = Prepared(statement.returning(auth_sessions.c.id))
    return found


# What a sealed session carries (its row's columns but the id and used_at).
_RECORD = ("pool_id", "client_id", "user_id", "challenge", "data", "created_at", "expires_at")


def _hash(session: str | bytes) -> str:
    return hashlib.sha256(session.encode() if isinstance(session, str) else session).hexdigest()


def new(
    conn: sa.Connection,
    *,
    pool_id: str,
    client_id: str,
    user_id: int | None,
    challenge: str,
    data: dict[str, Any],
    now: float,
    lifetime: float,
) -> tuple[str, dict[str, Any] | None]:
    """A new session's string, and the row `insert` stores for it (None: sealed, nothing to
    store until it is used)."""
    record = {
        "pool_id": pool_id,
        "client_id": client_id,
        "user_id": user_id,
        "challenge": challenge,
        "data": data,
        "created_at": now,
        "expires_at": now + lifetime,
    }
    if challenge in SEALED_CHALLENGES:
        return sealed.seal(refresh_token_key(conn), record), None
    session = new_session_string()
    return session, {"id": _hash(session), **record, "used_at": None}


def insert(conn: sa.Connection, row: dict[str, Any]) -> None:
    """Store a session `new` made (through `Context.write_after_reading`, so a reading call stores it too)."""
    _INSERT.execute(conn, row)


def _found(conn: sa.Connection, session: str) -> AuthSession | None:
    data = sealed.sealed_bytes(session)
    record = None if data is None else sealed.unseal(refresh_token_key(conn), data)
    if data is None or record is None:  # a stored session's string
        row = _BY_ID.first(conn, {"session_id": _hash(session)})
        return None if row is None else AuthSession(**row)
    session_id = _hash(data)
    used = _BY_ID.first(conn, {"session_id": session_id})
    values: dict[str, Any] = {name: record.get(name) for name in _RECORD}
    used_at = None if used is None else used["used_at"]
    return AuthSession(id=session_id, **values, used_at=used_at, sealed=True)


def load(conn: sa.Connection, session: str, *, client_id: str | None, now: float) -> AuthSession:
    """The session, or Cognito's error for an unknown, foreign, used or expired one.

    `client_id` None: the call names no client (AssociateSoftwareToken, VerifySoftwareToken).
    """
    found = _found(conn, session)
    if found is None or (client_id is not None and found.client_id != client_id):
        raise not_authorized(INVALID)
    if found.used_at is not None:
        raise not_authorized(USED)
    if found.expires_at <= now:
        raise not_authorized(EXPIRED)
    return found


def consume(conn: sa.Connection, found: AuthSession, *, now: float) -> None:
    """Mark the session used (a sealed one: its row, written now); a concurrent use that got
    there first makes this one fail."""
    if found.sealed:
        row = {name: getattr(found, name) for name in ("id", *_RECORD)}
        done = len(_mark_used(conn).rows(conn, {**row, "used_at": now}))
    else:
        done = _CONSUME.execute(conn, {"session_id": found.id, "now": now})
    if done != 1:
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
