"""Sealed auth sessions (crypto/sealed.py): what one carries comes back only with the server's key,
from the one spelling `seal` wrote; any other string, key or byte gives nothing."""

from __future__ import annotations

import base64
import re
import secrets

from userpool.crypto import sealed

KEY = secrets.token_bytes(32)
RECORD = {
    "pool_id": "us-east-1_AbCdEfGhI",
    "client_id": "a" * 26,
    "user_id": 7,
    "challenge": "SOFTWARE_TOKEN_MFA",
    "data": {"can_choose": [], "can_setup": [], "device_key": "us-east-1_" + "d" * 36},
    "created_at": 1700000000.25,
    "expires_at": 1700000180.25,
}


def opened(session: str, key: bytes = KEY) -> object:
    data = sealed.sealed_bytes(session)
    return None if data is None else sealed.unseal(key, data)


def test_a_sealed_session_gives_back_its_record() -> None:
    assert opened(sealed.seal(KEY, RECORD)) == RECORD


def test_it_looks_like_a_real_session() -> None:
    """MFA spec §6.4: URL-safe, several hundred characters, at most 2,048; real ones begin AYAB."""
    session = sealed.seal(KEY, RECORD)
    assert re.fullmatch(r"AYAB[A-Za-z0-9_-]+", session)
    assert 400 <= len(session) <= 2048
    assert sealed.seal(KEY, RECORD) != session  # a fresh nonce each time


def test_another_key_opens_nothing() -> None:
    assert opened(sealed.seal(KEY, RECORD), secrets.token_bytes(32)) is None


def test_no_changed_character_opens() -> None:
    session = sealed.seal(KEY, RECORD)
    for at in range(4, len(session), 7):
        changed = session[:at] + ("B" if session[at] != "B" else "C") + session[at + 1 :]
        assert opened(changed) is None, at


def test_cut_extended_and_foreign_strings_open_nothing() -> None:
    session = sealed.seal(KEY, RECORD)
    for other in (session[:-1], session[:60], session + "AA", "AYAB", "AYAB!" + session[5:], "A" * 300, ""):
        assert opened(other) is None


def test_only_the_written_spelling_opens() -> None:
    """Base64 leaves spare bits in the last character: another spelling of the same bytes is not
    the session (its single use is kept by a hash of the bytes, and this keeps one string each)."""
    session = sealed.seal(KEY, RECORD)
    body = session[4:]
    data = base64.urlsafe_b64decode(body + "=" * (-len(body) % 4))
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
    respelled = [
        "AYAB" + body[:-1] + char
        for char in alphabet
        if char != body[-1] and base64.urlsafe_b64decode(body[:-1] + char + "=" * (-len(body) % 4)) == data
    ]
    assert respelled  # the record's length leaves spare bits: see the padding in seal
    assert all(opened(other) is None for other in respelled)
