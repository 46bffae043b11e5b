"""Identifier generators (core spec §2).

Every generator takes an optional `rng` so tests can be deterministic; without one the
`secrets` module (the OS CSPRNG) is used. No generator keeps state.
"""

from __future__ import annotations

import os
import random
import secrets
import string
import uuid
from typing import Literal

__all__ = [
    "ALNUM",
    "BASE32HEX",
    "new_client_id",
    "new_client_secret",
    "new_code",
    "new_device_group_key",
    "new_device_key",
    "new_pool_id",
    "new_sub",
    "new_uuid",
]

#: `[0-9A-Za-z]`, the alphabet of pool-id suffixes and device group keys (core spec §2 [OBS]).
ALNUM = string.digits + string.ascii_uppercase + string.ascii_lowercase
#: Lowercase base32hex `[0-9a-v]`, the alphabet of client ids and secrets (core spec §2 [OBS]).
BASE32HEX = string.digits + "abcdefghijklmnopqrstuv"


def _bits(k: int, rng: random.Random | None) -> int:
    return rng.getrandbits(k) if rng is not None else secrets.randbits(k)


def _choice(alphabet: str, rng: random.Random | None) -> str:
    return rng.choice(alphabet) if rng is not None else secrets.choice(alphabet)


def _alnum(n: int, rng: random.Random | None) -> str:
    return "".join(_choice(ALNUM, rng) for _ in range(n))


def _base32hex(value: int, width: int) -> str:
    """`value` as `width` base32hex digits, left-padded with `0`."""
    out: list[str] = []
    for _ in range(width):
        value, digit = divmod(value, 32)
        out.append(BASE32HEX[digit])
    return "".join(reversed(out))


def new_pool_id(region: str, rng: random.Random | None = None) -> str:
    """`<region>_` + 9 chars `[0-9A-Za-z]`; may start with a digit (core spec §2 [OBS])."""
    return f"{region}_{_alnum(9, rng)}"


def new_client_id(rng: random.Random | None = None) -> str:
    """26 lowercase base32hex chars, first char `2`–`7` (core spec §2 [OBS]; generator [INF]).

    128 random bits written as 26 digits (130 bits, so the first digit is 0–7), re-drawn
    until the first digit is ≥ `2`.
    """
    while True:
        out = _base32hex(_bits(128, rng), 26)
        if out[0] >= "2":
            return out


def new_client_secret(rng: random.Random | None = None) -> str:
    """52 lowercase base32hex chars, first char `1` (core spec §2 [OBS]).

    A 256-bit value with its top bit set: 52 digits hold 260 bits, so the first digit carries
    only bit 255 and is always `1`.
    """
    return _base32hex(_bits(255, rng) | (1 << 255), 52)


_VARIANT = "89ab"  # a UUID's variant nibble: its two top bits are 10


def _uuid4(rng: random.Random | None) -> str:
    """A UUID v4 in its 36 lowercase characters. From the OS's CSPRNG (as `uuid.uuid4` draws it)
    it is written here, without a `uuid.UUID`: 3 µs against 5-7 for `str(uuid.uuid4())`, paid by
    every user an import or AdminCreateUser makes and by every token."""
    if rng is not None:
        return str(uuid.UUID(int=rng.getrandbits(128), version=4))
    h = os.urandom(16).hex()
    # The version nibble is 4; the variant's two top bits are 10 (RFC 9562 §5.4).
    return f"{h[:8]}-{h[8:12]}-4{h[13:16]}-{_VARIANT[int(h[16], 16) & 3]}{h[17:20]}-{h[20:]}"


def new_sub(rng: random.Random | None = None, *, style: Literal["v4", "aws2024"] = "v4") -> str:
    """A user's `sub`: 36-char lowercase `8-4-4-4-12` hex (core spec §2 [OBS]).

    `style="v4"` (default): an RFC 4122 UUID v4. `style="aws2024"`: like newer AWS pools,
    version nibble `7` and a random variant nibble, so client-side UUID-v4 validators fail
    as they do on real new pools (core spec §2 emulator option `sub_style` [INF]).
    """
    value = _uuid4(rng)
    if style == "v4":
        return value
    variant = _choice("0123456789abcdef", rng)
    return f"{value[:14]}7{value[15:19]}{variant}{value[20:]}"


def new_uuid(rng: random.Random | None = None) -> str:
    """Lowercase UUID v4, for `jti`, `origin_jti`, `event_id` (core spec §2 [OBS])."""
    return _uuid4(rng)


# The last 8 hex digits of an `origin_jti` (of 36 characters) are the generation of the user's
# tokens it was issued under, modulo 2**32 (tokens/service.py): an access token then says by itself
# whether GlobalSignOut revoked it. The rest is a UUID v4's; clients never read into it.
_GENERATION_AT = 28
_GENERATIONS = 2**32


def new_origin_jti(generation: int, rng: random.Random | None = None) -> str:
    """An `origin_jti` (core spec §4.5) issued under the user's token `generation`."""
    return f"{_uuid4(rng)[:_GENERATION_AT]}{generation % _GENERATIONS:08x}"


def same_generation(origin_jti: str, generation: int) -> bool:
    """Whether the origin was issued under the user's token `generation` (see `new_origin_jti`)."""
    return len(origin_jti) == 36 and origin_jti[_GENERATION_AT:] == f"{generation % _GENERATIONS:08x}"


def new_device_key(region: str, rng: random.Random | None = None) -> str:
    """`<region>_<uuid>` (core spec §2 [DOC BM, CLI-EX])."""
    return f"{region}_{_uuid4(rng)}"


def new_device_group_key(rng: random.Random | None = None) -> str:
    """`-` followed by 8 chars `[0-9A-Za-z]`, e.g. `-wt2ha1Zd` (core spec §2 [DOC CLI-EX])."""
    return "-" + _alnum(8, rng)


def new_code(digits: int = 6, rng: random.Random | None = None) -> str:
    """`digits` decimal digits, leading zeros allowed (`039126`) (core spec §2, §6.8 [OBS])."""
    if digits < 1:
        raise ValueError("digits must be >= 1")
    value = rng.randrange(10**digits) if rng is not None else secrets.randbelow(10**digits)
    return str(value).zfill(digits)
