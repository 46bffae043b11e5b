"""Password policy: the checks, their messages and order, and temporary passwords.

Core spec §5 (policy, symbol set, messages) and §6.5 (generated temporary password).
"""

from __future__ import annotations

import random
import secrets
import string
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from userpool.api.errors import CognitoError

__all__ = [
    "DEFAULT_TEMPORARY_PASSWORD_VALIDITY_DAYS",
    "SYMBOLS",
    "PasswordPolicy",
    "check_password",
    "generate_temporary_password",
]

#: core spec §5.1 [DOC DG-PW]: the policy symbols. The space also counts as a symbol (see
#: `_is_symbol`) but is never generated (it may not lead or trail a password).
SYMBOLS = "^$*.[]{}()?\"!@#%&/\\,><':;|_~`=+-"
_SYMBOL_SET = frozenset(SYMBOLS + " ")

#: core spec §5.1 [DOC BM]: `TemporaryPasswordValidityDays` default; `0` means "default".
DEFAULT_TEMPORARY_PASSWORD_VALIDITY_DAYS = 7

# core spec §5.2 [OBS]: one violation per response, checked in this order.
_PREFIX = "Password did not conform with policy: "
_TOO_SHORT = _PREFIX + "Password not long enough"
_NO_LOWER = _PREFIX + "Password must have lowercase characters"
_NO_UPPER = _PREFIX + "Password must have uppercase characters"
_NO_DIGIT = _PREFIX + "Password must have numeric characters"
_NO_SYMBOL = _PREFIX + "Password must have symbol characters"

# core spec §6.5 [INF]: generated temporary passwords are at least this long.
_TEMPORARY_MIN_LENGTH = 12


@dataclass(frozen=True)
class PasswordPolicy:
    """A pool's `Policies.PasswordPolicy` (core spec §5.1 [DOC BM PasswordPolicyType]).

    Defaults are those of an API-created pool (all four character classes required, CLI-EX).
    """

    minimum_length: int = 8
    require_uppercase: bool = True
    require_lowercase: bool = True
    require_numbers: bool = True
    require_symbols: bool = True
    password_history_size: int = 0
    temporary_password_validity_days: int = DEFAULT_TEMPORARY_PASSWORD_VALIDITY_DAYS

    @classmethod
    def from_config(cls, cfg: Mapping[str, Any] | None) -> PasswordPolicy:
        """Read botocore's `PasswordPolicyType` members; absent members keep the defaults [INF].

        `TemporaryPasswordValidityDays: 0` means the default, 7 (core spec §5.1 [DOC BM]).
        """
        if not cfg:
            return cls()
        d = cls()
        days = int(cfg.get("TemporaryPasswordValidityDays") or d.temporary_password_validity_days)
        return cls(
            minimum_length=int(cfg.get("MinimumLength", d.minimum_length)),
            require_uppercase=bool(cfg.get("RequireUppercase", d.require_uppercase)),
            require_lowercase=bool(cfg.get("RequireLowercase", d.require_lowercase)),
            require_numbers=bool(cfg.get("RequireNumbers", d.require_numbers)),
            require_symbols=bool(cfg.get("RequireSymbols", d.require_symbols)),
            password_history_size=int(cfg.get("PasswordHistorySize", d.password_history_size)),
            temporary_password_validity_days=days,
        )

    def to_config(self) -> dict[str, Any]:
        """The policy as botocore's `PasswordPolicyType` (for DescribeUserPool)."""
        return {
            "MinimumLength": self.minimum_length,
            "RequireUppercase": self.require_uppercase,
            "RequireLowercase": self.require_lowercase,
            "RequireNumbers": self.require_numbers,
            "RequireSymbols": self.require_symbols,
            "PasswordHistorySize": self.password_history_size,
            "TemporaryPasswordValidityDays": self.temporary_password_validity_days,
        }


def _is_lower(c: str) -> bool:
    # core spec §5.1 [DOC DG-PW]: basic Latin `a-z` only.
    return "a" <= c <= "z"


def _is_upper(c: str) -> bool:
    # core spec §5.1 [DOC DG-PW]: basic Latin `A-Z` only.
    return "A" <= c <= "Z"


def _is_digit(c: str) -> bool:
    return "0" <= c <= "9"


def _is_symbol(c: str) -> bool:
    # core spec §5.1 [DOC DG-PW]: the listed symbols, plus the space.
    return c in _SYMBOL_SET


def check_password(policy: PasswordPolicy, password: str) -> None:
    """Raise `InvalidPasswordException` for the first violated rule (core spec §5.2 [OBS]).

    Order: length, lowercase, uppercase, digit, symbol (beyond "length first" [INF], Q5).
    Password history is checked by the caller (it needs stored hashes).
    """
    checks: tuple[tuple[bool, str], ...] = (
        (len(password) < policy.minimum_length, _TOO_SHORT),
        (policy.require_lowercase and not any(map(_is_lower, password)), _NO_LOWER),
        (policy.require_uppercase and not any(map(_is_upper, password)), _NO_UPPER),
        (policy.require_numbers and not any(map(_is_digit, password)), _NO_DIGIT),
        (policy.require_symbols and not any(map(_is_symbol, password)), _NO_SYMBOL),
    )
    for failed, message in checks:
        if failed:
            raise CognitoError("InvalidPasswordException", message)


def generate_temporary_password(policy: PasswordPolicy, rng: random.Random | None = None) -> str:
    """A temporary password for AdminCreateUser without `TemporaryPassword` (core spec §6.5).

    Length `max(MinimumLength, 12)` [INF]; one character of each required class, the rest
    from letters, digits and all policy symbols (including `< > & . ,`, which real invitation
    e-mails carry [OBS]); shuffled. The result always passes `check_password`.
    """
    r: random.Random = rng if rng is not None else secrets.SystemRandom()
    required = [
        alphabet
        for needed, alphabet in (
            (policy.require_lowercase, string.ascii_lowercase),
            (policy.require_uppercase, string.ascii_uppercase),
            (policy.require_numbers, string.digits),
            (policy.require_symbols, SYMBOLS),
        )
        if needed
    ]
    full = string.ascii_letters + string.digits + SYMBOLS
    length = max(policy.minimum_length, _TEMPORARY_MIN_LENGTH, len(required))
    chars = [r.choice(alphabet) for alphabet in required]
    chars += [r.choice(full) for _ in range(length - len(chars))]
    r.shuffle(chars)
    return "".join(chars)
