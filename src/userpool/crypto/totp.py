"""TOTP (RFC 6238 over RFC 4226 HOTP): SHA-1, 6 digits, 30-second steps, as authenticator apps
compute them for Cognito's software tokens (MFA spec §7.3)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import struct

STEP_SECONDS = 30
DIGITS = 6


def new_secret() -> str:
    """A fresh random secret per association (MFA spec §7.1 [INF length]): 32 random bytes as
    upper-case base32 without padding, 52 characters."""
    return base64.b32encode(secrets.token_bytes(32)).decode().rstrip("=")


def _key(secret: str) -> bytes:
    padded = secret.upper() + "=" * (-len(secret) % 8)
    return base64.b32decode(padded)


def hotp(secret: str, counter: int, digits: int = DIGITS) -> str:
    """RFC 4226 §5.3: HMAC-SHA-1 over the 8-byte counter, dynamic truncation."""
    return _hotp(_key(secret), counter, digits)


def _hotp(key: bytes, counter: int, digits: int = DIGITS) -> str:
    mac = hmac.new(key, struct.pack(">Q", counter), hashlib.sha1).digest()
    offset = mac[-1] & 0x0F
    value = struct.unpack(">I", mac[offset : offset + 4])[0] & 0x7FFFFFFF
    return str(value % 10**digits).zfill(digits)


def step_at(now: float) -> int:
    return int(now // STEP_SECONDS)


def code_at(secret: str, now: float) -> str:
    return hotp(secret, step_at(now))


def matching_step(secret: str, code: str, now: float, *, tolerance: int = 1) -> int | None:
    """The time step whose code equals `code`, allowing one step either side (MFA spec §7.3);
    None when no step within tolerance matches."""
    if len(code) != DIGITS or not code.isdigit():
        return None
    current, key = step_at(now), _key(secret)
    for step in range(current - tolerance, current + tolerance + 1):
        if hmac.compare_digest(_hotp(key, step), code):
            return step
    return None
