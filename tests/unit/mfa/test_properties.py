"""Properties of the MFA decision over every input (ARCHITECTURE "The MFA decision")."""

from __future__ import annotations

from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from userpool.api.errors import CognitoError
from userpool.domain.mfa import (
    ORDER,
    RULES,
    Challenge,
    Decision,
    Denial,
    FirstFactor,
    PoolMfa,
    Switches,
    Tokens,
    UserFactors,
    apply_pool_mfa_config,
    available_factors,
    decide,
    explain,
    pool_mfa,
    with_mfa_state,
)
from userpool.domain.mfa.model import PASSWORD_FIRST, Model

factors = st.frozensets(st.sampled_from(ORDER))
maybe_factor = st.none() | st.sampled_from(ORDER)
recovery = st.none() | st.lists(
    st.sampled_from(["verified_email", "verified_phone_number", "admin_only"]),
    min_size=1,
    max_size=2,
    unique=True,
).map(tuple)

pools = st.builds(
    PoolMfa,
    mode=st.sampled_from(["OFF", "ON", "OPTIONAL"]),
    sms=st.booleans(),
    totp=st.booleans(),
    email=st.booleans(),
    recovery=recovery,
    tier=st.sampled_from(["LITE", "ESSENTIALS", "PLUS"]),
    challenge_required_on_new_device=st.booleans(),
    webauthn_multi_factor=st.booleans(),
)
users = st.builds(
    UserFactors,
    email=st.none() | st.just("user@example.com"),
    email_verified=st.booleans(),
    phone_number=st.none() | st.just("+15555550008"),
    phone_number_verified=st.booleans(),
    enabled=factors,
    disabled=factors,
    preferred=maybe_factor,
    legacy_sms=st.booleans(),
    totp_verified=st.booleans(),
    totp_pending=st.booleans(),
    preference_set=st.booleans(),
    webauthn_mfa=st.booleans(),
)
switches = st.builds(
    Switches,
    email_precedence=st.booleans(),
    choose_includes_implicit_email=st.booleans(),
    mfa_after_passwordless=st.booleans(),
    preferred_unusable_denies=st.booleans(),
    several_implicit=st.sampled_from(["SELECT_MFA_TYPE", "MFA_METHOD_NOT_FOUND"]),
)
models = st.sampled_from(["observed", "documented"])
firsts = st.sampled_from(list(FirstFactor))


def run(p: PoolMfa, u: UserFactors, first: FirstFactor, device: bool, model: Model, sw: Switches) -> Decision:
    return decide(p, u, first, device_remembered=device, model=model, switches=sw)


inputs: dict[str, Any] = {
    "p": pools,
    "u": users,
    "first": firsts,
    "device": st.booleans(),
    "model": models,
    "sw": switches,
}


@settings(max_examples=500)
@given(**inputs)
def test_decide_is_total(
    p: PoolMfa, u: UserFactors, first: FirstFactor, device: bool, model: Model, sw: Switches
) -> None:
    decision = run(p, u, first, device, model, sw)
    assert isinstance(decision.step, Tokens | Challenge | Denial)
    assert decision.rules and all(r in RULES for r in decision.rules)
    assert [name for name, _ in decision.read] == list(RULES[decision.rules[0]].reads)
    assert explain(p, u, first, device_remembered=device, model=model, switches=sw).lines()


@given(**inputs)
def test_pool_off_never_challenges(
    p: PoolMfa, u: UserFactors, first: FirstFactor, device: bool, model: Model, sw: Switches
) -> None:
    off = PoolMfa(**{**p.__dict__, "mode": "OFF"})
    assert isinstance(run(off, u, first, device, model, sw).step, Tokens)


@given(**inputs)
def test_usable_preferred_factor_always_wins(
    p: PoolMfa, u: UserFactors, first: FirstFactor, device: bool, model: Model, sw: Switches
) -> None:
    # SetUserMFAPreference makes a preferred factor enabled (§4.1 rule 2): keep inputs consistent.
    if u.preferred is not None:
        u = UserFactors(**{**u.__dict__, "enabled": u.enabled | {u.preferred}})
    mfa_runs = p.mode != "OFF" and first in PASSWORD_FIRST
    device_skips = device and p.challenge_required_on_new_device
    if mfa_runs and not device_skips and u.preferred in available_factors(p, u):
        step = run(p, u, first, device, model, sw).step
        assert isinstance(step, Challenge) and step.name == u.preferred


@settings(max_examples=500)
@given(**inputs)
def test_never_names_a_factor_the_user_cannot_receive(
    p: PoolMfa, u: UserFactors, first: FirstFactor, device: bool, model: Model, sw: Switches
) -> None:
    step = run(p, u, first, device, model, sw).step
    if not isinstance(step, Challenge) or step.name == "MFA_SETUP":
        return
    named = set(step.can_choose) | {f for f in ORDER if f == step.name}
    if "SMS_MFA" in named:
        assert u.phone_number and p.sms
    if "EMAIL_OTP" in named:
        assert u.email and p.email
    if "SOFTWARE_TOKEN_MFA" in named:
        assert u.totp_verified


@given(**inputs)
def test_remembered_device_with_skip_setting_never_gets_mfa(
    p: PoolMfa, u: UserFactors, first: FirstFactor, device: bool, model: Model, sw: Switches
) -> None:
    skipping = PoolMfa(**{**p.__dict__, "challenge_required_on_new_device": True})
    step = run(skipping, u, first, True, model, sw).step
    assert isinstance(step, Tokens) or step == Challenge("DEVICE_SRP_AUTH")


@given(**inputs)
def test_select_offers_at_least_two_and_setup_only_pool_factors(
    p: PoolMfa, u: UserFactors, first: FirstFactor, device: bool, model: Model, sw: Switches
) -> None:
    step = run(p, u, first, device, model, sw).step
    if isinstance(step, Challenge) and step.name == "SELECT_MFA_TYPE":
        assert len(step.can_choose) >= 2
    if isinstance(step, Challenge) and step.name == "MFA_SETUP":
        enabled = {"SMS_MFA": p.sms, "SOFTWARE_TOKEN_MFA": p.totp, "EMAIL_OTP": p.email}
        assert step.can_setup and all(enabled[f] for f in step.can_setup)


blocks = st.fixed_dictionaries(
    {},
    optional={
        "MfaConfiguration": st.sampled_from(["OFF", "ON", "OPTIONAL"]),
        "SmsMfaConfiguration": st.just({"SmsAuthenticationMessage": "Code {####}"}),
        "SoftwareTokenMfaConfiguration": st.builds(dict, Enabled=st.booleans()),
        "EmailMfaConfiguration": st.just({"Message": "Code {####}"}),
    },
)


@given(request=blocks)
def test_stored_pool_config_reads_back_as_requested(request: dict[str, Any]) -> None:
    """Whatever SetUserPoolMfaConfig accepts, `pool_mfa` sees exactly that (full replace, §2.2)."""
    current = {
        "EmailConfiguration": {"EmailSendingAccount": "DEVELOPER", "SourceArn": "arn"},
        "SmsConfiguration": {"SnsCallerArn": "arn"},
        "MfaState": {"MfaConfiguration": "ON", "SoftwareTokenMfaConfiguration": {"Enabled": True}},
    }
    try:
        state = apply_pool_mfa_config(current, request)
    except CognitoError as err:
        assert err.code == "InvalidParameterException"
        return
    p = pool_mfa(with_mfa_state(current, state))
    assert p.mode == request.get("MfaConfiguration", "OFF")
    assert p.sms == ("SmsMfaConfiguration" in request)
    assert p.email == ("EmailMfaConfiguration" in request)
    assert p.totp == (request.get("SoftwareTokenMfaConfiguration") == {"Enabled": True})
    assert p.mode == "OFF" or p.sms or p.totp or p.email  # E1 and E3
