"""Where a password-reset code goes: the `AccountRecoverySetting` walk of MFA spec §3.3.

Used by ForgotPassword and AdminResetUserPassword (core spec §6.7, §7.3).
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from typing import Any, Literal

__all__ = ["ADMIN_ONLY", "recovery_destination"]

ADMIN_ONLY: Literal["admin_only"] = "admin_only"

# MFA spec §3.3 step 2: mechanism -> (attribute, its verified flag, the MFA factor that disqualifies it).
_MECHANISMS = {
    "verified_phone_number": ("phone_number", "phone_number_verified", "SMS_MFA"),
    "verified_email": ("email", "email_verified", "EMAIL_OTP"),
}
# MFA spec §3.3 step 1 [DOC BM]: without AccountRecoverySetting, verified phone before verified email.
_LEGACY_ORDER = ("verified_phone_number", "verified_email")


def _usable(attributes: Mapping[str, str], attribute: str, flag: str) -> bool:
    return bool(attributes.get(attribute)) and attributes.get(flag) == "true"


def _ordered(recovery_setting: Mapping[str, Any] | None) -> list[str] | None:
    if not recovery_setting:
        return None
    mechanisms = recovery_setting.get("RecoveryMechanisms") or []
    ranked = sorted(mechanisms, key=lambda m: int(m.get("Priority") or 0))
    return [str(m.get("Name")) for m in ranked]


def recovery_destination(
    recovery_setting: Mapping[str, Any] | None,
    attributes: Mapping[str, str],
    mfa_enabled: Collection[str],
) -> str | None:
    """The attribute (`"email"` / `"phone_number"`) a reset code is sent to, `ADMIN_ONLY` when the
    first applicable mechanism is `admin_only`, or None when nothing qualifies.

    MFA spec §3.3 [DOC BM]: without a setting, verified phone is preferred over verified email
    (MFA plays no part); with one, mechanisms are walked by `Priority`, and a verified phone
    (email) qualifies only while the user does not have SMS (email) MFA activated. `mfa_enabled`
    is the user's explicitly enabled factors (`SMS_MFA`, `EMAIL_OTP`, ...).
    """
    walk = _ordered(recovery_setting)
    if walk is None:
        for name in _LEGACY_ORDER:
            attribute, flag, _factor = _MECHANISMS[name]
            if _usable(attributes, attribute, flag):
                return attribute
        return None
    for name in walk:
        if name == ADMIN_ONLY:
            return ADMIN_ONLY
        if name not in _MECHANISMS:
            continue
        attribute, flag, factor = _MECHANISMS[name]
        if _usable(attributes, attribute, flag) and factor not in mfa_enabled:
            return attribute
    return None
