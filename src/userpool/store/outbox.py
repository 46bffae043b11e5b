"""The outbox: every message a pool sends, kept for tests and people to read."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from userpool.store.tables import messages


@dataclass(frozen=True)
class Message:
    pool_id: str
    channel: str  # "EMAIL" or "SMS"
    recipient: str
    subject: str | None
    body: str
    code: str | None
    purpose: str
    username: str | None
    created_at: float
    delivery_error: str | None = None


def insert_message(conn: sa.Connection, message: Message) -> int:
    result = conn.execute(messages.insert().values(**message.__dict__))
    (message_id,) = result.inserted_primary_key or (0,)
    return int(message_id)


def list_messages(
    conn: sa.Connection, *, pool_id: str | None, recipient: str | None, limit: int
) -> list[dict[str, Any]]:
    """Newest first, optionally only one pool's or one recipient's."""
    query = sa.select(messages).order_by(messages.c.id.desc()).limit(max(1, min(limit, 1000)))
    if pool_id:
        query = query.where(messages.c.pool_id == pool_id)
    if recipient:
        query = query.where(messages.c.recipient == recipient)
    return [
        {
            "id": row["id"],
            "poolId": row["pool_id"],
            "channel": row["channel"],
            "recipient": row["recipient"],
            "subject": row["subject"],
            "body": row["body"],
            "code": row["code"],
            "purpose": row["purpose"],
            "username": row["username"],
            "createdAt": row["created_at"],
            "deliveryError": row["delivery_error"],
        }
        for row in conn.execute(query).mappings()
    ]
