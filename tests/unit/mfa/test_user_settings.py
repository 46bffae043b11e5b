"""User MFA settings: SetUserMFAPreference validation and semantics (MFA spec §4.1-§4.2), the
GetUser key-presence table (§4.5), the pool-OFF transition (§2.5), SELECT_MFA_TYPE answers."""

from __future__ import annotations

from typing import Any

import pytest

from tests.unit.mfa.builders import MAIL, PHONE, pool, user
from userpool.api.errors import CognitoError
from userpool.domain.mfa import (
    EMAIL,
    SMS,
    TOTP,
    PoolMfa,
    Switches,
    UserFactors,
    apply_mfa_preference,
    check_mfa_preference,
    factors_record,
    mfa_report,
    pool_off_clears_users,
    select_answer,
    user_after_pool_off,
    user_factors,
)

ON = pool("ON", "sms totp email")
SMS_OPTION = [{"DeliveryMedium": "SMS", "AttributeName": "phone_number"}]


def after(u: UserFactors, request: dict[str, Any], p: PoolMfa = ON) -> UserFactors:
    """The user after a SetUserMFAPreference call that passes validation."""
    check_mfa_preference(p, u, request)
    return apply_mfa_preference(u, request)


def refused(p: PoolMfa, u: UserFactors, request: dict[str, Any]) -> str | None:
    with pytest.raises(CognitoError) as err:
        check_mfa_preference(p, u, request)
    assert err.value.code == "InvalidParameterException"
    return err.value.message


# --------------------------------------------------------------------------- §4.5 state table


def test_report_new_user_with_phone_no_preference_call() -> None:
    assert mfa_report(ON, user(phone=True)) == {"MFAOptions": SMS_OPTION}


def test_report_new_user_email_only_no_preference_call() -> None:
    assert mfa_report(ON, user(email=True)) == {}


def test_report_after_sms_enabled() -> None:
    u = after(user(phone=True), {"SMSMfaSettings": {"Enabled": True}})
    assert mfa_report(ON, u) == {"MFAOptions": SMS_OPTION, "UserMFASettingList": ["SMS_MFA"]}


def test_report_after_totp_enabled_and_preferred() -> None:
    u = after(
        user(phone=True, totp=True), {"SoftwareTokenMfaSettings": {"Enabled": True, "PreferredMfa": True}}
    )
    assert mfa_report(ON, u) == {
        "MFAOptions": SMS_OPTION,
        "UserMFASettingList": ["SOFTWARE_TOKEN_MFA"],
        "PreferredMfaSetting": "SOFTWARE_TOKEN_MFA",
    }


def test_report_after_email_enabled_and_preferred_lists_in_order() -> None:
    u = after(
        user(phone=True, email=True, totp=True), {"EmailMfaSettings": {"Enabled": True, "PreferredMfa": True}}
    )
    u = after(u, {"SMSMfaSettings": {"Enabled": True}, "SoftwareTokenMfaSettings": {"Enabled": True}})
    assert mfa_report(ON, u) == {
        "MFAOptions": SMS_OPTION,
        "UserMFASettingList": ["SMS_MFA", "SOFTWARE_TOKEN_MFA", "EMAIL_OTP"],
        "PreferredMfaSetting": "EMAIL_OTP",
    }


def test_report_pool_switched_off_clears_everything() -> None:
    u = after(
        user(phone=True, totp=True), {"SoftwareTokenMfaSettings": {"Enabled": True, "PreferredMfa": True}}
    )
    assert pool_off_clears_users("ON", "OFF")
    cleared = user_after_pool_off(u)
    assert mfa_report(pool("OFF", ""), cleared) == {}
    assert cleared.totp_verified  # §2.5: the TOTP token stays


def test_report_hide_switch_keeps_settings_but_reports_nothing_while_off() -> None:
    hide = Switches(pool_off_user_settings="hide")
    u = after(user(phone=True), {"SMSMfaSettings": {"Enabled": True}})
    assert not pool_off_clears_users("ON", "OFF", hide)
    assert mfa_report(pool("OFF", ""), u, hide) == {}
    assert mfa_report(ON, u, hide)["UserMFASettingList"] == ["SMS_MFA"]


def test_report_legacy_sms_is_mfa_options_only() -> None:
    assert mfa_report(pool("OPTIONAL", "sms"), user(phone=True, legacy_sms=True)) == {
        "MFAOptions": SMS_OPTION
    }


def test_report_explicitly_disabled_sms_drops_mfa_options() -> None:
    u = after(user(phone=True), {"SMSMfaSettings": {"Enabled": False}})
    assert mfa_report(ON, u) == {}


def test_report_optional_pool_has_no_implicit_sms() -> None:
    assert mfa_report(pool("OPTIONAL"), user(phone=True)) == {}


def test_report_keys_absent_before_first_preference_call() -> None:
    """[OBS GH-aws-sdk-java-v2-4869]: no UserMFASettingList until a preference call."""
    u = UserFactors(phone_number=PHONE, enabled=frozenset({SMS}), preferred=SMS, preference_set=False)
    assert mfa_report(ON, u) == {"MFAOptions": SMS_OPTION}


# --------------------------------------------------------------------------- §4.2 enable-time checks

ENABLE_ERRORS = {
    "sms-without-phone": (
        ON,
        user(email=True),
        {"SMSMfaSettings": {"Enabled": True}},
        "User does not have delivery config set to turn on SMS_MFA",
    ),
    "totp-never-associated": (
        ON,
        user(phone=True),
        {"SoftwareTokenMfaSettings": {"Enabled": True}},
        "User does not have delivery config set to turn on SOFTWARE_TOKEN_MFA",
    ),
    "totp-associated-not-verified": (
        ON,
        UserFactors(totp_pending=True),
        {"SoftwareTokenMfaSettings": {"PreferredMfa": True}},
        "User has not verified software token mfa",
    ),
    "email-without-email": (
        ON,
        user(phone=True),
        {"EmailMfaSettings": {"Enabled": True}},
        "User does not have delivery config set to turn on EMAIL_OTP",
    ),
    "email-pool-without-email-factor": (
        pool("ON", "sms"),
        user(email=True),
        {"EmailMfaSettings": {"Enabled": True}},
        "Email MFA is not enabled for this user pool.",
    ),
    "email-block-on-lite": (
        PoolMfa(mode="ON", email=True, tier="LITE"),
        user(email=True),
        {"EmailMfaSettings": {"Enabled": False}},
        "Email MFA is not available in the LITE feature plan.",
    ),
    "two-preferred": (
        ON,
        user(phone=True, totp=True),
        {"SMSMfaSettings": {"PreferredMfa": True}, "SoftwareTokenMfaSettings": {"PreferredMfa": True}},
        "Only one MFA method can be set as preferred.",
    ),
    "two-preferred-checked-before-delivery": (
        ON,
        user(),
        {"SMSMfaSettings": {"PreferredMfa": True}, "EmailMfaSettings": {"PreferredMfa": True}},
        "Only one MFA method can be set as preferred.",
    ),
    "preferred-but-disabled": (
        ON,
        user(phone=True),
        {"SMSMfaSettings": {"Enabled": False, "PreferredMfa": True}},
        "A preferred MFA method must be enabled.",
    ),
    "webauthn-without-multi-factor": (
        ON,
        user(phone=True),
        {"WebAuthnMfaSettings": {"Enabled": True}},
        "WebAuthn MFA requires the user pool's WebAuthn factor configuration "
        "MULTI_FACTOR_WITH_USER_VERIFICATION.",
    ),
    "webauthn-without-another-method": (
        PoolMfa(mode="OPTIONAL", totp=True, webauthn_multi_factor=True),
        user(),
        {"WebAuthnMfaSettings": {"Enabled": True}},
        "WebAuthn MFA requires another MFA method to be enabled.",
    ),
}


@pytest.mark.parametrize(("p", "u", "request_", "message"), ENABLE_ERRORS.values(), ids=ENABLE_ERRORS.keys())
def test_enable_time_errors(p: PoolMfa, u: UserFactors, request_: dict[str, Any], message: str) -> None:
    assert refused(p, u, request_) == message


def test_turning_off_an_unusable_factor_is_accepted() -> None:
    """§4.2 note [INF]: current clients may send Enabled:false for factors the user cannot use."""
    request = {"SMSMfaSettings": {"Enabled": False}, "SoftwareTokenMfaSettings": {"Enabled": False}}
    assert after(user(), request).enabled == frozenset()


def test_webauthn_mfa_with_another_method_is_accepted() -> None:
    p = PoolMfa(mode="OPTIONAL", totp=True, webauthn_multi_factor=True)
    u = after(
        user(totp=True),
        {"SoftwareTokenMfaSettings": {"Enabled": True}, "WebAuthnMfaSettings": {"Enabled": True}},
        p,
    )
    assert u.webauthn_mfa and u.enabled == {TOTP}


def test_sms_enable_does_not_need_a_verified_phone() -> None:
    """§4.2 [DOC DG-SMSEMAIL]: unverified numbers are fine."""
    u = after(
        UserFactors(phone_number=PHONE, phone_number_verified=False), {"SMSMfaSettings": {"Enabled": True}}
    )
    assert u.enabled == {SMS}


# --------------------------------------------------------------------------- §4.1 semantics


def test_preference_semantics() -> None:
    u = user(phone=True, email=True, totp=True)
    u = after(u, {"SMSMfaSettings": {"Enabled": True, "PreferredMfa": True}})
    assert (u.enabled, u.preferred, u.preference_set) == (frozenset({SMS}), SMS, True)
    u = after(u, {"SoftwareTokenMfaSettings": {"PreferredMfa": True}})  # preferred implies enabled
    assert (u.enabled, u.preferred) == (frozenset({SMS, TOTP}), TOTP)
    u = after(u, {"EmailMfaSettings": {"Enabled": True}})  # an omitted block changes nothing
    assert (u.enabled, u.preferred) == (frozenset({SMS, TOTP, EMAIL}), TOTP)
    u = after(u, {"SoftwareTokenMfaSettings": {"PreferredMfa": False}})  # un-prefer clears
    assert (u.enabled, u.preferred) == (frozenset({SMS, TOTP, EMAIL}), None)
    u = after(u, {"SMSMfaSettings": {"PreferredMfa": True}})
    u = after(u, {"SMSMfaSettings": {"Enabled": False}})  # disabling the preferred clears it
    assert (u.enabled, u.preferred, u.disabled) == (frozenset({TOTP, EMAIL}), None, frozenset({SMS}))


# --------------------------------------------------------------------------- record, answers


def test_user_factors_from_attributes_and_record_round_trip() -> None:
    attributes = {"sub": "s", "email": MAIL, "email_verified": "true", "phone_number": PHONE}
    record = {
        "mfa_enabled": ["EMAIL_OTP", "SMS_MFA", "bogus"],
        "preferred": "EMAIL_OTP",
        "legacy_sms": True,
        "mfa_preference_ever_set": True,
        "totp": {"secret": "ABC", "verified": True, "pending_secret": "DEF"},
    }
    u = user_factors(attributes, record)
    assert u == UserFactors(
        email=MAIL,
        email_verified=True,
        phone_number=PHONE,
        enabled=frozenset({SMS, EMAIL}),
        preferred=EMAIL,
        legacy_sms=True,
        totp_verified=True,
        totp_pending=True,
        preference_set=True,
    )
    stored = factors_record(record, u)
    assert stored["mfa_enabled"] == ["SMS_MFA", "EMAIL_OTP"]
    assert stored["totp"] == record["totp"]
    assert user_factors(attributes, stored) == u


def test_unverified_totp_secret_is_not_a_factor() -> None:
    u = user_factors({}, {"totp": {"pending_secret": "ABC", "verified": False}})
    assert (u.totp_verified, u.totp_pending) == (False, True)


def test_select_answer() -> None:
    assert select_answer("SMS_MFA", (SMS, TOTP)) == SMS
    assert select_answer("EMAIL_MFA", (SMS, EMAIL)) == EMAIL
    with pytest.raises(CognitoError) as err:
        select_answer("EMAIL_OTP", (SMS, TOTP))
    assert err.value.code == "MFAMethodNotFoundException"


def test_pool_off_clears_only_on_the_transition() -> None:
    assert not pool_off_clears_users("OFF", "OFF")
    assert not pool_off_clears_users("ON", "OPTIONAL")
    assert pool_off_clears_users("OPTIONAL", "OFF")
