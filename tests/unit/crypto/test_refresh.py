"""Refresh-token shape (core spec §4.6)."""

from __future__ import annotations

import base64
import re

from userpool.crypto.refresh import HEADER_B64, new_refresh_token, token_hash

TOKEN_MODEL = re.compile(r"[A-Za-z0-9\-_=.]+")
B64URL = re.compile(r"[A-Za-z0-9_-]+")


def test_shape() -> None:
    token = new_refresh_token()
    parts = token.split(".")
    assert len(parts) == 5
    assert parts[0] == "eyJjdHkiOiJKV1QiLCJlbmMiOiJBMjU2R0NNIiwiYWxnIjoiUlNBLU9BRVAifQ" == HEADER_B64
    assert base64.urlsafe_b64decode(parts[0] + "==") == b'{"cty":"JWT","enc":"A256GCM","alg":"RSA-OAEP"}'
    assert [len(p) for p in parts] == [62, 342, 16, 1292, 22]
    assert len(token) == 1738
    for part in parts:
        assert B64URL.fullmatch(part)
        base64.urlsafe_b64decode(part + "=" * (-len(part) % 4))
    assert TOKEN_MODEL.fullmatch(token)


def test_unique() -> None:
    tokens = {new_refresh_token() for _ in range(50)}
    assert len(tokens) == 50
    assert len({t.split(".")[1] for t in tokens}) == 50


def test_token_hash() -> None:
    token = new_refresh_token()
    digest = token_hash(token)
    assert re.fullmatch(r"[0-9a-f]{64}", digest)
    assert token_hash(token) == digest
    assert token_hash(token + "x") != digest
    assert token_hash("abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
