"""Usernames: username-attribute and alias rules, e-mail/phone shapes, lookup keys.

Core spec §6.2 (rules and messages) and §6.3 (e-mail and E.164 formats).
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from userpool.api.errors import CognitoError

__all__ = ["check_new_username", "looks_like_email", "looks_like_phone", "username_key"]

# core spec §6.3 [INF]: a non-empty local part and a dotted domain, no whitespace, one `@`.
_EMAIL = re.compile(r"[^@\s]+@[^@\s.]+(?:\.[^@\s.]+)+")
# core spec §6.3 [DOC]: E.164, `+` then ASCII digits only (`+14325551212`); at most 15 digits.
_PHONE = re.compile(r"\+[0-9]{1,15}")

# core spec §6.2 messages (InvalidParameterException).
_SHOULD_BE_EMAIL = "Username should be an email."  # [OBS GH-amplify-ui-6678]
_SHOULD_BE_PHONE = "Username should be a phone number."  # [INF]
_SHOULD_BE_EITHER = "Username should be either an email or a phone number."  # [OBS]
_EMAIL_ALIAS = "Username cannot be of email format, since user pool is configured for email alias."  # [OBS]
_PHONE_ALIAS = (  # [INF] phone analogue
    "Username cannot be of phone number format, since user pool is configured for phone_number alias."
)


def looks_like_email(value: str) -> bool:
    """Whether `value` has e-mail shape (core spec §6.2/§6.3 [INF])."""
    return _EMAIL.fullmatch(value) is not None


def looks_like_phone(value: str) -> bool:
    """Whether `value` is an E.164 number: `+` and 1–15 ASCII digits (core spec §6.3)."""
    return _PHONE.fullmatch(value) is not None


def _invalid(message: str) -> CognitoError:
    return CognitoError("InvalidParameterException", message)


def check_new_username(
    username: str,
    *,
    username_attributes: Sequence[str] | None,
    alias_attributes: Sequence[str] | None,
) -> str | None:
    """Check a new `Username` (SignUp, AdminCreateUser) against the pool's sign-in options.

    Username-attribute pools (core spec §6.2 [DOC DG-ATTR]): the username must be an e-mail
    and/or E.164 phone as configured; returns the attribute (`"email"` or `"phone_number"`)
    it is copied into (the stored username becomes the sub). Alias pools: the username must
    not look like an enabled e-mail/phone alias. Returns `None` when nothing is copied.
    """
    if username_attributes:
        allow_email = "email" in username_attributes
        allow_phone = "phone_number" in username_attributes
        if allow_email and looks_like_email(username):
            return "email"
        if allow_phone and looks_like_phone(username):
            return "phone_number"
        if allow_email and allow_phone:
            raise _invalid(_SHOULD_BE_EITHER)
        raise _invalid(_SHOULD_BE_EMAIL if allow_email else _SHOULD_BE_PHONE)
    aliases = alias_attributes or ()
    if "email" in aliases and looks_like_email(username):
        raise _invalid(_EMAIL_ALIAS)
    if "phone_number" in aliases and looks_like_phone(username):
        raise _invalid(_PHONE_ALIAS)
    return None


def username_key(username: str, case_sensitive: bool) -> str:
    """The lookup/uniqueness key of a username, alias e-mail or `preferred_username`.

    `UsernameConfiguration.CaseSensitive: false` → match case-insensitively (lower-cased key);
    the stored value keeps its case (core spec §6.2 [DOC BM; INF Q6]).
    """
    return username if case_sensitive else username.lower()
