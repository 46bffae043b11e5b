"""store/users.py `User.with_changes`: what `dataclasses.replace` gives, the original untouched;
`unsaved_user`: what the dataclass makes of the same fields."""

from __future__ import annotations

import dataclasses

import pytest

from userpool.store.users import User, unsaved_user


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


_NEW = {
    "pool_id": "us-east-1_x", "username": "Ann", "username_key": "ann", "sub": "s-1", "status": "CONFIRMED",
    "enabled": True, "created_at": 1.0, "modified_at": 1.0, "attributes": {"email": "a@example.com"},
    "mfa": {},
}  # fmt: skip


def test_unsaved_user_is_what_the_dataclass_makes() -> None:
    made = unsaved_user(**_NEW)
    assert made == User(**_NEW) == _user()  # type: ignore[arg-type]
    assert made.id == 0 and made.password_verifier is None and made.failed_attempts == 0
    with pytest.raises(dataclasses.FrozenInstanceError):
        made.status = "X"  # type: ignore[misc]


@pytest.mark.parametrize(
    ("values", "named"),
    [({**_NEW, "statuss": "X"}, "statuss"), ({k: v for k, v in _NEW.items() if k != "mfa"}, "mfa")],
)
def test_unsaved_user_refuses_unknown_and_missing_fields(values: dict[str, object], named: str) -> None:
    with pytest.raises(TypeError, match=named):
        unsaved_user(**values)
