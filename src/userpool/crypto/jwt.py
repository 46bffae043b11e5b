"""Compact RS256 JWS for Cognito ID and access tokens (core spec §4.1-§4.4).

The header is exactly ``{"kid":"<kid>","alg":"RS256"}`` (``kid`` first, no ``typ``) as on real
Cognito; the payload is compact JSON with the claims in the order given (§4.3/§4.4 list the
observed orders), plain ``/`` (real tokens escape it; parsers don't care, §4.1) and UTF-8 for
non-ASCII text. Claim content and checks (``exp``, ``iss``, ``token_use``…) belong to the caller.
"""

from __future__ import annotations

import base64
import binascii
import functools
import json
import re
from collections.abc import Mapping
from typing import Any, Final

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from userpool.crypto.keys import load_private, verifier_for

__all__ = ["decode_unverified", "sign", "verify_signature"]

_B64URL_RE: Final = re.compile(r"[A-Za-z0-9_-]*")


def _b64url(data: bytes) -> bytes:
    return base64.urlsafe_b64encode(data).rstrip(b"=")


def _b64url_decode(part: str) -> bytes | None:
    if len(part) % 4 == 1 or not _B64URL_RE.fullmatch(part):
        return None
    try:
        return base64.urlsafe_b64decode(part + "=" * (-len(part) % 4))
    except (binascii.Error, ValueError):
        return None


@functools.lru_cache(maxsize=512)
def _signer(private_pem: bytes) -> tuple[rsa.RSAPrivateKey, bytes]:
    """The loaded key and the encoded ``<header>.`` prefix for it, computed once per key."""
    key = load_private(private_pem)
    header = json.dumps({"kid": verifier_for(private_pem)[1], "alg": "RS256"}, separators=(",", ":"))
    return key, _b64url(header.encode("ascii")) + b"."


def sign(claims: Mapping[str, Any], private_pem: bytes) -> str:
    """Sign ``claims`` with RS256 (PKCS#1 v1.5, SHA-256) into a compact JWS (§4.1).

    ``private_pem`` is a PEM from :func:`userpool.crypto.keys.new_rsa_private_pem`; the parsed key
    and the encoded header are cached per PEM. Raises ``TypeError``/``ValueError`` for claims that
    are not JSON-serialisable (including NaN/infinity).
    """
    key, prefix = _signer(private_pem)
    payload = json.dumps(dict(claims), separators=(",", ":"), ensure_ascii=False, allow_nan=False)
    signing_input = prefix + _b64url(payload.encode())
    signature = key.sign(signing_input, padding.PKCS1v15(), hashes.SHA256())
    return (signing_input + b"." + _b64url(signature)).decode("ascii")


def _split(token: str) -> tuple[dict[str, Any], dict[str, Any], bytes, bytes] | None:
    parts = token.split(".")
    if len(parts) != 3 or not parts[0] or not parts[1]:
        return None
    decoded = [_b64url_decode(p) for p in parts]
    header_raw, payload_raw, signature = decoded
    if header_raw is None or payload_raw is None or signature is None:
        return None
    try:
        header = json.loads(header_raw)
        payload = json.loads(payload_raw)
    except ValueError:  # JSONDecodeError and UnicodeDecodeError
        return None
    if not isinstance(header, dict) or not isinstance(payload, dict):
        return None
    return header, payload, signature, f"{parts[0]}.{parts[1]}".encode("ascii")


def decode_unverified(token: str) -> tuple[dict[str, Any], dict[str, Any]] | None:
    """``(header, payload)`` of a compact JWS **without** checking the signature.

    ``None`` unless the token is three base64url parts (no padding) whose first two decode to
    JSON objects. Use only to route (``kid``, ``iss``) before :func:`verify_signature`.
    """
    split = _split(token)
    if split is None:
        return None
    return split[0], split[1]


def verify_signature(token: str, public_key: rsa.RSAPublicKey) -> bool:
    """Whether ``token`` is a well-formed compact JWS with header ``alg`` RS256 signed by this key.

    Signature only: expiry, issuer, audience and ``kid`` matching are the caller's checks (§4.9).
    """
    split = _split(token)
    if split is None or split[0].get("alg") != "RS256":
        return False
    _, _, signature, signing_input = split
    try:
        public_key.verify(signature, signing_input, padding.PKCS1v15(), hashes.SHA256())
    except InvalidSignature:
        return False
    return True
