"""store/users.py `User.with_changes`: what `dataclasses.replace` gives, the original untouched."""

from __future__ import annotations

import dataclasses

import pytest

from userpool.store.users import User


def _user() -> User:
    return User(
        pool_id="us-east-1_x", username="Ann", username_key="ann", sub="s-1", status="CONFIRMED",
        enabled=True, created_at=1.0, modified_at=1.0, attributes={"email": "a@example.com"},
    )  # fmt: skip


@pytest.mark.parametrize(
    "changes",
    [{}, {"status": "RESET_REQUIRED", "modified_at": 2.0}, {"id": 7}, {"mfa": {"totp": {"enabled": True}}}],
)
def test_with_changes_is_what_replace_gives(changes: dict[str, object]) -> None:
    user = _user()
    changed = user.with_changes(**changes)
    assert changed == dataclasses.replace(user, **changes)  # type: ignore[arg-type]
    assert changed is not user and user == _user()
    with pytest.raises(dataclasses.FrozenInstanceError):
        changed.status = "X"  # type: ignore[misc]


def test_an_unknown_field_is_refused() -> None:
    with pytest.raises(TypeError, match="statuss"):
        _user().with_changes(statuss="CONFIRMED")
