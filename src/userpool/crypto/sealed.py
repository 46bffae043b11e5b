"""Auth `Session` strings that carry their own record, sealed (MFA spec §6.4).

Real sessions are KMS-envelope blobs beginning `AYAB` (several hundred characters): Cognito keeps
a challenge's state in the string it hands out. A sealed session does the same: the record (pool,
client, user, challenge, times, data) as JSON, padded, encrypted with AES-256-GCM under a key
derived from the server's refresh-token key (`store/secrets.py`) for this use alone, so that only
this server can read or make one and no character of it can change and leave it working. The
string is `AYAB` and the base64url (no padding) of nonce and ciphertext: URL-safe, 400-odd
characters, well within the model's 2,048. Single use is the store's (`store/sessions.py`): a
used session leaves a row under the hash of its bytes.
"""

from __future__ import annotations

import base64
import binascii
import functools
import secrets
from collections.abc import Mapping
from typing import Any, Final

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from userpool import jsoncodec

PREFIX: Final = "AYAB"
_NONCE_BYTES: Final = 12
_TAG_BYTES: Final = 16
_PLAIN_BYTES: Final = 288  # records are padded to at least this: every string is 400+ characters
_AAD: Final = b"userpool auth session"


@functools.lru_cache(maxsize=8)
def _aead(server_key: bytes) -> AESGCM:
    """The session key: HKDF of the server's key, so no refresh token opens as a session."""
    derived = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=_AAD).derive(server_key)
    return AESGCM(derived)


def seal(server_key: bytes, record: Mapping[str, Any]) -> str:
    """A session string carrying `record` (JSON values)."""
    plain = jsoncodec.dumps(dict(record)).ljust(_PLAIN_BYTES)  # JSON ignores the trailing spaces
    nonce = secrets.token_bytes(_NONCE_BYTES)
    sealed = nonce + _aead(server_key).encrypt(nonce, plain, _AAD)
    return PREFIX + base64.urlsafe_b64encode(sealed).rstrip(b"=").decode("ascii")


def sealed_bytes(session: str) -> bytes | None:
    """The sealed bytes of a string in `seal`'s one canonical spelling; None for any other
    string (so no second spelling of a used session passes for a new one)."""
    if not session.startswith(PREFIX) or not session.isascii():
        return None
    body = session[len(PREFIX) :]
    try:
        data = base64.urlsafe_b64decode(body + "=" * (-len(body) % 4))
    except (binascii.Error, ValueError):
        return None
    if base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii") != body:
        return None
    return data if len(data) > _NONCE_BYTES + _TAG_BYTES else None


def unseal(server_key: bytes, data: bytes) -> dict[str, Any] | None:
    """The record `seal` put in these bytes (`sealed_bytes`); None for anything else (another
    key, a changed byte)."""
    try:
        plain = _aead(server_key).decrypt(data[:_NONCE_BYTES], data[_NONCE_BYTES:], _AAD)
    except InvalidTag:
        return None
    record = jsoncodec.loads(plain)
    return record if isinstance(record, dict) else None
