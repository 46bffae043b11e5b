"""SetUserPoolMfaConfig E1-E10 and Create/UpdateUserPool U1-U5 (MFA spec §2.2-§2.3), in order and
with the spec's messages; full-replace storage and `pool_mfa`."""

from __future__ import annotations

import re
from typing import Any

import pytest

from userpool.api.errors import CognitoError
from userpool.domain.mfa import (
    MESSAGES,
    PoolMfa,
    Switches,
    apply_pool_mfa_config,
    apply_pool_settings,
    pool_mfa,
    with_mfa_state,
)

SMS_CONFIG = {"SnsCallerArn": "arn:aws:iam::123456789012:role/sms", "ExternalId": "x"}
DEVELOPER = {"EmailSendingAccount": "DEVELOPER", "SourceArn": "arn:aws:ses:us-east-1:1:identity/example.com"}
SMS_BLOCK = {"SmsAuthenticationMessage": "Your code is {####}", "SmsConfiguration": SMS_CONFIG}
EMAIL_BLOCK = {"Message": "Your code is {####}", "Subject": "Code"}
TOTP_ON = {"Enabled": True}
MULTI = {"RelyingPartyId": "example.com", "FactorConfiguration": "MULTI_FACTOR_WITH_USER_VERIFICATION"}
WEB_AUTHN_FIRST = {"SignInPolicy": {"AllowedFirstAuthFactors": ["PASSWORD", "WEB_AUTHN"]}}


def config(**settings: Any) -> dict[str, Any]:
    """A pool config as ops/pools.py stores it: ESSENTIALS, Cognito's default email sender."""
    base: dict[str, Any] = {
        "MfaConfiguration": "OFF",
        "UserPoolTier": "ESSENTIALS",
        "EmailConfiguration": {"EmailSendingAccount": "COGNITO_DEFAULT"},
    }
    return {**base, **settings}


LITE_DEVELOPER = config(UserPoolTier="LITE", EmailConfiguration=DEVELOPER)


def first_factors(*names: str) -> dict[str, Any]:
    return {"SignInPolicy": {"AllowedFirstAuthFactors": list(names)}}


def recovery(*names: str) -> dict[str, Any]:
    return {"RecoveryMechanisms": [{"Name": n, "Priority": i} for i, n in enumerate(names, 1)]}


def expect(rule: str, err: pytest.ExceptionInfo[CognitoError]) -> None:
    assert (err.value.code, err.value.message) == MESSAGES[rule]


def req(mode: str | None = "ON", **blocks: Any) -> dict[str, Any]:
    """A SetUserPoolMfaConfig request: `mode` (None: omitted) plus the given blocks."""
    return {**({"MfaConfiguration": mode} if mode else {}), **blocks}


def refused(rule: str, current: dict[str, Any], request: dict[str, Any], **switches: Any) -> Any:
    return pytest.param(current, request, Switches(**switches), rule)


# Each row violates its rule and, where it matters, a later one too, to show the order of §2.3.
E_ROWS = {
    "E1-off-with-totp-disabled-block": refused(
        "E1", config(), req("OFF", SoftwareTokenMfaConfiguration={"Enabled": False})
    ),
    "E1-omitted-mode-is-off": refused("E1", config(), req(None, SmsMfaConfiguration=SMS_BLOCK)),
    "E1-before-E2": refused("E1", config(), req(None, EmailMfaConfiguration=EMAIL_BLOCK)),
    "E2-cognito-default-sender": refused("E2", config(), req(EmailMfaConfiguration=EMAIL_BLOCK)),
    "E2-no-email-configuration": refused(
        "E2", {"UserPoolTier": "ESSENTIALS"}, req("OPTIONAL", EmailMfaConfiguration=EMAIL_BLOCK)
    ),
    "E2-before-E2b": refused("E2", config(UserPoolTier="LITE"), req(EmailMfaConfiguration=EMAIL_BLOCK)),
    "E2b-lite-tier": refused("E2b", LITE_DEVELOPER, req(EmailMfaConfiguration=EMAIL_BLOCK)),
    "E2c-legacy-plans-no-advanced-security": refused(
        "E2c", LITE_DEVELOPER, req(EmailMfaConfiguration=EMAIL_BLOCK), legacy_plans=True
    ),
    "E3-on-without-factor": refused("E3", config(), req()),
    "E3-optional-totp-disabled": refused(
        "E3", config(), req("OPTIONAL", SoftwareTokenMfaConfiguration={"Enabled": False})
    ),
    "E3-before-E6": refused("E3", config(Policies=first_factors("PASSWORD", "EMAIL_OTP")), req()),
    "E4-sms-without-sms-configuration": refused(
        "E4", config(), req(SmsMfaConfiguration={"SmsAuthenticationMessage": "Code {####}"})
    ),
    "E6-on-with-otp-first-factor": refused(
        "E6",
        config(Policies=first_factors("PASSWORD", "SMS_OTP")),
        req(SoftwareTokenMfaConfiguration=TOTP_ON),
    ),
    "E7-on-web-authn-single-factor": refused(
        "E7", config(Policies=WEB_AUTHN_FIRST), req(SoftwareTokenMfaConfiguration=TOTP_ON)
    ),
    "E7-explicit-single-factor": refused(
        "E7",
        config(Policies=WEB_AUTHN_FIRST),
        req(
            SoftwareTokenMfaConfiguration=TOTP_ON,
            WebAuthnConfiguration={"FactorConfiguration": "SINGLE_FACTOR"},
        ),
    ),
    "E8-multi-factor-on-lite": refused(
        "E8",
        config(UserPoolTier="LITE"),
        req("OPTIONAL", SoftwareTokenMfaConfiguration=TOTP_ON, WebAuthnConfiguration=MULTI),
    ),
    "E9-email-only-recovery": refused(
        "E9",
        config(EmailConfiguration=DEVELOPER, AccountRecoverySetting=recovery("verified_email")),
        req(EmailMfaConfiguration=EMAIL_BLOCK),
    ),
}


@pytest.mark.parametrize(("current", "request_", "switches", "rule"), E_ROWS.values(), ids=E_ROWS.keys())
def test_set_user_pool_mfa_config_checks(
    current: dict[str, Any], request_: dict[str, Any], switches: Switches, rule: str
) -> None:
    with pytest.raises(CognitoError) as err:
        apply_pool_mfa_config(current, request_, switches)
    expect(rule, err)


def test_tier_errors_are_feature_unavailable() -> None:
    assert MESSAGES["E2b"][0] == MESSAGES["E8"][0] == "FeatureUnavailableInTierException"
    assert MESSAGES["E1"] == (
        "InvalidParameterException",
        "Invalid MFA configuration given, can't turn off MFA and configure an MFA together.",
    )
    assert MESSAGES["E3"][1] == (
        "Invalid MFA Configuration given. SMS MFA, Email MFA, or Software Token MFA must be enabled."
    )


def accepted(current: dict[str, Any], request: dict[str, Any], **switches: Any) -> Any:
    return pytest.param(current, request, Switches(**switches))


ACCEPTED = {
    "E2c-legacy-plans-with-advanced-security": accepted(
        {**LITE_DEVELOPER, "UserPoolAddOns": {"AdvancedSecurityMode": "ENFORCED"}},
        req(EmailMfaConfiguration=EMAIL_BLOCK),
        legacy_plans=True,
    ),
    "E4-pool-has-sms-configuration": accepted(
        config(SmsConfiguration=SMS_CONFIG), req(SmsMfaConfiguration={})
    ),
    "E6-optional-allows-otp-first-factor": accepted(
        config(Policies=first_factors("PASSWORD", "EMAIL_OTP")),
        req("OPTIONAL", SoftwareTokenMfaConfiguration=TOTP_ON),
    ),
    "E7-multi-factor-given": accepted(
        config(Policies=WEB_AUTHN_FIRST),
        req(SoftwareTokenMfaConfiguration=TOTP_ON, WebAuthnConfiguration=MULTI),
    ),
    "E7-multi-factor-stored": accepted(
        config(
            Policies=WEB_AUTHN_FIRST, MfaState={"MfaConfiguration": "OFF", "WebAuthnConfiguration": MULTI}
        ),
        req(SoftwareTokenMfaConfiguration=TOTP_ON),
    ),
    "E7-optional-single-factor": accepted(
        config(Policies=WEB_AUTHN_FIRST), req("OPTIONAL", SoftwareTokenMfaConfiguration=TOTP_ON)
    ),
    "E9-switch-off": accepted(
        config(EmailConfiguration=DEVELOPER, AccountRecoverySetting=recovery("verified_email")),
        req(EmailMfaConfiguration=EMAIL_BLOCK),
        email_only_recovery_check=False,
    ),
    "E9-two-recovery-paths": accepted(
        config(
            EmailConfiguration=DEVELOPER,
            AccountRecoverySetting=recovery("verified_email", "verified_phone_number"),
        ),
        req(EmailMfaConfiguration=EMAIL_BLOCK),
    ),
    "web-authn-may-accompany-off": accepted(config(), req("OFF", WebAuthnConfiguration=MULTI)),
}


@pytest.mark.parametrize(("current", "request_", "switches"), ACCEPTED.values(), ids=ACCEPTED.keys())
def test_set_user_pool_mfa_config_accepts(
    current: dict[str, Any], request_: dict[str, Any], switches: Switches
) -> None:
    state = apply_pool_mfa_config(current, request_, switches)
    assert state["MfaConfiguration"] == request_["MfaConfiguration"]


def test_e10_template_without_placeholder_uses_the_validation_sentence() -> None:
    request = {
        "MfaConfiguration": "ON",
        "SmsMfaConfiguration": {"SmsAuthenticationMessage": "no code", "SmsConfiguration": SMS_CONFIG},
    }
    with pytest.raises(CognitoError) as err:
        apply_pool_mfa_config(config(), request)
    assert err.value.code == "InvalidParameterException"
    assert err.value.message == (
        "1 validation error detected: Value 'no code' at 'smsMfaConfiguration.smsAuthenticationMessage' "
        "failed to satisfy constraint: Member must satisfy regular expression pattern: .*\\{####\\}.*"
    )


def test_e10_reports_every_failed_constraint() -> None:
    request = {"MfaConfiguration": "ON", "EmailMfaConfiguration": {"Message": "abc"}}
    with pytest.raises(CognitoError) as err:
        apply_pool_mfa_config(config(EmailConfiguration=DEVELOPER), request)
    assert re.match(
        r"^2 validation errors detected: Value 'abc' at 'emailMfaConfiguration.message' ",
        str(err.value.message),
    )
    assert str(err.value.message).endswith("Member must have length greater than or equal to 6")


def test_full_replace_bare_call_turns_mfa_off_and_drops_factors() -> None:
    """§2.2 [OBS CDKD]: a bare call on an ON+TOTP pool resets it to OFF; WebAuthn stays [INF]."""
    current = config(
        MfaConfiguration="ON",
        MfaState={
            "MfaConfiguration": "ON",
            "SoftwareTokenMfaConfiguration": TOTP_ON,
            "WebAuthnConfiguration": MULTI,
        },
    )
    assert apply_pool_mfa_config(current, {}) == {"MfaConfiguration": "OFF", "WebAuthnConfiguration": MULTI}
    assert apply_pool_mfa_config(config(), {}) == {"MfaConfiguration": "OFF"}


def test_stored_state_echoes_blocks_and_completes_sms_from_the_pool() -> None:
    current = config(
        SmsConfiguration=SMS_CONFIG, SmsAuthenticationMessage="Code {####}", EmailConfiguration=DEVELOPER
    )
    request = {
        "MfaConfiguration": "OPTIONAL",
        "SmsMfaConfiguration": {},
        "SoftwareTokenMfaConfiguration": {"Enabled": False},
        "EmailMfaConfiguration": EMAIL_BLOCK,
    }
    assert apply_pool_mfa_config(current, request) == {
        "MfaConfiguration": "OPTIONAL",
        "SmsMfaConfiguration": {"SmsAuthenticationMessage": "Code {####}", "SmsConfiguration": SMS_CONFIG},
        "SoftwareTokenMfaConfiguration": {"Enabled": False},
        "EmailMfaConfiguration": EMAIL_BLOCK,
    }


def test_with_mfa_state_mirrors_and_pool_mfa_reads_it_back() -> None:
    current = config(
        DeviceConfiguration={"ChallengeRequiredOnNewDevice": True},
        AccountRecoverySetting=recovery("verified_phone_number", "verified_email"),
    )
    state = apply_pool_mfa_config(
        current,
        {
            "MfaConfiguration": "ON",
            "SmsMfaConfiguration": SMS_BLOCK,
            "SoftwareTokenMfaConfiguration": TOTP_ON,
            "WebAuthnConfiguration": MULTI,
        },
    )
    stored = with_mfa_state(current, state)
    assert stored["MfaConfiguration"] == "ON"
    assert stored["SmsConfiguration"] == SMS_CONFIG
    assert stored["SmsAuthenticationMessage"] == "Your code is {####}"
    assert pool_mfa(stored) == PoolMfa(
        mode="ON",
        sms=True,
        totp=True,
        email=False,
        recovery=("verified_phone_number", "verified_email"),
        tier="ESSENTIALS",
        challenge_required_on_new_device=True,
        webauthn_multi_factor=True,
    )


def test_pool_mfa_defaults_and_legacy_sms_path() -> None:
    assert pool_mfa({}) == PoolMfa()
    legacy = pool_mfa({"MfaConfiguration": "ON", "SmsConfiguration": SMS_CONFIG})
    assert legacy.sms and not legacy.totp
    assert not pool_mfa({"MfaConfiguration": "ON", "SmsConfiguration": SMS_CONFIG, "MfaState": {}}).sms


def update_refused(
    rule: str, settings: dict[str, Any], previous: dict[str, Any] | None, **switches: Any
) -> Any:
    return pytest.param(settings, previous, Switches(**switches), rule)


ON_WITH_SMS = config(MfaConfiguration="ON", SmsConfiguration=SMS_CONFIG)
U_ROWS = {
    "U1-create-on-without-sms-configuration": update_refused("U1", config(MfaConfiguration="ON"), None),
    "U1-update-optional-without-any-factor": update_refused(
        "U1", config(MfaConfiguration="OPTIONAL"), config()
    ),
    "U2-sms-otp-first-factor-without-sms": update_refused(
        "U2", config(Policies=first_factors("PASSWORD", "SMS_OTP")), None
    ),
    "U3-web-authn-first-factor-single": update_refused(
        "U3", {**ON_WITH_SMS, "Policies": WEB_AUTHN_FIRST}, config()
    ),
    "U4-otp-first-factor-with-mfa-on": update_refused(
        "U4", {**ON_WITH_SMS, "Policies": first_factors("PASSWORD", "EMAIL_OTP")}, config()
    ),
    "U5-phone-recovery-with-sms-mfa": update_refused(
        "U5",
        {**ON_WITH_SMS, "AccountRecoverySetting": recovery("verified_phone_number")},
        None,
        recovery_phone_with_sms_check=True,
    ),
}


@pytest.mark.parametrize(("settings", "previous", "switches", "rule"), U_ROWS.values(), ids=U_ROWS.keys())
def test_pool_settings_checks(
    settings: dict[str, Any], previous: dict[str, Any] | None, switches: Switches, rule: str
) -> None:
    with pytest.raises(CognitoError) as err:
        apply_pool_settings(settings, previous, switches)
    expect(rule, err)


def test_u4_uses_the_e6_text() -> None:
    assert MESSAGES["U4"] == MESSAGES["E6"]


def test_create_on_with_sms_configuration_gets_the_sms_factor() -> None:
    """§1 sms_factor, legacy path: MfaConfiguration ON plus SmsConfiguration at creation."""
    stored = apply_pool_settings(config(MfaConfiguration="ON", SmsConfiguration=SMS_CONFIG))
    assert stored["MfaState"] == {
        "MfaConfiguration": "ON",
        "SmsMfaConfiguration": {"SmsConfiguration": SMS_CONFIG},
    }
    assert pool_mfa(stored).sms


def test_update_keeps_factors_set_by_set_user_pool_mfa_config() -> None:
    previous = config(
        MfaConfiguration="ON", MfaState={"MfaConfiguration": "ON", "SoftwareTokenMfaConfiguration": TOTP_ON}
    )
    stored = apply_pool_settings(config(MfaConfiguration="ON", SmsConfiguration=SMS_CONFIG), previous)
    assert stored["MfaState"] == {"MfaConfiguration": "ON", "SoftwareTokenMfaConfiguration": TOTP_ON}
    assert (
        apply_pool_settings(config(MfaConfiguration="ON"), previous)["MfaState"]["MfaConfiguration"] == "ON"
    )


def test_update_to_off_drops_factor_blocks_but_keeps_web_authn() -> None:
    previous = config(
        MfaState={
            "MfaConfiguration": "ON",
            "SoftwareTokenMfaConfiguration": TOTP_ON,
            "WebAuthnConfiguration": MULTI,
        }
    )
    stored = apply_pool_settings(config(MfaConfiguration="OFF"), previous)
    assert stored["MfaState"] == {"MfaConfiguration": "OFF", "WebAuthnConfiguration": MULTI}


def test_u3_accepts_stored_multi_factor_and_u5_is_off_by_default() -> None:
    previous = config(MfaState={"MfaConfiguration": "OFF", "WebAuthnConfiguration": MULTI})
    settings = config(
        MfaConfiguration="ON", SmsConfiguration=SMS_CONFIG, Policies=first_factors("PASSWORD", "WEB_AUTHN")
    )
    apply_pool_settings(settings, previous)
    apply_pool_settings(
        config(
            MfaConfiguration="ON",
            SmsConfiguration=SMS_CONFIG,
            AccountRecoverySetting=recovery("verified_phone_number"),
        )
    )
