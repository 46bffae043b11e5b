"""A user's MFA settings: the stored record, (Admin)SetUserMFAPreference (MFA spec §4.1, §4.2),
what (Admin)GetUser reports (§4.5), the pool-OFF transition (§2.5) and SELECT_MFA_TYPE answers.

The user's `mfa` JSON record uses the MFA spec §1 field names:
`mfa_enabled` (list), `mfa_disabled` (list, explicit `Enabled: false`), `preferred`, `legacy_sms`,
`mfa_preference_ever_set`, `webauthn_mfa_enabled`, and `totp` = {`secret`, `verified`,
`pending_secret`, ...} (owned by the TOTP operations; only read here).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from userpool.domain.mfa.factors import explicit_factors, implicit_factors
from userpool.domain.mfa.messages import fail
from userpool.domain.mfa.model import EMAIL, ORDER, SMS, TOTP, Factor, PoolMfa, UserFactors, ordered
from userpool.domain.mfa.switches import DEFAULT_SWITCHES, Switches

__all__ = [
    "SETTINGS_BLOCKS",
    "apply_mfa_preference",
    "check_mfa_preference",
    "factors_record",
    "mfa_report",
    "pool_off_clears_users",
    "select_answer",
    "user_after_pool_off",
    "user_factors",
]

SETTINGS_BLOCKS: dict[Factor, str] = {
    SMS: "SMSMfaSettings",
    TOTP: "SoftwareTokenMfaSettings",
    EMAIL: "EmailMfaSettings",
}
"""Each factor's (Admin)SetUserMFAPreference block, in list order."""
SMS_MFA_OPTION = {"DeliveryMedium": "SMS", "AttributeName": "phone_number"}


_NO_FACTORS: frozenset[Factor] = frozenset()


def _factors(values: Any) -> frozenset[Factor]:
    if not values:  # most users: no list stored (every user of a ListUsers page is read here)
        return _NO_FACTORS
    return frozenset(f for f in ORDER if f in values)


def user_factors(attributes: Mapping[str, str], record: Mapping[str, Any]) -> UserFactors:
    """The decision's view of a user: their attributes plus the stored `mfa` record."""
    totp = record.get("totp") or {}
    preferred = record.get("preferred")
    return UserFactors(
        email=attributes.get("email") or None,
        email_verified=attributes.get("email_verified") == "true",
        phone_number=attributes.get("phone_number") or None,
        phone_number_verified=attributes.get("phone_number_verified") == "true",
        enabled=_factors(record.get("mfa_enabled")),
        disabled=_factors(record.get("mfa_disabled")),
        preferred=next((f for f in ORDER if f == preferred), None),
        legacy_sms=bool(record.get("legacy_sms")),
        totp_verified=bool(totp.get("verified") and totp.get("secret")),
        totp_pending=bool(totp.get("pending_secret")),
        preference_set=bool(record.get("mfa_preference_ever_set")),
        webauthn_mfa=bool(record.get("webauthn_mfa_enabled")),
    )


def factors_record(record: Mapping[str, Any], user: UserFactors) -> dict[str, Any]:
    """`record` with the preference fields of `user` written back (TOTP fields untouched)."""
    return {
        **record,
        "mfa_enabled": list(ordered(user.enabled)),
        "mfa_disabled": list(ordered(user.disabled)),
        "preferred": user.preferred,
        "legacy_sms": user.legacy_sms,
        "mfa_preference_ever_set": user.preference_set,
        "webauthn_mfa_enabled": user.webauthn_mfa,
    }


def _blocks(request: Mapping[str, Any]) -> list[tuple[Factor, Mapping[str, Any]]]:
    return [(factor, request[key]) for factor, key in SETTINGS_BLOCKS.items() if request.get(key) is not None]


def _turns_on(block: Mapping[str, Any]) -> bool:
    return block.get("Enabled") is True or block.get("PreferredMfa") is True


def check_mfa_preference(pool: PoolMfa, user: UserFactors, request: Mapping[str, Any]) -> None:
    """Raise the InvalidParameterException (Admin)SetUserMFAPreference answers (MFA spec §4.1 rules
    3-4, §4.2); `request` holds the *MfaSettings blocks as sent. Blocks that turn a factor off are
    accepted even when the factor is unusable [INF, §4.2 note]."""
    blocks = _blocks(request)
    if sum(1 for _, block in blocks if block.get("PreferredMfa") is True) > 1:  # §4.1 rule 3 [DOC-ish]
        raise fail("P-two-preferred")
    for _, block in blocks:  # §4.1 rule 4 [INF]
        if block.get("PreferredMfa") is True and block.get("Enabled") is False:
            raise fail("P-preferred-disabled")
    for factor, block in blocks:
        _check_block(pool, user, factor, block)
    _check_webauthn(pool, apply_mfa_preference(user, request), request.get("WebAuthnMfaSettings"))


def _check_block(pool: PoolMfa, user: UserFactors, factor: Factor, block: Mapping[str, Any]) -> None:
    """§4.2, one factor block."""
    if factor == EMAIL and pool.tier == "LITE":  # [DOC BM EmailMfaSettings: Essentials+] tier gate
        raise fail("P-email-tier")
    if not _turns_on(block):
        return
    if factor == SMS and not user.phone_number:  # [INF text; OBS 2018 wording GH-amplify-js-618]
        raise fail("P-sms")
    if factor == TOTP and not user.totp_verified:  # [OBS GH-amplify-js-7016; GH-aws-sdk-js-v3-4645]
        raise fail("P-totp-unverified" if user.totp_pending else "P-totp")
    if factor == EMAIL and not pool.email:  # [INF mechanism]
        raise fail("P-email-pool")
    if factor == EMAIL and not user.email:  # [INF]
        raise fail("P-email")


def _check_webauthn(pool: PoolMfa, after: UserFactors, block: Mapping[str, Any] | None) -> None:
    """WebAuthnMfaSettings.Enabled needs MULTI_FACTOR_WITH_USER_VERIFICATION and another activated
    MFA method [DOC BM WebAuthnMfaSettingsType; INF texts]."""
    if block is None or block.get("Enabled") is not True:
        return
    if not pool.webauthn_multi_factor:
        raise fail("P-webauthn-pool")
    if not (explicit_factors(after) | implicit_factors(pool, after)):
        raise fail("P-webauthn-alone")


def apply_mfa_preference(user: UserFactors, request: Mapping[str, Any]) -> UserFactors:
    """The user after a (validated) SetUserMFAPreference (MFA spec §4.1 semantics): an omitted block
    changes nothing; Enabled adds/removes; PreferredMfa true prefers (and enables); disabling or
    un-preferring the preferred factor clears the preference."""
    enabled, disabled, preferred = set(user.enabled), set(user.disabled), user.preferred
    for factor, block in _blocks(request):
        if _turns_on(block):
            enabled.add(factor)
            disabled.discard(factor)
        if block.get("Enabled") is False:
            enabled.discard(factor)
            disabled.add(factor)
        if block.get("PreferredMfa") is True:
            preferred = factor
        elif factor == preferred and False in (block.get("Enabled"), block.get("PreferredMfa")):
            preferred = None
    webauthn = (request.get("WebAuthnMfaSettings") or {}).get("Enabled", user.webauthn_mfa)
    return replace(
        user,
        enabled=frozenset(enabled),
        disabled=frozenset(disabled),
        preferred=preferred,
        preference_set=True,
        webauthn_mfa=bool(webauthn),
    )


def mfa_report(pool: PoolMfa, user: UserFactors, switches: Switches = DEFAULT_SWITCHES) -> dict[str, Any]:
    """The keys (Admin)GetUser includes (MFA spec §4.5); an absent key means "omit it".
    ListUsers' UserType takes only `MFAOptions` [OBS GH-aws-sdk-176]."""
    if pool.mode == "OFF" and switches.pool_off_user_settings == "hide":  # §2.5, Q5
        return {}
    out: dict[str, Any] = {}
    if _reports_sms_option(pool, user):
        out["MFAOptions"] = [dict(SMS_MFA_OPTION)]
    if user.preference_set and user.enabled:  # absent before the first preference call [OBS]
        out["UserMFASettingList"] = list(ordered(user.enabled))
    if user.preference_set and user.preferred is not None:
        out["PreferredMfaSetting"] = user.preferred
    return out


def _reports_sms_option(pool: PoolMfa, user: UserFactors) -> bool:
    """MFAOptions SMS iff legacy SMS, SMS enabled, or the ON pool's implicit SMS not explicitly
    disabled [OBS GH-amplify-js-1875/1343/11258; INF exact condition]."""
    if user.legacy_sms or SMS in user.enabled:
        return True
    return pool.mode == "ON" and pool.sms and bool(user.phone_number) and SMS not in user.disabled


def pool_off_clears_users(old_mode: str, new_mode: str, switches: Switches = DEFAULT_SWITCHES) -> bool:
    """Whether turning pool MFA from `old_mode` to `new_mode` clears every user's settings (§2.5)."""
    return switches.pool_off_user_settings == "clear" and old_mode != "OFF" and new_mode == "OFF"


def user_after_pool_off(user: UserFactors) -> UserFactors:
    """MFA spec §2.5 [OBS SEED; INF]: enabled, preferred and legacy SMS go; TOTP and passkeys stay."""
    return replace(user, enabled=frozenset(), disabled=frozenset(), preferred=None, legacy_sms=False)


def select_answer(answer: str, can_choose: tuple[Factor, ...]) -> Factor:
    """The factor a SELECT_MFA_TYPE `ANSWER` picks. `EMAIL_MFA` is an alias of `EMAIL_OTP` (BM doc
    wording, §6.2 [INF]); a type not offered -> MFAMethodNotFoundException (§5.3 [INF])."""
    picked = EMAIL if answer == "EMAIL_MFA" else answer
    for factor in can_choose:
        if factor == picked:
            return factor
    raise fail("S-answer")
