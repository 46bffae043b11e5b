"""Secrets of the server kept in its database (`server_secrets`): made once with the schema,
shared by every process on the database, and never changed, so each process reads one once."""

from __future__ import annotations

import secrets
import threading
import weakref

import sqlalchemy as sa

from userpool.store.tables import server_secrets

REFRESH_TOKEN_KEY = "refresh_token_key"  # noqa: S105 (a name, not a secret)

_LOADED: weakref.WeakKeyDictionary[sa.Engine, bytes] = weakref.WeakKeyDictionary()
_GUARD = threading.Lock()


def ensure_refresh_token_key(conn: sa.Connection) -> None:
    """Make the refresh-token key unless the database has one (run by the migrations, under their
    lock, so servers started together make one key between them)."""
    found = conn.execute(
        sa.select(server_secrets.c.name).where(server_secrets.c.name == REFRESH_TOKEN_KEY)
    ).first()
    if found is None:
        conn.execute(server_secrets.insert().values(name=REFRESH_TOKEN_KEY, value=secrets.token_bytes(32)))


def refresh_token_key(conn: sa.Connection) -> bytes:
    """The AES-256-GCM key refresh tokens are sealed with (crypto/refresh.py)."""
    engine = conn.engine
    key = _LOADED.get(engine)
    if key is None:
        value = conn.execute(
            sa.select(server_secrets.c.value).where(server_secrets.c.name == REFRESH_TOKEN_KEY)
        ).scalar_one()
        with _GUARD:
            key = _LOADED.setdefault(engine, bytes(value))
    return key
