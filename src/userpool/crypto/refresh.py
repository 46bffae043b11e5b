"""Opaque refresh tokens with the outer shape of Cognito's (core spec §4.6).

Real refresh tokens are JWE compact serialisations (RSA-OAEP + A256GCM) that only Cognito can
decrypt. The emulator issues random strings of the same shape — protected header exactly
``{"cty":"JWT","enc":"A256GCM","alg":"RSA-OAEP"}``, a 342-character encrypted key, a 16-character
IV, a ciphertext and a 22-character tag, all base64url — and finds them again by
:func:`token_hash` of the whole string; nothing is encoded inside. All characters stay within the
model's ``TokenModelType`` pattern ``[A-Za-z0-9-_=.]+``.
"""

from __future__ import annotations

import base64
import hashlib
import secrets
from typing import Final

__all__ = ["HEADER_B64", "new_refresh_token", "token_hash"]

#: base64url (no padding) of ``{"cty":"JWT","enc":"A256GCM","alg":"RSA-OAEP"}`` (§4.6).
HEADER_B64: Final[str] = (
    base64.urlsafe_b64encode(b'{"cty":"JWT","enc":"A256GCM","alg":"RSA-OAEP"}').rstrip(b"=").decode("ascii")
)

_ENCRYPTED_KEY_BYTES: Final = 256  # RSA-2048 OAEP output -> 342 chars
_IV_BYTES: Final = 12  # GCM nonce -> 16 chars
_TAG_BYTES: Final = 16  # GCM tag -> 22 chars
#: Ciphertext size of a real 2022 us-east-1 refresh token (1,292 chars; whole token 1,738) [OBS].
#: Kept realistic so cookie/storage size limits in clients behave as they do against AWS.
_CIPHERTEXT_BYTES: Final = 969


def _random_part(nbytes: int) -> str:
    return base64.urlsafe_b64encode(secrets.token_bytes(nbytes)).rstrip(b"=").decode("ascii")


def new_refresh_token() -> str:
    """A fresh, unguessable refresh token shaped like Cognito's JWE (§4.6).

    Five ``.``-separated base64url parts: :data:`HEADER_B64`, 342 + 16 + 1,292 + 22 characters of
    randomness (about 1,250 random bytes).
    """
    return ".".join(
        (
            HEADER_B64,
            _random_part(_ENCRYPTED_KEY_BYTES),
            _random_part(_IV_BYTES),
            _random_part(_CIPHERTEXT_BYTES),
            _random_part(_TAG_BYTES),
        )
    )


def token_hash(token: str) -> str:
    """Storage lookup key of a refresh token: SHA-256 hex of its UTF-8 text (§4.6)."""
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()
