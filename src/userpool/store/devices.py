"""Devices: load and save rows (no Cognito rules here; those live in ops/devices.py)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa

from userpool.store.db import page_by_creation
from userpool.store.tables import devices


@dataclass(frozen=True)
class Device:
    key: str
    pool_id: str
    user_id: int
    group_key: str
    status: str
    confirmed: bool
    created_at: float
    modified_at: float
    salt: str | None = None
    verifier: str | None = None
    name: str | None = None
    attributes: dict[str, Any] = field(default_factory=dict)
    last_authenticated_at: float | None = None


def _from_row(row: sa.RowMapping) -> Device:
    values = dict(row)
    values["key"] = values.pop("device_key")
    return Device(**values)


def insert_device(conn: sa.Connection, device: Device) -> None:
    conn.execute(
        devices.insert().values(
            device_key=device.key,
            pool_id=device.pool_id,
            user_id=device.user_id,
            group_key=device.group_key,
            salt=device.salt,
            verifier=device.verifier,
            name=device.name,
            attributes=device.attributes,
            status=device.status,
            confirmed=device.confirmed,
            created_at=device.created_at,
            modified_at=device.modified_at,
            last_authenticated_at=device.last_authenticated_at,
        )
    )


def get_device(conn: sa.Connection, key: str) -> Device | None:
    row = conn.execute(sa.select(devices).where(devices.c.device_key == key)).mappings().first()
    return None if row is None else _from_row(row)


def group_key_of_user(conn: sa.Connection, user_id: int) -> str | None:
    """The group key of the user's oldest device, if any."""
    row = conn.execute(
        sa.select(devices.c.group_key)
        .where(devices.c.user_id == user_id)
        .order_by(devices.c.created_at, devices.c.device_key)
        .limit(1)
    ).first()
    return None if row is None else str(row[0])


def update_device(conn: sa.Connection, key: str, **values: Any) -> None:
    conn.execute(devices.update().where(devices.c.device_key == key).values(**values))


def delete_device(conn: sa.Connection, key: str) -> None:
    conn.execute(devices.delete().where(devices.c.device_key == key))


def list_devices(
    conn: sa.Connection,
    user_id: int,
    *,
    statuses: tuple[str, ...],
    after: tuple[float, str] | None,
    limit: int,
) -> list[Device]:
    """Confirmed devices of a user with one of `statuses`, oldest first, after a position."""
    query = sa.select(devices).where(
        devices.c.user_id == user_id, devices.c.confirmed.is_(True), devices.c.status.in_(statuses)
    )
    query = page_by_creation(query, devices.c.created_at, devices.c.device_key, after, limit)
    return [_from_row(row) for row in conn.execute(query).mappings()]
