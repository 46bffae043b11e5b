"""Refresh tokens with the outer shape of Cognito's, sealing what they stand for (core spec §4.6).

Real refresh tokens are JWE compact serialisations (RSA-OAEP + A256GCM) that only Cognito can
decrypt. The emulator's have the same five base64url parts: the protected header exactly
``{"cty":"JWT","enc":"A256GCM","alg":"RSA-OAEP"}``, a 342-character encrypted-key part, a
16-character IV, the ciphertext and a 22-character tag. The ciphertext is the token's record (its
origin: user, client, times, device) as JSON, encrypted with AES-256-GCM under a key of the
server's (`store/secrets.py`); the encrypted-key part is random, since the key is the server's
own rather than wrapped for a recipient, and is authenticated with the header as additional data,
so that no character of a token can change and leave it working. So a
sign-in stores nothing, and only this server can read or forge a token. The record is padded to
the ciphertext size of a real token, so clients' cookie and storage limits behave as against AWS.
All characters stay within the model's ``TokenModelType`` pattern ``[A-Za-z0-9-_=.]+``.
"""

from __future__ import annotations

import base64
import binascii
import json
import secrets
from collections.abc import Mapping
from typing import Any, Final

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

__all__ = ["HEADER_B64", "seal", "unseal"]

#: base64url (no padding) of ``{"cty":"JWT","enc":"A256GCM","alg":"RSA-OAEP"}`` (§4.6).
HEADER_B64: Final[str] = (
    base64.urlsafe_b64encode(b'{"cty":"JWT","enc":"A256GCM","alg":"RSA-OAEP"}').rstrip(b"=").decode("ascii")
)

_ENCRYPTED_KEY_BYTES: Final = 256  # RSA-2048 OAEP output -> 342 chars
_IV_BYTES: Final = 12  # GCM nonce -> 16 chars
_TAG_BYTES: Final = 16  # GCM tag -> 22 chars
#: Ciphertext size of a real 2022 us-east-1 refresh token (1,292 chars; whole token 1,738) [OBS].
_CIPHERTEXT_BYTES: Final = 969


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(part: str) -> bytes | None:
    """The bytes of a part in its one canonical base64url form (no other spelling decodes)."""
    try:
        data = base64.urlsafe_b64decode(part + "=" * (-len(part) % 4))
    except (binascii.Error, ValueError):
        return None
    return data if _b64(data) == part else None


def seal(key: bytes, record: Mapping[str, Any]) -> str:
    """A refresh token carrying ``record`` (JSON values), readable only with ``key``."""
    plain = json.dumps(dict(record), separators=(",", ":")).encode()
    plain = plain.ljust(_CIPHERTEXT_BYTES)  # JSON ignores the trailing spaces
    random = secrets.token_bytes(_ENCRYPTED_KEY_BYTES + _IV_BYTES)
    head = f"{HEADER_B64}.{_b64(random[:_ENCRYPTED_KEY_BYTES])}"
    iv = random[_ENCRYPTED_KEY_BYTES:]
    sealed = AESGCM(key).encrypt(iv, plain, head.encode("ascii"))
    ciphertext, tag = sealed[:-_TAG_BYTES], sealed[-_TAG_BYTES:]
    return ".".join((head, _b64(iv), _b64(ciphertext), _b64(tag)))


def unseal(key: bytes, token: str) -> dict[str, Any] | None:
    """The record of a token that ``seal`` made with ``key``; None for anything else (another
    key, a changed character, a token of another shape)."""
    parts = token.split(".")
    if len(parts) != 5 or parts[0] != HEADER_B64 or not parts[1].isascii():
        return None
    iv, ciphertext, tag = (_unb64(part) for part in parts[2:])
    if iv is None or ciphertext is None or tag is None or len(iv) != _IV_BYTES or len(tag) != _TAG_BYTES:
        return None
    try:
        plain = AESGCM(key).decrypt(iv, ciphertext + tag, f"{parts[0]}.{parts[1]}".encode("ascii"))
    except InvalidTag:
        return None
    record = json.loads(plain)
    return record if isinstance(record, dict) else None
