"""TOTP against RFC 6238's own test vectors (Appendix B, SHA-1) and against pyotp-independent
recomputation via the RFC's published values."""

from __future__ import annotations

import base64

import pytest

from userpool.crypto import totp

# RFC 6238 Appendix B: the SHA-1 seed is the ASCII string "12345678901234567890"; 8-digit codes.
RFC_SECRET = base64.b32encode(b"12345678901234567890").decode()
RFC_VECTORS = [
    (59, "94287082"),
    (1111111109, "07081804"),
    (1111111111, "14050471"),
    (1234567890, "89005924"),
    (2000000000, "69279037"),
    (20000000000, "65353130"),
]


@pytest.mark.parametrize(("time", "code"), RFC_VECTORS)
def test_rfc6238_vectors(time: int, code: str) -> None:
    assert totp.hotp(RFC_SECRET, totp.step_at(time), digits=8) == code


def test_six_digit_codes_are_the_last_six_of_the_rfc_values() -> None:
    assert totp.code_at(RFC_SECRET, 59) == "287082"


def test_one_step_of_tolerance_either_side() -> None:
    secret = totp.new_secret()
    now = 1_800_000_015.0
    for shift, expected in ((-30, True), (0, True), (30, True), (-60, False), (60, False)):
        code = totp.code_at(secret, now + shift)
        assert (totp.matching_step(secret, code, now) is not None) is expected


def test_malformed_codes_never_match() -> None:
    secret = totp.new_secret()
    for code in ("", "12345", "1234567", "abcdef", "12 456"):
        assert totp.matching_step(secret, code, 1_800_000_000.0) is None


def test_fresh_secrets() -> None:
    secrets = {totp.new_secret() for _ in range(20)}
    assert len(secrets) == 20
    assert all(len(s) == 52 and s.isalnum() for s in secrets)
