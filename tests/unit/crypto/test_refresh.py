"""Refresh tokens: Cognito's outer shape (core spec §4.6), and a record only the key opens."""

from __future__ import annotations

import base64
import os
import re
from typing import Any

from hypothesis import given
from hypothesis import strategies as st
from joserfc import jwe

from userpool.crypto.refresh import HEADER_B64, seal, unseal

TOKEN_MODEL = re.compile(r"[A-Za-z0-9\-_=.]+")
B64URL = re.compile(r"[A-Za-z0-9_-]+")
KEY = bytes(range(32))
RECORD: dict[str, Any] = {
    "origin_jti": "92e2dd6c-4c06-4cc0-ad95-ac1400000003",
    "pool_id": "us-east-1_AbC123xyz",
    "client_id": "1example23456789abcdefghij",
    "user_id": 7,
    "sub": "5a1c0b0e-3b0a-4a53-9d0e-1f0c7c1d2e3f",
    "device_key": None,
    "expires_at": 1767225600.25,
}


def test_shape_is_cognitos() -> None:
    token = seal(KEY, RECORD)
    parts = token.split(".")
    assert len(parts) == 5
    assert parts[0] == "eyJjdHkiOiJKV1QiLCJlbmMiOiJBMjU2R0NNIiwiYWxnIjoiUlNBLU9BRVAifQ" == HEADER_B64
    assert base64.urlsafe_b64decode(parts[0] + "==") == b'{"cty":"JWT","enc":"A256GCM","alg":"RSA-OAEP"}'
    assert [len(p) for p in parts] == [62, 342, 16, 1292, 22]
    assert len(token) == 1738
    for part in parts:
        assert B64URL.fullmatch(part)
    assert TOKEN_MODEL.fullmatch(token)
    # An independent JOSE library reads it as a compact JWE with Cognito's algorithms and sizes
    # (joserfc's parser, which its decrypt_compact uses; not in its __all__).
    extracted = jwe.extract_compact(token.encode(), jwe.default_registry)  # type: ignore[attr-defined]
    assert extracted.protected == {"cty": "JWT", "enc": "A256GCM", "alg": "RSA-OAEP"}
    assert {name: len(value) for name, value in extracted.bytes_segments.items()} == {
        "iv": 12,
        "ciphertext": 969,
        "tag": 16,
    }
    assert [len(recipient.encrypted_key or b"") for recipient in extracted.recipients] == [256]


def test_the_record_comes_back_and_is_not_readable() -> None:
    token = seal(KEY, RECORD)
    assert unseal(KEY, token) == RECORD
    assert b"us-east-1_AbC123xyz" not in base64.urlsafe_b64decode(token.split(".")[3] + "==")


def test_tokens_of_one_record_differ() -> None:
    tokens = {seal(KEY, RECORD) for _ in range(50)}
    assert len(tokens) == 50
    assert len({t.split(".")[2] for t in tokens}) == 50  # a new IV each time


def test_another_key_opens_nothing() -> None:
    assert unseal(os.urandom(32), seal(KEY, RECORD)) is None


@given(st.data())
def test_any_changed_character_opens_nothing(data: st.DataObject) -> None:
    token = seal(KEY, RECORD)
    at = data.draw(st.integers(0, len(token) - 1))
    other = data.draw(st.sampled_from("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.="))
    changed = token[:at] + other + token[at + 1 :]
    if changed != token:
        assert unseal(KEY, changed) is None


def test_other_strings_open_nothing() -> None:
    token = seal(KEY, RECORD)
    for bad in ("", "a.b.c.d.e", token + ".x", token.replace(".", "", 1), "é" + token[1:], token[:-1]):
        assert unseal(KEY, bad) is None


def test_a_long_record_still_seals() -> None:
    record = {**RECORD, "device_key": "us-east-1_" + "d" * 1000}
    token = seal(KEY, record)
    assert unseal(KEY, token) == record
    assert len(token.split(".")[3]) > 1292  # the ciphertext grows past a real token's size
