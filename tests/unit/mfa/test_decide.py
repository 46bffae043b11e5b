"""The MFA decision, one named row per rule (MFA spec §5.1-§5.7), the seed's 12 rows (§10), and
the documented model's rows where it differs (§5.7)."""

from __future__ import annotations

import json
from dataclasses import dataclass, field

import pytest

from tests.unit.mfa.builders import pool, user
from userpool.api.errors import CognitoError
from userpool.domain.mfa import (
    EMAIL,
    RULES,
    SMS,
    TOTP,
    Challenge,
    Delivery,
    Denial,
    FirstFactor,
    PoolMfa,
    Step,
    Switches,
    Tokens,
    UserFactors,
    apply_mfa_preference,
    check_mfa_preference,
    decide,
    explain,
    factors_in_use,
    implicit_factors,
)
from userpool.domain.mfa.model import METHOD_NOT_FOUND, Model, challenge, select, setup

TOKENS = Tokens()
DEVICE = Challenge("DEVICE_SRP_AUTH")
PHONE_FIRST: tuple[str, ...] = ("verified_phone_number", "verified_email")


@dataclass(frozen=True)
class Row:
    pool: PoolMfa
    user: UserFactors
    step: Step
    rule: str
    by_default: bool = False
    first: FirstFactor = FirstFactor.SRP
    device_remembered: bool = False
    switches: Switches = field(default_factory=Switches)
    model: Model = "observed"


def run(row: Row) -> None:
    decision = decide(
        row.pool,
        row.user,
        row.first,
        device_remembered=row.device_remembered,
        model=row.model,
        switches=row.switches,
    )
    assert decision.step == row.step
    assert decision.rules == (row.rule,)
    assert decision.by_default is row.by_default
    assert decision.model == row.model


# Observed model: every rule of §5.1 / §5.3 / §5.4, at least one row each.
RULE_ROWS = [
    pytest.param(
        Row(pool(), user(phone=True), TOKENS, "F0", first=FirstFactor.WEB_AUTHN), id="F0-passkey-first-no-mfa"
    ),
    pytest.param(
        Row(pool(), user(phone=True), TOKENS, "F0", first=FirstFactor.REFRESH_TOKEN), id="F0-refresh-no-mfa"
    ),
    pytest.param(
        Row(pool(), user(phone=True), TOKENS, "F0", first=FirstFactor.CUSTOM), id="F0-custom-auth-without-srp"
    ),
    pytest.param(
        Row(pool(), user(phone=True), TOKENS, "F0", first=FirstFactor.SIGN_UP_SESSION),
        id="F0-first-sign-in-after-sign-up",
    ),
    pytest.param(
        Row(pool(), user(phone=True), challenge(SMS), "R5", True, FirstFactor.CUSTOM_SRP),
        id="F0-custom-auth-with-srp-runs-mfa",
    ),
    pytest.param(
        Row(pool("OPTIONAL"), user(phone=True, enabled=(SMS,)), TOKENS, "F0", first=FirstFactor.EMAIL_OTP),
        id="F0-passwordless-otp-no-mfa",
    ),
    pytest.param(
        Row(
            pool("OPTIONAL"),
            user(phone=True, enabled=(SMS,)),
            challenge(SMS),
            "R8",
            first=FirstFactor.EMAIL_OTP,
            switches=Switches(mfa_after_passwordless=True),
        ),
        id="F0-switch-mfa-after-passwordless",
    ),
    pytest.param(
        Row(
            pool("OFF"),
            user(phone=True, email=True, totp=True, enabled=(SMS, TOTP), preferred=SMS),
            TOKENS,
            "R0",
        ),
        id="R0-pool-off-no-challenge",
    ),
    pytest.param(
        Row(pool(skip_on_device=True), user(phone=True), DEVICE, "RD", device_remembered=True),
        id="RD-remembered-device-skips-mfa",
    ),
    pytest.param(
        Row(pool(skip_on_device=False), user(phone=True), challenge(SMS), "R5", True, device_remembered=True),
        id="RD-no-skip-setting-still-mfa",
    ),
    pytest.param(
        Row(pool(skip_on_device=True), user(phone=True), challenge(SMS), "R5", True),
        id="RD-new-device-gets-mfa",
    ),
    pytest.param(
        Row(pool(), user(phone=True, email=True, enabled=(SMS, EMAIL), preferred=SMS), challenge(SMS), "R1"),
        id="R1-preferred-wins",
    ),
    pytest.param(
        Row(pool(), user(email=True, enabled=(SMS,), preferred=SMS), challenge(EMAIL), "R3", True),
        id="R1-unreceivable-preference-is-skipped",
    ),
    pytest.param(
        Row(pool("ON", "sms totp"), user(enabled=(SMS,), preferred=SMS), METHOD_NOT_FOUND, "R1b"),
        id="R1b-preferred-lost-nothing-else-on",
    ),
    pytest.param(
        Row(pool("OPTIONAL", "sms totp"), user(enabled=(SMS,), preferred=SMS), METHOD_NOT_FOUND, "R1b"),
        id="R1b-preferred-lost-nothing-else-optional",
    ),
    pytest.param(
        Row(
            pool("ON", "sms totp"),
            user(enabled=(SMS,), preferred=SMS),
            setup([SMS, TOTP]),
            "R7",
            True,
            switches=Switches(preferred_unusable_denies=False),
        ),
        id="R1b-switch-off-falls-to-R7",
    ),
    pytest.param(
        Row(pool("OPTIONAL"), user(phone=True, totp=True, enabled=(SMS, TOTP)), select([SMS, TOTP]), "R2"),
        id="R2-several-activated-choose",
    ),
    pytest.param(
        Row(pool(), user(phone=True, email=True, totp=True, enabled=(TOTP, SMS)), select([SMS, TOTP]), "R2"),
        id="R2-beats-email-precedence-list-is-explicit-only",
    ),
    pytest.param(
        Row(
            pool(),
            user(phone=True, email=True, totp=True, enabled=(TOTP, SMS)),
            select([SMS, TOTP, EMAIL]),
            "R2",
            switches=Switches(choose_includes_implicit_email=True),
        ),
        id="R2-switch-adds-implicit-email",
    ),
    pytest.param(
        Row(pool(), user(phone=True, email=True, enabled=(SMS,)), challenge(EMAIL), "R3", True),
        id="R3-email-precedence-over-one-activated",
    ),
    pytest.param(
        Row(pool(), user(email=True, enabled=(EMAIL,)), challenge(EMAIL), "R3"),
        id="R3-activated-email-is-explicit",
    ),
    pytest.param(
        Row(
            pool(),
            user(phone=True, email=True, enabled=(SMS,)),
            challenge(SMS),
            "R4",
            switches=Switches(email_precedence=False),
        ),
        id="R3-switch-off-falls-to-R4",
    ),
    pytest.param(
        Row(pool("ON", "sms totp"), user(phone=True, totp=True, enabled=(TOTP,)), challenge(TOTP), "R4"),
        id="R4-one-activated",
    ),
    pytest.param(
        Row(pool("ON", "sms totp"), user(phone=True), challenge(SMS), "R5", True), id="R5-one-implicit-sms"
    ),
    pytest.param(
        Row(pool("ON", "sms totp"), user(phone=True, totp=True), select([SMS, TOTP]), "R6", True),
        id="R6-several-implicit-choose",
    ),
    pytest.param(
        Row(
            pool("ON", "sms totp"),
            user(phone=True, totp=True),
            METHOD_NOT_FOUND,
            "R6",
            True,
            switches=Switches(several_implicit="MFA_METHOD_NOT_FOUND"),
        ),
        id="R6-switch-refuses",
    ),
    pytest.param(
        Row(pool("ON", "sms totp"), user(), setup([SMS, TOTP]), "R7", True), id="R7-nothing-usable-setup"
    ),
    pytest.param(
        Row(pool("ON", "totp"), user(phone=True), setup([TOTP]), "R7", True), id="R7-phone-without-sms-factor"
    ),
    pytest.param(
        Row(pool("ON", "totp email"), user(phone=True), setup([TOTP, EMAIL]), "R7", True),
        id="R7-setup-lists-pool-factors",
    ),
    pytest.param(
        Row(pool("ON", ""), user(), METHOD_NOT_FOUND, "R7", True), id="R7-pool-without-factors-refused"
    ),
    pytest.param(
        Row(pool("OPTIONAL"), user(phone=True, email=True, enabled=(SMS,)), challenge(SMS), "R8"),
        id="R8-optional-one-activated-no-email-precedence",
    ),
    pytest.param(
        Row(pool("OPTIONAL"), user(phone=True, legacy_sms=True), challenge(SMS), "R8"),
        id="R8-legacy-sms-counts-as-activated",
    ),
    pytest.param(
        Row(pool("OPTIONAL"), user(phone=True, email=True, totp=True), TOKENS, "R9", True),
        id="R9-optional-nothing-activated",
    ),
    pytest.param(
        Row(pool("OPTIONAL", "totp"), user(phone=True, enabled=(SMS,)), TOKENS, "R9", True),
        id="R9-activated-factor-not-receivable",
    ),
]


@pytest.mark.parametrize("row", RULE_ROWS)
def test_observed_rules(row: Row) -> None:
    run(row)


def test_every_rule_has_a_row() -> None:
    observed = {"F0", "R0", "RD", "R1", "R1b", "R2", "R3", "R4", "R5", "R6", "R7", "R8", "R9"}
    rows = {p.values[0].rule for p in RULE_ROWS if isinstance(p.values[0], Row)}
    assert observed <= rows
    assert {r for r in RULES if not r.startswith("DG")} == observed


# The seed (MFA spec §10). Table 1: pool ON with email, SMS and TOTP; users without TOTP.
T1 = pool("ON", "sms totp email")
# Table 2: pool ON with SMS and TOTP (email off); users with a verified TOTP token and an email.
T2 = pool("ON", "sms totp")

SEED_ROWS = [
    pytest.param(Row(T1, user(email=True), challenge(EMAIL), "R3", True), id="seed-1-1"),
    pytest.param(Row(T1, user(email=True, enabled=(EMAIL,)), challenge(EMAIL), "R3"), id="seed-1-2"),
    pytest.param(
        Row(T1, user(email=True, phone=True, enabled=(SMS,)), challenge(EMAIL), "R3", True), id="seed-1-5"
    ),
    pytest.param(
        Row(T1, user(email=True, phone=True, enabled=(EMAIL, SMS), preferred=EMAIL), challenge(EMAIL), "R1"),
        id="seed-1-6",
    ),
    pytest.param(
        Row(T1, user(email=True, phone=True, enabled=(EMAIL, SMS), preferred=SMS), challenge(SMS), "R1"),
        id="seed-1-7",
    ),
    pytest.param(Row(T2, user(email=True, totp=True), challenge(TOTP), "R5", True), id="seed-2-1"),
    # Seed: "-(NG)". Spec §10: SELECT_MFA_TYPE, which the seed's client could not handle.
    pytest.param(
        Row(T2, user(email=True, phone=True, totp=True), select([SMS, TOTP]), "R6", True), id="seed-2-2"
    ),
    pytest.param(
        Row(T2, user(email=True, phone=True, totp=True, enabled=(SMS,)), challenge(SMS), "R4"), id="seed-2-3"
    ),
    pytest.param(
        Row(
            T2,
            user(email=True, phone=True, totp=True, enabled=(TOTP,), preferred=TOTP),
            challenge(TOTP),
            "R1",
        ),
        id="seed-2-4",
    ),
    pytest.param(
        Row(
            T2,
            user(email=True, phone=True, totp=True, enabled=(SMS, TOTP), preferred=SMS),
            challenge(SMS),
            "R1",
        ),
        id="seed-2-5",
    ),
]


@pytest.mark.parametrize("row", SEED_ROWS)
def test_seed_rows(row: Row) -> None:
    run(row)


def test_seed_1_3_unreachable_sms_without_phone_is_refused() -> None:
    """Seed row 1-3 ("-"): SMS MFA cannot be turned on for a user without a phone_number (§4.2)."""
    request = {"SMSMfaSettings": {"Enabled": True}}
    with pytest.raises(CognitoError) as err:
        check_mfa_preference(T1, user(email=True), request)
    assert (err.value.code, err.value.message) == (
        "InvalidParameterException",
        "User does not have delivery config set to turn on SMS_MFA",
    )
    forced = decide(T1, user(email=True, enabled=(SMS,)), FirstFactor.SRP)
    assert (forced.step, forced.rules) == (challenge(EMAIL), ("R3",))  # spec: "if forced"


def test_seed_1_4_unreachable_sms_cannot_really_be_off() -> None:
    """Seed row 1-4 ("-", ※1): in an ON pool a user with a phone keeps SMS as an implicit factor
    even after `Enabled: false` (§4.1 rule 5, §4.4); the API accepts the call, the factor stays."""
    before = user(email=True, phone=True)
    request = {"EmailMfaSettings": {"Enabled": True}, "SMSMfaSettings": {"Enabled": False}}
    check_mfa_preference(T1, before, request)
    after = apply_mfa_preference(before, request)
    assert SMS not in after.enabled
    assert SMS in implicit_factors(T1, after)
    assert decide(T1, after, FirstFactor.SRP).step == challenge(EMAIL)


# The documented model (§5.7) where it differs from the observed model or the seed.
PHONE_PRIMARY = pool("ON", "sms totp email", recovery=("verified_phone_number", "verified_email"))
EMAIL_PRIMARY = pool("ON", "sms totp email", recovery=("verified_email", "verified_phone_number"))
T2_PHONE_PRIMARY = pool("ON", "sms totp", recovery=("verified_phone_number", "verified_email"))


def dg(p: PoolMfa, u: UserFactors, step: Step, rule: str, by_default: bool = True) -> Row:
    return Row(p, u, step, rule, by_default, model="documented")


DOCUMENTED_ROWS = [
    pytest.param(dg(PHONE_PRIMARY, user(email=True), challenge(EMAIL), "DG4b"), id="DG-seed-1-1-matches"),
    pytest.param(
        dg(PHONE_PRIMARY, user(email=True, phone=True, enabled=(SMS,)), challenge(EMAIL), "DG5"),
        id="DG-seed-1-5-matches-with-phone-primary",
    ),
    pytest.param(
        dg(pool("ON"), user(email=True, phone=True, enabled=(SMS,)), select([SMS, EMAIL]), "DG5"),
        id="DG-seed-1-5-differs-without-recovery-setting",
    ),
    pytest.param(
        dg(
            PHONE_PRIMARY,
            user(email=True, phone=True, enabled=(EMAIL, SMS), preferred=SMS),
            challenge(SMS),
            "DG2",
            False,
        ),
        id="DG2-seed-1-7-preferred",
    ),
    pytest.param(
        dg(T2_PHONE_PRIMARY, user(email=True, phone=True, totp=True), challenge(TOTP), "DG3"),
        id="DG3-seed-2-2-differs-totp",
    ),
    pytest.param(
        dg(T2_PHONE_PRIMARY, user(email=True, phone=True, totp=True, enabled=(SMS,)), challenge(TOTP), "DG3"),
        id="DG3-seed-2-3-differs-totp-not-sms",
    ),
    pytest.param(
        dg(pool("ON", "sms totp"), user(phone=True, totp=True), select([SMS, TOTP]), "DG3"),
        id="DG3-totp-and-non-recovery-phone-choose",
    ),
    pytest.param(
        dg(EMAIL_PRIMARY, user(email=True), METHOD_NOT_FOUND, "DG4a"), id="DG4a-only-attribute-is-recovery"
    ),
    pytest.param(dg(pool("ON", "totp"), user(phone=True), setup([TOTP]), "DG4c"), id="DG4c-setup-totp"),
    pytest.param(dg(pool("ON", "email"), user(phone=True), METHOD_NOT_FOUND, "DG4d"), id="DG4d-no-way"),
    pytest.param(
        dg(EMAIL_PRIMARY, user(email=True, phone=True), challenge(SMS), "DG5"), id="DG5-drop-email-recovery"
    ),
    pytest.param(dg(EMAIL_PRIMARY, user(), setup([SMS, TOTP]), "DG6"), id="DG6-setup-minus-recovery"),
    pytest.param(
        dg(pool("OPTIONAL"), user(phone=True, enabled=(SMS,)), TOKENS, "DG1"),
        id="DG1-optional-sms-differs-R8",
    ),
    pytest.param(
        dg(pool("OPTIONAL"), user(phone=True, totp=True), challenge(TOTP), "DG1"),
        id="DG1-optional-totp-differs-R9",
    ),
    pytest.param(dg(pool("OFF"), user(totp=True), TOKENS, "R0", False), id="DG-pool-off"),
]


@pytest.mark.parametrize("row", DOCUMENTED_ROWS)
def test_documented_rows(row: Row) -> None:
    run(row)


def test_challenge_parameters_are_json_lists_in_strings() -> None:
    step = select([TOTP, SMS])
    assert step.parameters() == {"MFAS_CAN_CHOOSE": '["SMS_MFA","SOFTWARE_TOKEN_MFA"]'}
    assert json.loads(setup([EMAIL, TOTP]).parameters()["MFAS_CAN_SETUP"]) == [TOTP, EMAIL]
    assert challenge(SMS).parameters() == {"CODE_DELIVERY_DELIVERY_MEDIUM": "SMS"}
    assert challenge(EMAIL).delivery == Delivery("EMAIL", "email")
    assert challenge(TOTP).parameters() == {}


def test_decision_records_what_the_rule_read() -> None:
    decision = decide(T1, user(email=True, phone=True, enabled=(SMS,)), FirstFactor.PASSWORD)
    read = dict(decision.read)
    assert read["MfaConfiguration"] == "ON"
    assert read["UserMFASettingList"] == "SMS_MFA"
    assert read["switch.email_precedence"] == "True"
    assert (decision.available, decision.explicit, decision.preferred) == ((SMS, EMAIL), (SMS,), None)


def test_explain_shows_both_models_when_they_disagree() -> None:
    text = explain(T1, user(email=True, phone=True, enabled=(SMS,)), FirstFactor.SRP).lines()
    assert text[0] == "observed model (in use): challenge EMAIL_OTP CODE_DELIVERY_DELIVERY_MEDIUM=EMAIL"
    assert any(line.startswith("  rule R3: ") for line in text)
    assert (
        'documented model (disagrees): challenge SELECT_MFA_TYPE MFAS_CAN_CHOOSE=["SMS_MFA","EMAIL_OTP"]'
        in text
    )


def test_explain_says_when_models_agree() -> None:
    e = explain(pool("OFF"), user(), FirstFactor.PASSWORD, model="documented")
    assert not e.disagree
    assert e.lines()[-1] == "observed model agrees (R0)"
    assert isinstance(e.decision.step, Tokens) and not isinstance(e.other.step, Denial)


def test_factors_in_use_for_recovery() -> None:
    """§3.3: the factor an ON pool challenges counts as activated; OPTIONAL counts explicit only."""
    assert factors_in_use(T1, user(email=True, phone=True)) == {EMAIL}
    assert factors_in_use(T2, user(phone=True, totp=True)) == {SMS, TOTP}
    assert factors_in_use(pool("OPTIONAL"), user(phone=True, email=True, legacy_sms=True)) == {SMS}
