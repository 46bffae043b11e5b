"""A pool's MFA configuration: SetUserPoolMfaConfig validation E1-E10 and full-replace storage
(MFA spec §2.1-§2.3), the Create/UpdateUserPool rules U1-U5, and `pool_mfa(config)`.

Storage convention: the pool's config dict keeps the last SetUserPoolMfaConfig result under
`MfaState` (shaped like GetUserPoolMfaConfig's output, botocore member names) and mirrors its
`MfaConfiguration` at the top level, where Create/Update/DescribeUserPool read it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from userpool.api.errors import CognitoError, invalid_parameter
from userpool.domain.mfa.messages import fail
from userpool.domain.mfa.model import EMAIL, SMS, TOTP, Factor, MfaMode, PoolMfa, RecoveryName, Tier
from userpool.domain.mfa.switches import DEFAULT_SWITCHES, Switches

__all__ = [
    "MFA_STATE",
    "apply_pool_mfa_config",
    "apply_pool_settings",
    "factor_prerequisites",
    "pool_mfa",
    "with_mfa_state",
]

MFA_STATE = "MfaState"
MULTI_FACTOR = "MULTI_FACTOR_WITH_USER_VERIFICATION"
_MODES: tuple[MfaMode, ...] = ("OFF", "ON", "OPTIONAL")
_TIERS: tuple[Tier, ...] = ("LITE", "ESSENTIALS", "PLUS")
_RECOVERY: tuple[RecoveryName, ...] = ("verified_email", "verified_phone_number", "admin_only")
# E10 [DOC BM SmsMfaConfigType / EmailMfaConfigType]: (path, min, max, pattern as the model spells it)
_SMS_TEMPLATE = ("smsMfaConfiguration.smsAuthenticationMessage", 6, 140, r".*\{####\}.*")
_EMAIL_TEMPLATE = (
    "emailMfaConfiguration.message",
    6,
    20000,
    r"[\p{L}\p{M}\p{S}\p{N}\p{P}\s*]*\{####\}[\p{L}\p{M}\p{S}\p{N}\p{P}\s*]*",
)


# --------------------------------------------------------------------------- reading a pool


def _state(config: Mapping[str, Any]) -> Mapping[str, Any]:
    return config.get(MFA_STATE) or {}


def _mode(value: Any) -> MfaMode:
    return next((m for m in _MODES if m == value), "OFF")


def _recovery(config: Mapping[str, Any]) -> tuple[RecoveryName, ...] | None:
    """AccountRecoverySetting mechanism names by Priority; None when the setting is absent."""
    setting = config.get("AccountRecoverySetting")
    if not setting:
        return None
    ranked = sorted(setting.get("RecoveryMechanisms") or [], key=lambda m: m.get("Priority", 0))
    return tuple(n for m in ranked for n in _RECOVERY if n == m.get("Name"))


def _first_factors(config: Mapping[str, Any]) -> set[str]:
    """Policies.SignInPolicy.AllowedFirstAuthFactors (default PASSWORD only)."""
    sign_in = (config.get("Policies") or {}).get("SignInPolicy") or {}
    return set(sign_in.get("AllowedFirstAuthFactors") or ["PASSWORD"])


def _factor_configuration(webauthn: Mapping[str, Any] | None) -> str:
    """FactorConfiguration; an absent block or value counts as SINGLE_FACTOR (§1, E7)."""
    return str((webauthn or {}).get("FactorConfiguration") or "SINGLE_FACTOR")


def _has_factor(state: Mapping[str, Any]) -> bool:
    totp = (state.get("SoftwareTokenMfaConfiguration") or {}).get("Enabled") is True
    return totp or "SmsMfaConfiguration" in state or "EmailMfaConfiguration" in state


def pool_mfa(config: Mapping[str, Any]) -> PoolMfa:
    """The decision's view of a pool config (MFA spec §1). A pool that never stored an MfaState
    but has MFA ON/OPTIONAL with an SmsConfiguration has the SMS factor (legacy path, §1 [INF])."""
    state, mode = _state(config), _mode(config.get("MfaConfiguration"))
    legacy_sms = MFA_STATE not in config and mode != "OFF" and bool(config.get("SmsConfiguration"))
    devices = config.get("DeviceConfiguration") or {}
    return PoolMfa(
        mode=mode,
        sms="SmsMfaConfiguration" in state or legacy_sms,
        totp=(state.get("SoftwareTokenMfaConfiguration") or {}).get("Enabled") is True,
        email="EmailMfaConfiguration" in state,
        recovery=_recovery(config),
        tier=next((t for t in _TIERS if t == config.get("UserPoolTier")), "ESSENTIALS"),
        challenge_required_on_new_device=devices.get("ChallengeRequiredOnNewDevice") is True,
        webauthn_multi_factor=_factor_configuration(state.get("WebAuthnConfiguration")) == MULTI_FACTOR,
    )


# --------------------------------------------------------------------------- SetUserPoolMfaConfig


@dataclass(frozen=True)
class _Request:
    """A SetUserPoolMfaConfig request read against the current pool config."""

    config: Mapping[str, Any]
    request: Mapping[str, Any]
    switches: Switches

    @property
    def mode(self) -> MfaMode:
        return _mode(self.request.get("MfaConfiguration"))  # omitted reads as OFF (§2.2 [OBS CDKD])

    @property
    def sms(self) -> Mapping[str, Any] | None:
        return self.request.get("SmsMfaConfiguration")

    @property
    def totp(self) -> Mapping[str, Any] | None:
        return self.request.get("SoftwareTokenMfaConfiguration")

    @property
    def email(self) -> Mapping[str, Any] | None:
        return self.request.get("EmailMfaConfiguration")

    @property
    def webauthn(self) -> Mapping[str, Any] | None:
        """The WebAuthnConfiguration after the call: an omitted block keeps the stored one, as it is
        not an MFA factor block (§2.2) [INF]."""
        source = self.request if "WebAuthnConfiguration" in self.request else _state(self.config)
        block: Mapping[str, Any] | None = source.get("WebAuthnConfiguration")
        return block

    @property
    def tier(self) -> str:
        return str(self.config.get("UserPoolTier") or "ESSENTIALS")


def _e1(r: _Request) -> None:
    # E1 [OBS CDKD #1923/#1968; GH-lgallard-74] OFF (explicit or omitted) with a factor block,
    # even SoftwareTokenMfaConfiguration {Enabled: false}
    if r.mode == "OFF" and (r.sms is not None or r.totp is not None or r.email is not None):
        raise fail("E1")


def _e2(r: _Request) -> None:
    # E2 [OBS CDKD] email MFA needs SES DEVELOPER sending; E1 is evaluated first
    account = (r.config.get("EmailConfiguration") or {}).get("EmailSendingAccount") or "COGNITO_DEFAULT"
    if r.email is not None and account == "COGNITO_DEFAULT":
        raise fail("E2")


def _e2b(r: _Request) -> None:
    # E2b [DOC BM EmailMfaConfigType tier rule; message INF]
    if r.email is not None and not r.switches.legacy_plans and r.tier == "LITE":
        raise fail("E2b")


def _e2c(r: _Request) -> None:
    # E2c [OBS SEED; DG-ASF-EMAIL] legacy pools: advanced security must be active
    add_ons = r.config.get("UserPoolAddOns") or {}
    if (
        r.email is not None
        and r.switches.legacy_plans
        and add_ons.get("AdvancedSecurityMode", "OFF") == "OFF"
    ):
        raise fail("E2c")


def _e3(r: _Request) -> None:
    # E3 [OBS CDKD #1920; GH-aws-sdk-js-4186] ON/OPTIONAL needs a factor (TOTP Enabled:false is none)
    totp_on = (r.totp or {}).get("Enabled") is True
    if r.mode != "OFF" and r.sms is None and not totp_on and r.email is None:
        raise fail("E3")


def _e4(r: _Request) -> None:
    # E4 [INF; SEED "Configure SMS"] SMS MFA needs an SMS configuration, in the block or the pool
    if r.sms is not None and not r.sms.get("SmsConfiguration") and not r.config.get("SmsConfiguration"):
        raise fail("E4")


# E5 (SMS role access/trust, InvalidSmsRole*Exception) needs simulated IAM: not checked here.


def _e6(r: _Request) -> None:
    # E6 [OBS CDKD #1975] ON forbids OTP first factors; OPTIONAL accepts them
    if r.mode == "ON" and _first_factors(r.config) & {"EMAIL_OTP", "SMS_OTP"}:
        raise fail("E6")


def _e7(r: _Request) -> None:
    # E7 [OBS CDKD #2064] ON with WEB_AUTHN first factor needs MULTI_FACTOR_WITH_USER_VERIFICATION
    web_authn_first = "WEB_AUTHN" in _first_factors(r.config)
    if r.mode == "ON" and web_authn_first and _factor_configuration(r.webauthn) != MULTI_FACTOR:
        raise fail("E7")


def _e8(r: _Request) -> None:
    # E8 [DOC BM "Essentials tier or higher"; message INF]
    requested = r.request.get("WebAuthnConfiguration")
    if requested is not None and _factor_configuration(requested) == MULTI_FACTOR and r.tier == "LITE":
        raise fail("E8")


def _e9(r: _Request) -> None:
    # E9 [OBS SEED "Email only" had to change; GH-terraform-aws-41049] switch, MFA spec Q6
    only_email = _recovery(r.config) == ("verified_email",)
    if r.email is not None and r.switches.email_only_recovery_check and only_email:
        raise fail("E9")


def _e10(r: _Request) -> None:
    # E10 [DOC BM patterns]: normally caught first by the wire's model validation; kept for
    # callers that bypass it (CLI, console). Coral sentence as api/validate.py words it.
    items = _template_items(r.sms, "SmsAuthenticationMessage", _SMS_TEMPLATE)
    items += _template_items(r.email, "Message", _EMAIL_TEMPLATE)
    if items:
        noun = "error" if len(items) == 1 else "errors"
        raise invalid_parameter(f"{len(items)} validation {noun} detected: " + "; ".join(items))


def _template_items(block: Mapping[str, Any] | None, key: str, rule: tuple[str, int, int, str]) -> list[str]:
    value = (block or {}).get(key)
    if value is None:
        return []
    path, low, high, pattern = rule
    failed = []
    if "{####}" not in value:
        failed.append(f"Member must satisfy regular expression pattern: {pattern}")
    if len(value) < low:
        failed.append(f"Member must have length greater than or equal to {low}")
    if len(value) > high:
        failed.append(f"Member must have length less than or equal to {high}")
    return [f"Value '{value}' at '{path}' failed to satisfy constraint: {text}" for text in failed]


# MFA spec §2.3: "Validation, in the order to apply it".
SET_CHECKS: tuple[Callable[[_Request], None], ...] = (
    _e1,
    _e2,
    _e2b,
    _e2c,
    _e3,
    _e4,
    _e6,
    _e7,
    _e8,
    _e9,
    _e10,
)


# The rules that read the pool's settings rather than the request's shape: what a factor needs
# before SetUserPoolMfaConfig accepts it (MFA spec §2.3 last bullet), in SET_CHECKS order.
_PREREQUISITES: tuple[tuple[str, Callable[[_Request], None]], ...] = (
    ("E2", _e2),
    ("E2b", _e2b),
    ("E2c", _e2c),
    ("E4", _e4),
    ("E9", _e9),
)
_ENABLE: dict[Factor, tuple[str, dict[str, Any]]] = {
    SMS: ("SmsMfaConfiguration", {}),
    TOTP: ("SoftwareTokenMfaConfiguration", {"Enabled": True}),
    EMAIL: ("EmailMfaConfiguration", {}),
}


def factor_prerequisites(
    config: Mapping[str, Any], factor: Factor, switches: Switches = DEFAULT_SWITCHES
) -> list[str]:
    """The ids of every rule (E2, E2b, E2c, E4, E9) that refuses turning `factor` on in a pool with
    `config`, in checking order; empty when SetUserPoolMfaConfig accepts it (for the console's
    prerequisite panels, which must not restate the conditions)."""
    key, block = _ENABLE[factor]
    r = _Request(config, {"MfaConfiguration": "OPTIONAL", key: block}, switches)
    refused = []
    for rule, check in _PREREQUISITES:
        try:
            check(r)
        except CognitoError:
            refused.append(rule)
    return refused


def apply_pool_mfa_config(
    current_config: Mapping[str, Any], request: Mapping[str, Any], switches: Switches = DEFAULT_SWITCHES
) -> dict[str, Any]:
    """SetUserPoolMfaConfig: check E1-E10 in order and return the new MfaState, which replaces the
    old one whole (MFA spec §2.2 [OBS CDKD]): omitted MfaConfiguration is OFF, an omitted factor
    block disables that factor. The result is also the operation's (and GetUserPoolMfaConfig's)
    response body; store it with `with_mfa_state`."""
    r = _Request(current_config, request, switches)
    for check in SET_CHECKS:
        check(r)
    state: dict[str, Any] = {"MfaConfiguration": r.mode}
    if r.sms is not None:
        state["SmsMfaConfiguration"] = _sms_block(r.sms, current_config)
    if r.totp is not None:
        state["SoftwareTokenMfaConfiguration"] = {"Enabled": r.totp.get("Enabled") is True}
    if r.email is not None:
        state["EmailMfaConfiguration"] = dict(r.email)
    if r.webauthn is not None:
        state["WebAuthnConfiguration"] = dict(r.webauthn)
    return state


def _sms_block(given: Mapping[str, Any] | None, config: Mapping[str, Any]) -> dict[str, Any]:
    """The stored SmsMfaConfiguration: what was given, completed from the pool's legacy
    SmsAuthenticationMessage / SmsConfiguration (one stored value, MFA spec §9 [INF])."""
    given = given or {}
    block = {
        "SmsAuthenticationMessage": given.get("SmsAuthenticationMessage")
        or config.get("SmsAuthenticationMessage"),
        "SmsConfiguration": given.get("SmsConfiguration") or config.get("SmsConfiguration"),
    }
    return {k: v for k, v in block.items() if v}


def with_mfa_state(config: Mapping[str, Any], state: Mapping[str, Any]) -> dict[str, Any]:
    """`config` after storing `state`: MfaState replaced, MfaConfiguration mirrored, and the SMS
    block's message/configuration mirrored to the pool-level settings (MFA spec §9 [INF])."""
    out = {**config, MFA_STATE: dict(state), "MfaConfiguration": state["MfaConfiguration"]}
    sms = state.get("SmsMfaConfiguration") or {}
    for key in ("SmsAuthenticationMessage", "SmsConfiguration"):
        if sms.get(key):
            out[key] = sms[key]
    return out


# --------------------------------------------------------------------------- Create/UpdateUserPool


@dataclass(frozen=True)
class _Settings:
    """Create/UpdateUserPool settings about to be stored, with the MfaState before the call."""

    config: Mapping[str, Any]
    old_state: Mapping[str, Any]
    switches: Switches

    @property
    def mode(self) -> MfaMode:
        return _mode(self.config.get("MfaConfiguration"))


def _u1(s: _Settings) -> None:
    # U1 [OBS GH-aws-cdk-12075, GH-cfn-coverage-2221] ON/OPTIONAL needs a factor; through these calls
    # only SMS (SmsConfiguration). A factor set earlier by SetUserPoolMfaConfig also counts [INF].
    if s.mode != "OFF" and not s.config.get("SmsConfiguration") and not _has_factor(s.old_state):
        raise fail("U1")


def _u2(s: _Settings) -> None:
    # U2 [OBS CDKD] SMS_OTP first factor needs an SmsConfiguration
    if "SMS_OTP" in _first_factors(s.config) and not s.config.get("SmsConfiguration"):
        raise fail("U2")


def _u3(s: _Settings) -> None:
    # U3 [OBS GH-terraform-aws-50110] WEB_AUTHN first factor in an ON pool needs MULTI_FACTOR...
    multi = _factor_configuration(s.old_state.get("WebAuthnConfiguration")) == MULTI_FACTOR
    if s.mode == "ON" and "WEB_AUTHN" in _first_factors(s.config) and not multi:
        raise fail("U3")


def _u4(s: _Settings) -> None:
    # U4 [INF by symmetry with E6] no OTP first factors in an ON pool
    if s.mode == "ON" and _first_factors(s.config) & {"EMAIL_OTP", "SMS_OTP"}:
        raise fail("U4")


def _u5(s: _Settings) -> None:
    # U5 [OBS GH-aws-cdk-11478; trigger unclear] strict-mode switch, default off
    if not (s.switches.recovery_phone_with_sms_check and s.mode == "ON"):
        return
    sms = "SmsMfaConfiguration" in _settings_state(s)
    if sms and "verified_phone_number" in (_recovery(s.config) or ()):
        raise fail("U5")


SETTINGS_CHECKS: tuple[Callable[[_Settings], None], ...] = (_u1, _u2, _u3, _u4, _u5)


def _settings_state(s: _Settings) -> dict[str, Any]:
    """The MfaState after a Create/UpdateUserPool: OFF drops the factor blocks (only WebAuthn
    stays) [INF]; ON/OPTIONAL keeps them with the SMS block following the pool-level SMS settings,
    and a pool without any factor gets SMS from its SmsConfiguration (the legacy path, MFA spec §1
    sms_factor [INF])."""
    webauthn = s.old_state.get("WebAuthnConfiguration")
    if s.mode == "OFF":
        return {"MfaConfiguration": "OFF", **({"WebAuthnConfiguration": webauthn} if webauthn else {})}
    state = {**s.old_state, "MfaConfiguration": s.mode}
    from_pool = _sms_block(None, s.config)
    if "SmsMfaConfiguration" in state:
        state["SmsMfaConfiguration"] = {**state["SmsMfaConfiguration"], **from_pool}
    elif not _has_factor(s.old_state) and s.config.get("SmsConfiguration"):
        state["SmsMfaConfiguration"] = from_pool
    return state


def apply_pool_settings(
    config: Mapping[str, Any],
    previous: Mapping[str, Any] | None = None,
    switches: Switches = DEFAULT_SWITCHES,
) -> dict[str, Any]:
    """Create/UpdateUserPool: check U1-U5 over the settings about to be stored (`config`, with
    MfaConfiguration already resolved; `previous` is the pool's config before an update, None on
    create) and return `config` with its new MfaState (the pool-level settings stay as given)."""
    s = _Settings(config, _state(previous or {}), switches)
    for check in SETTINGS_CHECKS:
        check(s)
    return {**config, MFA_STATE: _settings_state(s)}
