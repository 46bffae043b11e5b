from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from userpool.domain.masking import mask_destination, mask_email, mask_phone


@pytest.mark.parametrize(
    ("addr", "masked"),
    [
        ("user@example.com", "u***@e***.com"),  # MFA spec §6.2
        ("jane@example.com", "j***@e***.com"),  # core spec §6.8
        ("a@b.co.uk", "a***@b***.uk"),
        ("first.last+tag@mail.example.org", "f***@m***.org"),
        ("user@localhost", "u***@l***"),  # no dot in the domain
        ("user@", "u***@***"),
        ("@example.com", "***@e***.com"),
        ("not-an-email", "n***"),
        ("", "***"),
        ("a@b@c.de", "a***@c***.de"),
        ("u@.com", "u***@.***"),
    ],
)
def test_mask_email(addr: str, masked: str) -> None:
    assert mask_email(addr) == masked


@pytest.mark.parametrize(
    ("number", "masked"),
    [
        ("+15555550008", "+*******0008"),  # MFA spec §6.2
        ("+12345679088", "+*******9088"),
        ("+441234561234", "+********1234"),
        ("+123", "+123"),  # too short to hide anything
        ("+1234", "+1234"),
        ("+12345", "+*2345"),
        ("", ""),
        ("5555550008", "******0008"),
        ("+1 555-555-0008", "+* ***-***-0008"),
    ],
)
def test_mask_phone(number: str, masked: str) -> None:
    assert mask_phone(number) == masked


def test_mask_destination() -> None:
    assert mask_destination("phone_number", "+15555550008") == "+*******0008"
    assert mask_destination("email", "user@example.com") == "u***@e***.com"


@given(st.text())
def test_masking_is_total(value: str) -> None:
    assert isinstance(mask_email(value), str)
    phone = mask_phone(value)
    assert len(phone) == len(value)
    assert sum(c.isascii() and c.isdigit() for c in phone) <= 4


@given(st.from_regex(r"\+[0-9]{5,15}", fullmatch=True))
def test_phone_keeps_plus_and_last_four(number: str) -> None:
    masked = mask_phone(number)
    assert masked[0] == "+" and masked[-4:] == number[-4:]
    assert set(masked[1:-4]) == {"*"}
