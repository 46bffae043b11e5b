"""Server half of Cognito's SRP-6a variant (core spec §9), user and device.

Everything here is pure computation over the RFC 3526 3072-bit group: no I/O, no storage. The
caller keeps the per-user credential ``(salt, v)`` (§9.2), the per-attempt server state
``(b, B, A)`` between ``InitiateAuth`` and ``RespondToAuthChallenge`` (§9.3), and maps a ``False``
from :func:`verify_claim` to ``NotAuthorizedException`` ``Incorrect username or password.`` (§9.4).

Notation follows §9: ``H`` = SHA-256, ``pad_hex`` = the sign-safe hex encoding every Cognito client
uses before hashing an integer, ``realm``/``identity`` = pool name and ``USER_ID_FOR_SRP`` for
users, ``DeviceGroupKey`` and ``DeviceKey`` for devices (§9.5). Re-implemented from the spec; no
client library code is copied.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import re
import secrets
from datetime import UTC, datetime
from typing import Final

from userpool.crypto import bigint

__all__ = [
    "N_HEX",
    "G",
    "K",
    "N",
    "check_password",
    "claim_signature",
    "compute_u",
    "compute_x",
    "derive_key",
    "device_verifier",
    "device_verifier_config",
    "format_timestamp",
    "hex_to_bytes",
    "new_salt",
    "pad_hex",
    "parse_device_verifier_config",
    "parse_srp_a",
    "parse_timestamp",
    "password_verifier",
    "pool_name_of",
    "server_challenge",
    "verify_claim",
]

# --- §9.1 group and constants -------------------------------------------------------------------

#: RFC 3526 group 15 (3072-bit MODP) prime, as written in the RFC (768 hex digits).
N_HEX: Final[str] = (
    "FFFFFFFFFFFFFFFFC90FDAA22168C234C4C6628B80DC1CD1"
    "29024E088A67CC74020BBEA63B139B22514A08798E3404DD"
    "EF9519B3CD3A431B302B0A6DF25F14374FE1356D6D51C245"
    "E485B576625E7EC6F44C42E9A637ED6B0BFF5CB6F406B7ED"
    "EE386BFB5A899FA5AE9F24117C4B1FE649286651ECE45B3D"
    "C2007CB8A163BF0598DA48361C55D39A69163FA8FD24CF5F"
    "83655D23DCA3AD961C62F356208552BB9ED529077096966D"
    "670C354E4ABC9804F1746C08CA18217C32905E462E36CE3B"
    "E39E772C180E86039B2783A2EC07A28FB5C55DF06F4C52C9"
    "DE2BCBF6955817183995497CEA956AE515D2261898FA0510"
    "15728E5A8AAAC42DAD33170D04507A33A85521ABDF1CBA64"
    "ECFB850458DBEF0A8AEA71575D060C7DB3970F85A6E1E4C7"
    "ABF5AE8CDB0933D71E8C94E04A25619DCEE3D2261AD2EE6B"
    "F12FFA06D98A0864D87602733EC86A64521F2B18177B200C"
    "BBE117577A615D6C770988C0BAD946E208E24FA074E5AB31"
    "43DB5BFCE0FD108E4B82D120A93AD2CAFFFFFFFFFFFFFFFF"
)

#: The group modulus N (§9.1).
N: Final[int] = int(N_HEX, 16)

#: The generator g = 2 (§9.1).
G: Final[int] = 2

_N_LEN: Final[int] = (N.bit_length() + 7) // 8  # 384 bytes

#: Longest ``SRP_A`` accepted, in hex digits: a genuine A is below N (768 digits); leave room for
#: leading zeros but refuse megabyte-sized integers. [INF]
_MAX_A_HEX: Final[int] = 1024

_HEX_RE: Final = re.compile(r"[0-9a-fA-F]+")
_INFO: Final[bytes] = b"Caldera Derived Key\x01"  # HKDF info ‖ counter 0x01 (§9.4 step 4)


def pad_hex(n: int) -> str:
    """Sign-safe hex of a non-negative integer (§9 notation ``padHex``).

    Lowercase hex without leading zeros, then one ``0`` prepended if the length is odd, or ``00``
    prepended if the first digit is ``8``-``f`` — so the bytes read as a positive big-endian
    two's-complement integer. ``pad_hex(2) == "02"``, ``pad_hex(0x80) == "0080"``.
    """
    if n < 0:
        raise ValueError("pad_hex needs a non-negative integer")
    digits = format(n, "x")
    if len(digits) % 2 == 1:
        return "0" + digits
    if digits[0] in "89abcdef":
        return "00" + digits
    return digits


def hex_to_bytes(hex_str: str) -> bytes:
    """Hex string to bytes (§9 notation ``bytes(s)``); an odd-length string gets a leading ``0``.

    Raises ``ValueError`` for non-hex input.
    """
    if len(hex_str) % 2 == 1:
        hex_str = "0" + hex_str
    return bytes.fromhex(hex_str)


def _hash_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _hash_int(data: bytes) -> int:
    return int.from_bytes(hashlib.sha256(data).digest(), "big")


#: ``g^e mod N`` for the 256-bit exponents of §9.2-§9.5 (x = SHA-256, b = 256 random bits), from
#: a precomputed table: the hot part of every password check (`bigint.FixedBase`).
_G_POW: Final = bigint.FixedBase(G, N, bits=256)

#: The SRP-6a multiplier k = H(padHex(N) ‖ padHex(g)) (§9.1; value pinned in §0.3).
K: Final[int] = _hash_int(hex_to_bytes(pad_hex(N) + pad_hex(G)))


def pool_name_of(pool_id: str) -> str:
    """The SRP "pool name": the part of a user-pool id after the first ``_`` (§2).

    ``pool_name_of("us-east-1_iWcTPhZBA") == "iWcTPhZBA"``; ``ValueError`` without a ``_``.
    """
    _, sep, name = pool_id.partition("_")
    if not sep:
        raise ValueError("a user-pool id has the form <region>_<id>")
    return name


# --- §9.2 stored credential ---------------------------------------------------------------------


def new_salt(entropy: bytes | None = None) -> str:
    """A fresh SRP salt: 16 random bytes as 32 lowercase hex digits (§9.2).

    The first byte is drawn from 0x10-0x7f so that every client's re-encoding (``padHex`` of the
    parsed integer, or of the string) equals the string sent — §9.2 [INF]. ``entropy`` (tests
    only) supplies the 16 bytes verbatim and must already satisfy that rule (``ValueError``).
    """
    if entropy is None:
        first = 0x10 + secrets.randbelow(0x70)
        return bytes([first]).hex() + secrets.token_bytes(15).hex()
    if len(entropy) != 16 or not 0x10 <= entropy[0] <= 0x7F:
        raise ValueError("salt entropy must be 16 bytes whose first byte is 0x10-0x7f")
    return entropy.hex()


def compute_x(realm: str, identity: str, password: str, salt_hex: str) -> int:
    """SRP private value x (§9.2 for users, §9.5 for devices).

    ``x = H( bytes(padHex(int(salt))) ‖ bytes(H_hex(realm ‖ identity ‖ ":" ‖ password)) )`` with
    the inner hash over UTF-8. ``realm``/``identity`` are the pool name and ``USER_ID_FOR_SRP`` for
    users, ``DeviceGroupKey`` and ``DeviceKey`` for devices. The salt is parsed as an integer (as
    amazon-cognito-identity-js does), so ``"0a…"`` and ``"a…"`` are the same salt.

    Raises ``ValueError`` for a non-hex salt and ``UnicodeEncodeError`` (a ``ValueError``) for
    strings with lone surrogates.
    """
    if not _HEX_RE.fullmatch(salt_hex):
        raise ValueError("salt must be a non-empty hex string")
    inner = _hash_hex(f"{realm}{identity}:{password}".encode())
    return _hash_int(hex_to_bytes(pad_hex(int(salt_hex, 16))) + bytes.fromhex(inner))


def password_verifier(pool_name: str, user_id: str, password: str, salt_hex: str) -> int:
    """The stored SRP verifier ``v = g^x mod N`` of a user's password (§9.2).

    ``pool_name`` is the pool id after ``_`` (:func:`pool_name_of`); ``user_id`` the internal
    username returned as ``USER_ID_FOR_SRP``.
    """
    return _G_POW.pow(compute_x(pool_name, user_id, password, salt_hex))


def check_password(pool_name: str, user_id: str, password: str, salt_hex: str, verifier: int) -> bool:
    """Whether ``password`` matches the stored ``(salt, verifier)`` (§9.2, for ``USER_PASSWORD_AUTH``).

    Recomputes ``g^x mod N`` and compares the fixed-length encodings in constant time. A stored
    verifier outside ``[0, N)`` never matches.
    """
    if not 0 <= verifier < N:
        return False
    candidate = password_verifier(pool_name, user_id, password, salt_hex)
    return hmac.compare_digest(candidate.to_bytes(_N_LEN, "big"), verifier.to_bytes(_N_LEN, "big"))


# --- §9.5 device credential ---------------------------------------------------------------------


def device_verifier(device_group_key: str, device_key: str, device_password: str, salt_hex: str) -> int:
    """Device verifier ``v_d = g^x_d mod N`` (§9.5) — what a client computes before ``ConfirmDevice``.

    The server never sees the device password; this is for tests and simulated clients.
    """
    return _G_POW.pow(compute_x(device_group_key, device_key, device_password, salt_hex))


def device_verifier_config(
    device_group_key: str, device_key: str, device_password: str, salt_hex: str
) -> dict[str, str]:
    """Client side of ``ConfirmDevice.DeviceSecretVerifierConfig`` (§9.5), for tests.

    ``{"PasswordVerifier": Base64(bytes(padHex(v_d))), "Salt": Base64(bytes(padHex(salt)))}``.
    """
    v_d = device_verifier(device_group_key, device_key, device_password, salt_hex)
    salt = int(salt_hex, 16)
    return {
        "PasswordVerifier": base64.b64encode(hex_to_bytes(pad_hex(v_d))).decode("ascii"),
        "Salt": base64.b64encode(hex_to_bytes(pad_hex(salt))).decode("ascii"),
    }


def parse_device_verifier_config(password_verifier_b64: str, salt_b64: str) -> tuple[str, int] | None:
    """Decode ``DeviceSecretVerifierConfig`` from ``ConfirmDevice`` into ``(salt_hex, v_d)`` (§9.5).

    ``salt_hex`` is the lowercase hex of the decoded salt bytes, exactly what the
    ``DEVICE_PASSWORD_VERIFIER`` challenge sends back as ``SALT``. Returns ``None`` when either
    value is not standard Base64, the salt is empty, or the verifier is not in ``[1, N)`` (no
    genuine client can produce that) [INF].
    """
    try:
        verifier_raw = base64.b64decode(password_verifier_b64, validate=True)
        salt_raw = base64.b64decode(salt_b64, validate=True)
    except (binascii.Error, ValueError):
        return None
    verifier = int.from_bytes(verifier_raw, "big")
    if not salt_raw or not 0 < verifier < N:
        return None
    return salt_raw.hex(), verifier


# --- §9.3 / §9.4 the exchange -------------------------------------------------------------------


def parse_srp_a(a_hex: str) -> int | None:
    """Parse the client's ``SRP_A`` (§9.3); ``None`` if it is not plain hex or ``A mod N == 0``.

    Plain hex means ``[0-9a-fA-F]+`` (no sign, ``0x`` or whitespace) of at most 1024 digits [INF].
    The caller answers ``None`` with ``NotAuthorizedException`` ``Incorrect username or password.``
    """
    if len(a_hex) > _MAX_A_HEX or not _HEX_RE.fullmatch(a_hex):
        return None
    a = int(a_hex, 16)
    if a % N == 0:
        return None
    return a


def server_challenge(verifier: int, b: int | None = None) -> tuple[int, int]:
    """Server ephemeral for ``PASSWORD_VERIFIER`` / ``DEVICE_PASSWORD_VERIFIER`` (§9.3).

    Returns ``(b, B)`` with ``b`` a fresh 256-bit secret and ``B = (k·v + g^b) mod N``, redrawing
    ``b`` if ``B mod N == 0``. Send ``SRP_B`` as ``format(B, "x")`` (unpadded lowercase hex, as
    real Cognito does). ``b`` may be given (tests); then a degenerate ``B`` raises ``ValueError``.
    ``u == 0`` depends on A and is rejected by :func:`verify_claim` instead (probability 2^-256).
    """
    if not 0 < verifier < N:
        raise ValueError("verifier must be in [1, N)")
    kv = K * verifier % N
    if b is not None:
        big_b = (kv + _G_POW.pow(b)) % N
        if big_b == 0:
            raise ValueError("degenerate server ephemeral: B mod N == 0")
        return b, big_b
    while True:
        b = secrets.randbits(256)
        if b == 0:
            continue
        big_b = (kv + _G_POW.pow(b)) % N
        if big_b != 0:
            return b, big_b


def compute_u(A: int, B: int) -> int:
    """Scrambling parameter ``u = H(bytes(padHex(A)) ‖ bytes(padHex(B)))`` (§9.4 step 2)."""
    return _hash_int(hex_to_bytes(pad_hex(A)) + hex_to_bytes(pad_hex(B)))


def derive_key(u: int, S: int) -> bytes:
    """Cognito's one-block HKDF-SHA256 (§9.4 step 4): the 16-byte key K.

    ``PRK = HMAC(key=bytes(padHex(u)), msg=bytes(padHex(S)))``;
    ``K = HMAC(PRK, "Caldera Derived Key" ‖ 0x01)[0:16]``.
    """
    prk = hmac.new(hex_to_bytes(pad_hex(u)), hex_to_bytes(pad_hex(S)), hashlib.sha256).digest()
    return hmac.new(prk, _INFO, hashlib.sha256).digest()[:16]


def claim_signature(key: bytes, realm: str, identity: str, secret_block: bytes, timestamp: str) -> str:
    """``PASSWORD_CLAIM_SIGNATURE`` for a derived key (§9.4 step 5, §9.5).

    ``Base64(HMAC-SHA256(K, UTF-8(realm) ‖ UTF-8(identity) ‖ secret_block ‖ UTF-8(timestamp)))``
    — standard Base64, 44 characters.
    """
    message = realm.encode() + identity.encode() + secret_block + timestamp.encode()
    return base64.b64encode(hmac.new(key, message, hashlib.sha256).digest()).decode("ascii")


def verify_claim(
    pool_name_or_group: str,
    user_id: str,
    verifier: int,
    a_hex: str,
    b: int,
    B: int,
    secret_block_b64: str,
    timestamp: str,
    signature_b64: str,
) -> bool:
    """Check a ``PASSWORD_CLAIM_SIGNATURE`` (§9.4 steps 2-5; devices §9.5).

    ``pool_name_or_group``/``user_id`` are the pool name and ``USER_ID_FOR_SRP`` (user SRP) or the
    ``DeviceGroupKey`` and ``DeviceKey`` (device SRP); ``verifier`` the stored v; ``a_hex`` the
    ``SRP_A`` of step 1; ``(b, B)`` from :func:`server_challenge`; ``secret_block_b64`` the
    ``PASSWORD_CLAIM_SECRET_BLOCK`` and ``timestamp`` the ``TIMESTAMP`` exactly as received (the
    signature covers the string as sent; freshness is the caller's business, see
    :func:`parse_timestamp`).

    Never raises for client input: returns ``False`` when A is malformed or ``A mod N == 0``,
    ``u == 0``, the secret block is not standard Base64, or the signature differs (compared in
    constant time). Every ``False`` maps to ``Incorrect username or password.``
    """
    a = parse_srp_a(a_hex)
    if a is None or not 0 < verifier < N:
        return False
    u = compute_u(a, B)
    if u == 0:
        return False
    try:
        secret_block = base64.b64decode(secret_block_b64, validate=True)
    except (binascii.Error, ValueError):
        return False
    s = bigint.powmod(a * bigint.powmod(verifier, u, N) % N, b, N)
    try:
        expected = claim_signature(derive_key(u, s), pool_name_or_group, user_id, secret_block, timestamp)
        presented = signature_b64.encode()
    except UnicodeEncodeError:
        return False
    return hmac.compare_digest(expected.encode("ascii"), presented)


# --- §9.4 step 6-7 TIMESTAMP --------------------------------------------------------------------

_DAYS: Final = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_MONTHS: Final = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
_TIMESTAMP_RE: Final = re.compile(
    r"(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun) "
    r"(Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) "
    r"([0-9]{1,2}) ([0-9]{2}):([0-9]{2}):([0-9]{2}) UTC ([0-9]{4})"
)


def format_timestamp(dt: datetime) -> str:
    """``TIMESTAMP`` text ``EEE MMM d HH:mm:ss 'UTC' yyyy`` (§9.4 step 6).

    English names whatever the locale, day of month not zero-padded, time zero-padded:
    ``Sat Mar 5 08:00:00 UTC 2022``. Aware datetimes are converted to UTC; naive ones are taken
    to be UTC already.
    """
    if dt.tzinfo is not None:
        dt = dt.astimezone(UTC)
    return (
        f"{_DAYS[dt.weekday()]} {_MONTHS[dt.month - 1]} {dt.day} "
        f"{dt.hour:02d}:{dt.minute:02d}:{dt.second:02d} UTC {dt.year:04d}"
    )


def parse_timestamp(s: str) -> datetime | None:
    """Parse a client ``TIMESTAMP`` (§9.4 step 7) to an aware UTC datetime, or ``None``.

    Accepts what a Java ``EEE MMM d HH:mm:ss 'UTC' yyyy`` parser accepts from real clients: the
    day with or without a leading zero; the weekday name must be valid but is not checked against
    the date [INF]. Impossible dates or times (``Feb 30``, ``25:00:00``) give ``None``.
    """
    m = _TIMESTAMP_RE.fullmatch(s)
    if m is None:
        return None
    month, day, hour, minute, second, year = m.groups()
    try:
        return datetime(
            int(year),
            _MONTHS.index(month) + 1,
            int(day),
            int(hour),
            int(minute),
            int(second),
            tzinfo=UTC,
        )
    except ValueError:
        return None
