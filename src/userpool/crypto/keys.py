"""RSA signing keys, ``kid`` and JWKS entries for a pool's tokens (core spec §2, §4.1, §4.2).

Each pool has two RSA-2048 keys (ID tokens and access tokens), stored as unencrypted PKCS#8 PEM.
The ``kid`` is the standard, padded Base64 of SHA-256 over the DER SubjectPublicKeyInfo — the
rule measured against a real pool's JWKS (§0.3).
"""

from __future__ import annotations

import base64
import functools
import hashlib
import os
import threading
from collections.abc import Iterable

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

__all__ = [
    "jwk_for",
    "jwks_for",
    "kid_for",
    "load_private",
    "new_rsa_private_pem",
    "public_key_for",
    "take_private_pem",
    "verifier_for",
]

_PUBLIC_EXPONENT = 65537
_KEY_BITS = 2048


def _b64url_uint(n: int) -> str:
    raw = n.to_bytes(max(1, (n.bit_length() + 7) // 8), "big")
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


def new_rsa_private_pem() -> bytes:
    """A new RSA-2048 private key (e = 65537) as unencrypted PKCS#8 PEM (§4.1)."""
    key = rsa.generate_private_key(public_exponent=_PUBLIC_EXPONENT, key_size=_KEY_BITS)
    return key.private_bytes(
        encoding=serialization.Encoding.PEM,
        format=serialization.PrivateFormat.PKCS8,
        encryption_algorithm=serialization.NoEncryption(),
    )


class KeyReserve:
    """New keys made ahead of need, in a thread of their own, so that CreateUserPool does not wait
    for its two: making one took 30-60 ms of CPU (bench/startup.py), which `cryptography` spends
    without holding the interpreter lock, so the event loop goes on serving meanwhile.

    Nothing is made before the first key is taken, so a server that creates no pool makes none;
    after each take the thread fills the reserve back up to `size` and ends. Each key is handed
    out once. A forked child starts empty: keys made before a fork would be in both processes."""

    def __init__(self, size: int) -> None:
        self.size = size
        self._ready: list[bytes] = []
        self._lock = threading.Lock()
        self._filling = False
        os.register_at_fork(after_in_child=self._forget)

    def take(self) -> bytes:
        """A key made ahead if one is ready, else one made now; either way the reserve refills."""
        with self._lock:
            pem = self._ready.pop() if self._ready else None
            if not self._filling:
                self._filling = True
                threading.Thread(target=self._fill, name="userpool-keys", daemon=True).start()
        return pem if pem is not None else new_rsa_private_pem()

    def ready(self) -> int:
        with self._lock:
            return len(self._ready)

    def _fill(self) -> None:
        while True:
            with self._lock:
                if len(self._ready) >= self.size:
                    self._filling = False
                    return
            pem = new_rsa_private_pem()
            with self._lock:
                self._ready.append(pem)

    def _forget(self) -> None:
        self._ready = []
        self._lock = threading.Lock()
        self._filling = False


#: Two pools' keys: a test suite making a pool per test finds them ready.
_RESERVE = KeyReserve(size=4)


def take_private_pem() -> bytes:
    """A new RSA-2048 private key as :func:`new_rsa_private_pem` makes it, made ahead of the call
    when it can be (see `KeyReserve`); never handed out twice."""
    return _RESERVE.take()


@functools.lru_cache(maxsize=512)
def load_private(pem: bytes) -> rsa.RSAPrivateKey:
    """Load an unencrypted PEM private key of a pool's, cached by the PEM bytes.

    Raises ``ValueError`` for unparseable PEM and ``TypeError`` if the key is not RSA.

    The key is not checked for consistency (``unsafe_skip_rsa_key_validation``): every key this
    is given was made by :func:`new_rsa_private_pem` and kept in userpool's own database, and the
    check (primality of the factors, among others) took 28 ms a key, so a pool's first sign-in in
    each server process took 59 ms instead of 3 (bench/startup.py). A key spoilt in storage still
    leaks nothing: OpenSSL checks each signature it computes by the factors against the public
    key and computes it again without them on a mismatch.
    """
    key = serialization.load_pem_private_key(pem, password=None, unsafe_skip_rsa_key_validation=True)
    if not isinstance(key, rsa.RSAPrivateKey):
        raise TypeError("expected an RSA private key")
    return key


def public_key_for(private_pem: bytes) -> rsa.RSAPublicKey:
    """The public half of a stored private key (uses the :func:`load_private` cache)."""
    return load_private(private_pem).public_key()


def kid_for(public_key: rsa.RSAPublicKey) -> str:
    """JWT ``kid``: standard Base64 (``=``-padded, 44 chars) of SHA-256 over DER SPKI (§2, §0.3)."""
    spki = public_key.public_bytes(
        encoding=serialization.Encoding.DER,
        format=serialization.PublicFormat.SubjectPublicKeyInfo,
    )
    return base64.b64encode(hashlib.sha256(spki).digest()).decode("ascii")


@functools.lru_cache(maxsize=512)
def verifier_for(private_pem: bytes) -> tuple[rsa.RSAPublicKey, str]:
    """The public half of a stored private key and its ``kid``, cached by the PEM bytes: checking
    an access token needs both on every call, and the ``kid`` costs a DER encoding and a hash."""
    public_key = load_private(private_pem).public_key()
    return public_key, kid_for(public_key)


def jwk_for(public_key: rsa.RSAPublicKey) -> dict[str, str]:
    """The JWKS entry of a key, members in the observed order alg, e, kid, kty, n, use (§4.2).

    ``{"alg":"RS256","e":"AQAB","kid":…,"kty":"RSA","n":<base64url, no padding>,"use":"sig"}``.
    """
    numbers = public_key.public_numbers()
    return {
        "alg": "RS256",
        "e": _b64url_uint(numbers.e),
        "kid": kid_for(public_key),
        "kty": "RSA",
        "n": _b64url_uint(numbers.n),
        "use": "sig",
    }


def jwks_for(public_keys: Iterable[rsa.RSAPublicKey]) -> dict[str, list[dict[str, str]]]:
    """The ``/.well-known/jwks.json`` document ``{"keys": [...]}`` for the given keys (§4.2)."""
    return {"keys": [jwk_for(k) for k in public_keys]}
