from __future__ import annotations

import pytest

from userpool.api.errors import CognitoError
from userpool.domain.usernames import check_new_username, looks_like_email, looks_like_phone, username_key

EMAIL_ALIAS = "Username cannot be of email format, since user pool is configured for email alias."
PHONE_ALIAS = (
    "Username cannot be of phone number format, since user pool is configured for phone_number alias."
)


@pytest.mark.parametrize(
    ("username", "username_attributes", "alias_attributes", "result"),
    [
        ("jane@example.com", ["email"], None, "email"),
        ("+14325551212", ["phone_number"], None, "phone_number"),
        ("jane@example.com", ["email", "phone_number"], None, "email"),
        ("+14325551212", ["phone_number", "email"], None, "phone_number"),
        ("jane", None, None, None),
        ("jane@example.com", None, None, None),
        ("jane@example.com", [], [], None),
        ("jane", None, ["email", "phone_number", "preferred_username"], None),
        ("+14325551212", None, ["email"], None),
        ("jane@example.com", None, ["phone_number"], None),
    ],
)
def test_accepted(
    username: str,
    username_attributes: list[str] | None,
    alias_attributes: list[str] | None,
    result: str | None,
) -> None:
    assert (
        check_new_username(
            username, username_attributes=username_attributes, alias_attributes=alias_attributes
        )
        == result
    )


@pytest.mark.parametrize(
    ("username", "username_attributes", "alias_attributes", "message"),
    [
        ("jane", ["email"], None, "Username should be an email."),
        ("+14325551212", ["email"], None, "Username should be an email."),
        ("jane", ["phone_number"], None, "Username should be a phone number."),
        ("jane@example.com", ["phone_number"], None, "Username should be a phone number."),
        ("jane", ["email", "phone_number"], None, "Username should be either an email or a phone number."),
        ("jane@example.com", None, ["email"], EMAIL_ALIAS),
        ("jane@example.com", None, ["email", "phone_number"], EMAIL_ALIAS),
        ("+14325551212", None, ["phone_number"], PHONE_ALIAS),
    ],
)
def test_rejected(
    username: str, username_attributes: list[str] | None, alias_attributes: list[str] | None, message: str
) -> None:
    with pytest.raises(CognitoError) as exc:
        check_new_username(
            username, username_attributes=username_attributes, alias_attributes=alias_attributes
        )
    assert exc.value.code == "InvalidParameterException"
    assert exc.value.message == message


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("a@b.co", True),
        ("first.last+tag@mail.example.org", True),
        ("a@b", False),
        ("a@@b.co", False),
        ("a b@c.de", False),
        ("@b.co", False),
        ("a@.co", False),
        ("a@b.", False),
        ("", False),
    ],
)
def test_looks_like_email(value: str, expected: bool) -> None:
    assert looks_like_email(value) is expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("+14325551212", True),
        ("+1", True),
        ("+123456789012345", True),
        ("+1234567890123456", False),
        ("14325551212", False),
        ("+1 432 555", False),
        ("+", False),
        ("+١٢٣", False),  # non-ASCII digits
    ],
)
def test_looks_like_phone(value: str, expected: bool) -> None:
    assert looks_like_phone(value) is expected


def test_username_key() -> None:
    assert username_key("Jane", True) == "Jane"
    assert username_key("Jane", False) == "jane"
    assert username_key("JANE", False) == username_key("jane", False)
