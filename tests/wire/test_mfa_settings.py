"""MFA settings through boto3 (MFA spec §2, §3.1-§3.2, §4): SetUserPoolMfaConfig E1-E10,
Create/UpdateUserPool U1-U5, GetUserPoolMfaConfig, DescribeUserPool, the pool-OFF transition,
(Admin)SetUserMFAPreference, the legacy (Admin)SetUserSettings, and what (Admin)GetUser reports."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import Running, served
from tests.wire.helpers import access_token, admin_user, fails, make_client, make_pool
from tests.wire.mfa_helpers import register_totp
from userpool.domain.mfa import MESSAGES, Switches
from userpool.ops import mfa_settings
from userpool.store import users

SMS_CONFIG = {"SnsCallerArn": "arn:aws:iam::123456789012:role/cognito-sms", "ExternalId": "ext-1"}
DOMAIN_ARN = "arn:aws:ses:us-east-1:123456789012:identity/example.com"
DEVELOPER = {
    "EmailSendingAccount": "DEVELOPER",
    "SourceArn": DOMAIN_ARN,
    "From": "Shop <no-reply@example.com>",
}
SMS_MFA = {"SmsAuthenticationMessage": "Your code is {####}", "SmsConfiguration": SMS_CONFIG}
EMAIL_MFA = {"Message": "Your sign-in code is {####}", "Subject": "Sign-in code"}
TOTP_ON = {"Enabled": True}
MULTI = {"RelyingPartyId": "example.com", "FactorConfiguration": "MULTI_FACTOR_WITH_USER_VERIFICATION"}
PHONE, EMAIL = "+15555550100", "mfa@example.com"
SMS_OPTION = [{"DeliveryMedium": "SMS", "AttributeName": "phone_number"}]
MFA_KEYS = ("MFAOptions", "UserMFASettingList", "PreferredMfaSetting")
# (Admin)GetUser report the MFA keys with `mfa_report` once ops/users.py and ops/profile.py use it.


def recovery(*names: str) -> dict[str, Any]:
    return {"RecoveryMechanisms": [{"Name": n, "Priority": i} for i, n in enumerate(names, 1)]}


def first_factors(*names: str) -> dict[str, Any]:
    return {"SignInPolicy": {"AllowedFirstAuthFactors": list(names)}}


# A pool every MFA factor can be turned on in: SMS role, SES DEVELOPER sender with a From, and
# recovery by email then phone (the seed's working setup).
BASE = {
    "SmsConfiguration": SMS_CONFIG,
    "EmailConfiguration": DEVELOPER,
    "AccountRecoverySetting": recovery("verified_email", "verified_phone_number"),
}


def mfa_pool(idp: Any, **changes: Any) -> str:
    """`BASE` with `changes` applied (a None value drops that setting)."""
    settings = {k: v for k, v in {**BASE, **changes}.items() if v is not None}
    return make_pool(idp, **settings)


def set_config(idp: Any, pool_id: str, **request: Any) -> dict[str, Any]:
    reply: dict[str, Any] = idp.set_user_pool_mfa_config(UserPoolId=pool_id, **request)
    reply.pop("ResponseMetadata")
    return reply


def get_config(idp: Any, pool_id: str) -> dict[str, Any]:
    reply: dict[str, Any] = idp.get_user_pool_mfa_config(UserPoolId=pool_id)
    reply.pop("ResponseMetadata")
    return reply


def stored_mfa(running: Running, pool_id: str, username: str) -> dict[str, Any]:
    """The user's stored `mfa` record, read from the server's database."""
    with running.server.engine.connect() as conn:
        user = users.get_by_username_key(conn, pool_id, username)
    assert user is not None
    return user.mfa


def mfa_keys(reply: dict[str, Any]) -> dict[str, Any]:
    return {k: reply[k] for k in MFA_KEYS if k in reply}


# --------------------------------------------------------------------------- SetUserPoolMfaConfig


def e_case(rule: str, pool: dict[str, Any], name: str | None = None, **request: Any) -> Any:
    return pytest.param(pool, request, MESSAGES[rule], id=name or rule)


COGNITO_DEFAULT: dict[str, Any] = {"EmailConfiguration": None}
E_CASES = [
    e_case("E1", {}, MfaConfiguration="OFF", SoftwareTokenMfaConfiguration={"Enabled": False}),
    e_case("E1", {}, "E1-omitted-mode-is-off", SmsMfaConfiguration=SMS_MFA),
    e_case("E1", COGNITO_DEFAULT, "E1-before-E2", EmailMfaConfiguration=EMAIL_MFA),
    e_case("E2", COGNITO_DEFAULT, MfaConfiguration="ON", EmailMfaConfiguration=EMAIL_MFA),
    e_case("E2b", {"UserPoolTier": "LITE"}, MfaConfiguration="OPTIONAL", EmailMfaConfiguration=EMAIL_MFA),
    e_case("E3", {}, MfaConfiguration="OPTIONAL"),
    e_case(
        "E3", {}, "E3-totp-disabled", MfaConfiguration="ON", SoftwareTokenMfaConfiguration={"Enabled": False}
    ),
    e_case(
        "E4",
        {"SmsConfiguration": None},
        MfaConfiguration="ON",
        SmsMfaConfiguration={"SmsAuthenticationMessage": "Code {####}"},
    ),
    e_case(
        "E6",
        {"Policies": first_factors("PASSWORD", "EMAIL_OTP")},
        MfaConfiguration="ON",
        SoftwareTokenMfaConfiguration=TOTP_ON,
    ),
    e_case(
        "E7",
        {"Policies": first_factors("PASSWORD", "WEB_AUTHN")},
        MfaConfiguration="ON",
        SoftwareTokenMfaConfiguration=TOTP_ON,
    ),
    e_case(
        "E8",
        {"UserPoolTier": "LITE"},
        MfaConfiguration="OPTIONAL",
        SoftwareTokenMfaConfiguration=TOTP_ON,
        WebAuthnConfiguration=MULTI,
    ),
    e_case(
        "E9",
        {"AccountRecoverySetting": recovery("verified_email")},
        MfaConfiguration="OPTIONAL",
        EmailMfaConfiguration=EMAIL_MFA,
    ),
]


@pytest.mark.parametrize(("pool", "request_", "expected"), E_CASES)
def test_set_user_pool_mfa_config_refusals(
    idp: Any, pool: dict[str, Any], request_: dict[str, Any], expected: tuple[str, str]
) -> None:
    """MFA spec §2.3 E1-E9 in order, with the spec's exceptions and messages (E5 needs IAM)."""
    pool_id = mfa_pool(idp, **pool)
    assert fails(idp.set_user_pool_mfa_config, UserPoolId=pool_id, **request_) == expected


@pytest.mark.parametrize(
    ("block", "path", "value"),
    [
        ("SmsMfaConfiguration", "smsMfaConfiguration.smsAuthenticationMessage", "Your code"),
        ("EmailMfaConfiguration", "emailMfaConfiguration.message", "Your sign-in code"),
    ],
)
def test_e10_templates_need_the_code_placeholder(idp: Any, block: str, path: str, value: str) -> None:
    """MFA spec §2.3 E10 [DOC BM patterns]: the model's validation sentence."""
    pool_id = mfa_pool(idp)
    key = "SmsAuthenticationMessage" if block == "SmsMfaConfiguration" else "Message"
    request = {block: {key: value}, "MfaConfiguration": "ON"}
    code, message = fails(idp.set_user_pool_mfa_config, UserPoolId=pool_id, **request)
    assert code == "InvalidParameterException"
    assert message.startswith(f"1 validation error detected: Value '{value}' at '{path}' failed to satisfy")
    assert "Member must satisfy regular expression pattern" in message


def test_set_and_get_echo_every_block(idp: Any) -> None:
    """MFA spec §2.1 [DOC CLI-EX]: the answer and GetUserPoolMfaConfig echo the stored blocks."""
    pool_id = mfa_pool(idp)
    request = {
        "MfaConfiguration": "ON",
        "SmsMfaConfiguration": SMS_MFA,
        "SoftwareTokenMfaConfiguration": TOTP_ON,
        "EmailMfaConfiguration": EMAIL_MFA,
        "WebAuthnConfiguration": {"RelyingPartyId": "example.com", "UserVerification": "preferred"},
    }
    assert set_config(idp, pool_id, **request) == request
    assert get_config(idp, pool_id) == request
    described = idp.describe_user_pool(UserPoolId=pool_id)["UserPool"]
    assert described["MfaConfiguration"] == "ON"
    assert described["SmsAuthenticationMessage"] == "Your code is {####}"
    assert "MfaState" not in described and "SmsConfigurationFailure" not in described


def test_fresh_pool_reports_off_only(idp: Any) -> None:
    """MFA spec §2.1 [INF]: blocks not configured are omitted."""
    assert get_config(idp, make_pool(idp)) == {"MfaConfiguration": "OFF"}


def test_full_replace(idp: Any) -> None:
    """MFA spec §2.2 [OBS CDKD]: a second call without SMS drops SMS; a bare call is OFF and
    drops every factor, keeping WebAuthnConfiguration (not a factor block)."""
    pool_id = mfa_pool(idp)
    set_config(
        idp, pool_id, MfaConfiguration="OPTIONAL", SmsMfaConfiguration=SMS_MFA, WebAuthnConfiguration=MULTI
    )
    set_config(idp, pool_id, MfaConfiguration="ON", SoftwareTokenMfaConfiguration=TOTP_ON)
    got = get_config(idp, pool_id)
    assert "SmsMfaConfiguration" not in got
    assert got["SoftwareTokenMfaConfiguration"] == TOTP_ON
    assert set_config(idp, pool_id) == {"MfaConfiguration": "OFF", "WebAuthnConfiguration": MULTI}
    assert idp.describe_user_pool(UserPoolId=pool_id)["UserPool"]["MfaConfiguration"] == "OFF"


def test_accepted_neighbours_of_the_refusals(idp: Any) -> None:
    """OPTIONAL tolerates OTP and single-factor WebAuthn first factors (E6/E7 [OBS CDKD]); OFF may
    carry WebAuthnConfiguration (§2.2); an SMS block takes the pool's SmsConfiguration (E4)."""
    factors = first_factors("PASSWORD", "EMAIL_OTP", "WEB_AUTHN")
    pool_id = mfa_pool(idp, Policies=factors)
    set_config(idp, pool_id, MfaConfiguration="OPTIONAL", SoftwareTokenMfaConfiguration=TOTP_ON)
    assert (
        set_config(idp, pool_id, MfaConfiguration="OFF", WebAuthnConfiguration=MULTI)["MfaConfiguration"]
        == "OFF"
    )
    sms = set_config(idp, mfa_pool(idp), MfaConfiguration="ON", SmsMfaConfiguration={})
    assert sms["SmsMfaConfiguration"]["SmsConfiguration"] == SMS_CONFIG


def test_email_mfa_needs_the_seed_setup(idp: Any) -> None:
    """The seed's path to email MFA: SES DEVELOPER sender (E2), a From for a domain identity (§3.1),
    a recovery setting that is not email only (E9)."""
    no_from = {"EmailSendingAccount": "DEVELOPER", "SourceArn": DOMAIN_ARN}
    code, message = fails(idp.create_user_pool, PoolName="seed", EmailConfiguration=no_from)
    assert (code, message) == (
        "InvalidParameterException",
        f"Unable to resolve a sender email address from SourceArn {DOMAIN_ARN}; provide From.",
    )
    bad_from = {**no_from, "From": "Shop no-reply at example.com"}
    code, message = fails(idp.create_user_pool, PoolName="seed", EmailConfiguration=bad_from)
    assert (code, message) == ("InvalidParameterException", "Provided From email address is invalid")
    email_only = mfa_pool(idp, AccountRecoverySetting=recovery("verified_email"))
    request = {"MfaConfiguration": "ON", "EmailMfaConfiguration": EMAIL_MFA}
    assert fails(idp.set_user_pool_mfa_config, UserPoolId=email_only, **request) == MESSAGES["E9"]
    assert set_config(idp, mfa_pool(idp), **request)["EmailMfaConfiguration"] == EMAIL_MFA


def test_unknown_pool(idp: Any) -> None:
    expected = ("ResourceNotFoundException", "User pool us-east-1_nothere00 does not exist.")
    assert fails(idp.get_user_pool_mfa_config, UserPoolId="us-east-1_nothere00") == expected
    assert fails(idp.set_user_pool_mfa_config, UserPoolId="us-east-1_nothere00") == expected


# --------------------------------------------------------------------------- Create/UpdateUserPool


def test_create_user_pool_mfa_rules(idp: Any) -> None:
    """U1, U2 [OBS]; ON plus SmsConfiguration at creation is the legacy SMS path (§1 sms_factor)."""
    u1 = fails(idp.create_user_pool, PoolName="p", MfaConfiguration="ON")
    assert u1 == MESSAGES["U1"]
    u2 = fails(idp.create_user_pool, PoolName="p", Policies=first_factors("PASSWORD", "SMS_OTP"))
    assert u2 == MESSAGES["U2"]
    pool_id = make_pool(
        idp, MfaConfiguration="ON", SmsConfiguration=SMS_CONFIG, SmsAuthenticationMessage="Code {####}"
    )
    assert get_config(idp, pool_id) == {
        "MfaConfiguration": "ON",
        "SmsMfaConfiguration": {"SmsAuthenticationMessage": "Code {####}", "SmsConfiguration": SMS_CONFIG},
    }


def test_update_user_pool_mfa_rules(idp: Any) -> None:
    """U1, U3, U4 on UpdateUserPool; an omitted MfaConfiguration keeps the mode (§2.2 [OBS CDKD])."""
    pool_id = make_pool(idp)
    update = idp.update_user_pool
    assert fails(update, UserPoolId=pool_id, MfaConfiguration="OPTIONAL") == MESSAGES["U1"]
    set_config(idp, pool_id, MfaConfiguration="ON", SoftwareTokenMfaConfiguration=TOTP_ON)
    web_authn = first_factors("PASSWORD", "WEB_AUTHN")
    assert fails(update, UserPoolId=pool_id, Policies=web_authn) == MESSAGES["U3"]
    email_otp = first_factors("PASSWORD", "EMAIL_OTP")
    assert fails(update, UserPoolId=pool_id, Policies=email_otp) == MESSAGES["U4"]
    update(UserPoolId=pool_id, DeletionProtection="INACTIVE")
    assert idp.describe_user_pool(UserPoolId=pool_id)["UserPool"]["MfaConfiguration"] == "ON"
    assert get_config(idp, pool_id) == {"MfaConfiguration": "ON", "SoftwareTokenMfaConfiguration": TOTP_ON}
    update(UserPoolId=pool_id, MfaConfiguration="OFF")
    assert get_config(idp, pool_id) == {"MfaConfiguration": "OFF"}


# --------------------------------------------------------------------------- users and the pool


def everything_pool(idp: Any, mode: str = "ON") -> str:
    pool_id = mfa_pool(idp)
    set_config(
        idp,
        pool_id,
        MfaConfiguration=mode,
        SmsMfaConfiguration=SMS_MFA,
        SoftwareTokenMfaConfiguration=TOTP_ON,
        EmailMfaConfiguration=EMAIL_MFA,
    )
    return pool_id


def test_pool_off_clears_user_settings(running: Running, idp: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """MFA spec §2.5 [OBS SEED; INF]: turning MFA OFF clears enabled, preferred and legacy SMS of
    every user (read in batches); the TOTP secret stays."""
    monkeypatch.setattr(mfa_settings, "CLEAR_BATCH", 2)
    pool_id = everything_pool(idp, "OPTIONAL")
    client_id, _ = make_client(idp, pool_id)
    names = [f"u{i}" for i in range(5)]
    for name in names:
        admin_user(idp, pool_id, name, phone_number=PHONE, email=EMAIL)
    register_totp(idp, running.clock, access_token(idp, client_id, "u0"))  # before u0 has MFA to answer
    for name in names:
        idp.admin_set_user_mfa_preference(
            UserPoolId=pool_id, Username=name, SMSMfaSettings={"Enabled": True, "PreferredMfa": True}
        )
        idp.admin_set_user_settings(UserPoolId=pool_id, Username=name, MFAOptions=SMS_OPTION)
    set_config(idp, pool_id)
    for name in names:
        record = stored_mfa(running, pool_id, name)
        assert (record["mfa_enabled"], record["preferred"], record["legacy_sms"]) == ([], None, False)
    assert stored_mfa(running, pool_id, "u0")["totp"]["verified"] is True


def test_update_user_pool_off_clears_too(running: Running, idp: Any) -> None:
    pool_id = make_pool(idp, MfaConfiguration="ON", SmsConfiguration=SMS_CONFIG)
    admin_user(idp, pool_id, "ann", phone_number=PHONE)
    idp.admin_set_user_mfa_preference(UserPoolId=pool_id, Username="ann", SMSMfaSettings={"Enabled": True})
    assert stored_mfa(running, pool_id, "ann")["mfa_enabled"] == ["SMS_MFA"]
    idp.update_user_pool(UserPoolId=pool_id, MfaConfiguration="OFF")
    assert stored_mfa(running, pool_id, "ann")["mfa_enabled"] == []


# --------------------------------------------------------------------------- (Admin)SetUserMFAPreference


def p_case(rule: str, name: str, attributes: dict[str, str], **request: Any) -> Any:
    return pytest.param(attributes, request, MESSAGES[rule], id=name)


P_CASES = [
    p_case("P-totp", "totp-never-associated", {}, SoftwareTokenMfaSettings={"Enabled": True}),
    p_case("P-sms", "sms-without-phone", {"email": EMAIL}, SMSMfaSettings={"Enabled": True}),
    p_case(
        "P-email", "email-without-email", {"phone_number": PHONE}, EmailMfaSettings={"PreferredMfa": True}
    ),
    p_case(
        "P-two-preferred",
        "two-preferred",
        {"phone_number": PHONE, "email": EMAIL},
        SMSMfaSettings={"Enabled": True, "PreferredMfa": True},
        EmailMfaSettings={"Enabled": True, "PreferredMfa": True},
    ),
    p_case(
        "P-preferred-disabled",
        "preferred-but-disabled",
        {"phone_number": PHONE},
        SMSMfaSettings={"Enabled": False, "PreferredMfa": True},
    ),
    p_case("P-webauthn-pool", "webauthn-single-factor-pool", {}, WebAuthnMfaSettings={"Enabled": True}),
]


@pytest.mark.parametrize(("attributes", "request_", "expected"), P_CASES)
def test_preference_refusals(
    idp: Any, attributes: dict[str, str], request_: dict[str, Any], expected: tuple[str, str]
) -> None:
    """MFA spec §4.1 rules 3-4 and §4.2 enable-time errors."""
    pool_id = everything_pool(idp)
    admin_user(idp, pool_id, "bob", **attributes)
    call = idp.admin_set_user_mfa_preference
    assert fails(call, UserPoolId=pool_id, Username="bob", **request_) == expected


def test_preference_refusals_of_the_pool(running: Running, idp: Any) -> None:
    """TOTP associated but not verified [OBS]; email on a pool without the email factor, and on a
    LITE pool even to turn it off [INF]; WebAuthn alone [DOC BM]."""
    pool_id = mfa_pool(idp)
    set_config(
        idp,
        pool_id,
        MfaConfiguration="OPTIONAL",
        SoftwareTokenMfaConfiguration=TOTP_ON,
        WebAuthnConfiguration=MULTI,
    )
    client_id, _ = make_client(idp, pool_id)
    admin_user(idp, pool_id, "cat", email=EMAIL)
    token = access_token(idp, client_id, "cat")
    idp.associate_software_token(AccessToken=token)
    call = idp.set_user_mfa_preference
    assert fails(call, AccessToken=token, SoftwareTokenMfaSettings=TOTP_ON) == MESSAGES["P-totp-unverified"]
    assert fails(call, AccessToken=token, EmailMfaSettings=TOTP_ON) == MESSAGES["P-email-pool"]
    assert fails(call, AccessToken=token, WebAuthnMfaSettings=TOTP_ON) == MESSAGES["P-webauthn-alone"]
    lite = make_pool(idp, UserPoolTier="LITE")
    admin_user(idp, lite, "dan", email=EMAIL)
    disabled = {"EmailMfaSettings": {"Enabled": False}}
    admin_call = idp.admin_set_user_mfa_preference
    assert fails(admin_call, UserPoolId=lite, Username="dan", **disabled) == MESSAGES["P-email-tier"]


def test_preferences_are_stored(running: Running, idp: Any) -> None:
    """MFA spec §4.1 semantics: omitted blocks unchanged, Enabled:false of an unusable factor
    accepted (§4.2 note), WebAuthnMfaSettings kept as `webauthn_mfa_enabled`."""
    pool_id = mfa_pool(idp)
    set_config(
        idp,
        pool_id,
        MfaConfiguration="OPTIONAL",
        SmsMfaConfiguration=SMS_MFA,
        SoftwareTokenMfaConfiguration=TOTP_ON,
        WebAuthnConfiguration=MULTI,
    )
    client_id, _ = make_client(idp, pool_id)
    admin_user(idp, pool_id, "eve", phone_number=PHONE)
    token = access_token(idp, client_id, "eve")
    register_totp(idp, running.clock, token)
    call = idp.set_user_mfa_preference
    call(AccessToken=token, SMSMfaSettings={"Enabled": True}, EmailMfaSettings={"Enabled": False})
    call(AccessToken=token, SoftwareTokenMfaSettings={"Enabled": True, "PreferredMfa": True})
    call(AccessToken=token, WebAuthnMfaSettings={"Enabled": True})
    record = stored_mfa(running, pool_id, "eve")
    assert record["mfa_enabled"] == ["SMS_MFA", "SOFTWARE_TOKEN_MFA"]
    assert (record["preferred"], record["mfa_preference_ever_set"]) == ("SOFTWARE_TOKEN_MFA", True)
    assert record["webauthn_mfa_enabled"] is True and record["totp"]["verified"] is True
    call(AccessToken=token, SoftwareTokenMfaSettings={"Enabled": False})
    record = stored_mfa(running, pool_id, "eve")
    assert (record["mfa_enabled"], record["preferred"]) == (["SMS_MFA"], None)


def test_preference_callers(idp: Any) -> None:
    pool_id = make_pool(idp)
    no_user = fails(idp.admin_set_user_mfa_preference, UserPoolId=pool_id, Username="nobody")
    assert no_user == ("UserNotFoundException", "User does not exist.")
    bad_token = fails(idp.set_user_mfa_preference, AccessToken="not-a-token")
    assert bad_token == ("NotAuthorizedException", "Invalid Access Token")
    assert fails(idp.set_user_settings, AccessToken="not-a-token", MFAOptions=[]) == bad_token


# --------------------------------------------------------------------------- legacy settings


def test_legacy_user_settings(running: Running, idp: Any) -> None:
    """MFA spec §4.3: SMS to phone_number only; a list turns legacy SMS on, an empty one off."""
    pool_id = make_pool(idp)
    client_id, _ = make_client(idp, pool_id)
    admin_user(idp, pool_id, "fay", phone_number=PHONE)
    idp.admin_set_user_settings(UserPoolId=pool_id, Username="fay", MFAOptions=SMS_OPTION)
    assert stored_mfa(running, pool_id, "fay")["legacy_sms"] is True
    assert idp.admin_get_user(UserPoolId=pool_id, Username="fay")["MFAOptions"] == SMS_OPTION
    token = access_token(idp, client_id, "fay")
    idp.set_user_settings(AccessToken=token, MFAOptions=[])
    assert stored_mfa(running, pool_id, "fay")["legacy_sms"] is False
    assert "MFAOptions" not in idp.get_user(AccessToken=token)
    email = [{"DeliveryMedium": "EMAIL", "AttributeName": "email"}]
    expected = ("InvalidParameterException", mfa_settings.LEGACY_SMS_ONLY)
    assert fails(idp.set_user_settings, AccessToken=token, MFAOptions=email) == expected


# --------------------------------------------------------------------------- what (Admin)GetUser reports


def test_get_user_mfa_keys_by_state(idp: Any) -> None:
    """MFA spec §4.5 state table (pool ON, SMS+TOTP+email), key presence included, for AdminGetUser
    and GetUser alike."""
    pool_id = mfa_pool(idp)
    client_id, _ = make_client(idp, pool_id)
    admin_user(idp, pool_id, "gus", phone_number=PHONE, email=EMAIL)
    admin_user(idp, pool_id, "hal", email=EMAIL)
    tokens = {name: access_token(idp, client_id, name) for name in ("gus", "hal")}
    set_config(
        idp,
        pool_id,
        MfaConfiguration="ON",
        SmsMfaConfiguration=SMS_MFA,
        SoftwareTokenMfaConfiguration=TOTP_ON,
        EmailMfaConfiguration=EMAIL_MFA,
    )

    def report(name: str) -> dict[str, Any]:
        by_admin = mfa_keys(idp.admin_get_user(UserPoolId=pool_id, Username=name))
        assert mfa_keys(idp.get_user(AccessToken=tokens[name])) == by_admin
        return by_admin

    assert report("gus") == {"MFAOptions": SMS_OPTION}
    assert report("hal") == {}
    idp.admin_set_user_mfa_preference(UserPoolId=pool_id, Username="gus", SMSMfaSettings=TOTP_ON)
    assert report("gus") == {"MFAOptions": SMS_OPTION, "UserMFASettingList": ["SMS_MFA"]}
    email = {"EmailMfaSettings": {"Enabled": True, "PreferredMfa": True}}
    idp.admin_set_user_mfa_preference(UserPoolId=pool_id, Username="gus", **email)
    assert report("gus") == {
        "MFAOptions": SMS_OPTION,
        "UserMFASettingList": ["SMS_MFA", "EMAIL_OTP"],
        "PreferredMfaSetting": "EMAIL_OTP",
    }
    set_config(idp, pool_id)
    assert report("gus") == {}


def test_get_user_after_totp_preferred(running: Running, idp: Any) -> None:
    """MFA spec §4.5 row `SoftwareTokenMfaSettings{Enabled,PreferredMfa}`: MFAOptions stays for a
    user with a phone in an ON pool with SMS."""
    pool_id = everything_pool(idp, "OPTIONAL")
    client_id, _ = make_client(idp, pool_id)
    admin_user(idp, pool_id, "ida", phone_number=PHONE)
    token = access_token(idp, client_id, "ida")
    register_totp(idp, running.clock, token)
    set_config(
        idp,
        pool_id,
        MfaConfiguration="ON",
        SmsMfaConfiguration=SMS_MFA,
        SoftwareTokenMfaConfiguration=TOTP_ON,
    )
    idp.set_user_mfa_preference(
        AccessToken=token, SoftwareTokenMfaSettings={"Enabled": True, "PreferredMfa": True}
    )
    assert mfa_keys(idp.get_user(AccessToken=token)) == {
        "MFAOptions": SMS_OPTION,
        "UserMFASettingList": ["SOFTWARE_TOKEN_MFA"],
        "PreferredMfaSetting": "SOFTWARE_TOKEN_MFA",
    }


# --------------------------------------------------------------------------- a server with switches


@pytest.fixture(scope="module")
def strict(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Running]:
    """SQLite server in the SNS SMS sandbox, with U5 on and legacy (pre-tier) plans."""
    url = f"sqlite:///{Path(tmp_path_factory.mktemp('strict')) / 'strict.db'}"
    switches = Switches(recovery_phone_with_sms_check=True, legacy_plans=True)
    with served(url, "sqlite", sms_sandbox=True, switches=switches) as live:
        yield live


def test_sandbox_shows_in_describe_user_pool(strict: Running, idp: Any) -> None:
    """MFA spec §3.2 [DOC BM; OBS SEED]: SmsConfigurationFailure "SNSSandbox"; absent otherwise."""
    sandboxed = strict.client()
    pool_id = make_pool(sandboxed, SmsConfiguration=SMS_CONFIG)
    assert (
        sandboxed.describe_user_pool(UserPoolId=pool_id)["UserPool"]["SmsConfigurationFailure"]
        == "SNSSandbox"
    )
    normal = make_pool(idp, SmsConfiguration=SMS_CONFIG)
    assert "SmsConfigurationFailure" not in idp.describe_user_pool(UserPoolId=normal)["UserPool"]


def test_switched_rules(strict: Running) -> None:
    """U5 (switch `recovery_phone_with_sms_check`) and E2c (switch `legacy_plans`)."""
    idp = strict.client()
    u5 = {
        "MfaConfiguration": "ON",
        "SmsConfiguration": SMS_CONFIG,
        "AccountRecoverySetting": recovery("verified_phone_number"),
    }
    assert fails(idp.create_user_pool, PoolName="p", **u5) == MESSAGES["U5"]
    pool_id = mfa_pool(idp, UserPoolTier="LITE")
    request = {"MfaConfiguration": "OPTIONAL", "EmailMfaConfiguration": EMAIL_MFA}
    assert fails(idp.set_user_pool_mfa_config, UserPoolId=pool_id, **request) == MESSAGES["E2c"]
    idp.update_user_pool(UserPoolId=pool_id, UserPoolAddOns={"AdvancedSecurityMode": "AUDIT"}, **BASE)
    assert set_config(idp, pool_id, **request)["EmailMfaConfiguration"] == EMAIL_MFA
