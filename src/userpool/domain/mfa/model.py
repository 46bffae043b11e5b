"""The MFA decision's inputs and results (MFA spec §1 state model, §5 selection, §6.2 challenges).

Inputs are frozen snapshots the caller builds from storage (`pool_mfa`, `user_factors`); the
result is a `Decision` whose `step` is a closed union: `Tokens`, a `Challenge`, or a `Denial`.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum
from typing import Literal, TypeAlias

Factor = Literal["SMS_MFA", "SOFTWARE_TOKEN_MFA", "EMAIL_OTP"]
SMS: Factor = "SMS_MFA"
TOTP: Factor = "SOFTWARE_TOKEN_MFA"
EMAIL: Factor = "EMAIL_OTP"
# List order inside MFAS_CAN_CHOOSE / MFAS_CAN_SETUP / UserMFASettingList [INF MFA spec §4.5, §5.3].
ORDER: tuple[Factor, ...] = (SMS, TOTP, EMAIL)

MfaMode = Literal["OFF", "ON", "OPTIONAL"]
Tier = Literal["LITE", "ESSENTIALS", "PLUS"]
RecoveryName = Literal["verified_email", "verified_phone_number", "admin_only"]
Model = Literal["observed", "documented"]
ChallengeName = Literal[
    "SMS_MFA", "SOFTWARE_TOKEN_MFA", "EMAIL_OTP", "SELECT_MFA_TYPE", "MFA_SETUP", "DEVICE_SRP_AUTH"
]


def ordered(factors: Iterable[Factor]) -> tuple[Factor, ...]:
    """`factors` in the wire's list order (`ORDER`), without duplicates."""
    chosen = set(factors)
    return tuple(f for f in ORDER if f in chosen)


class FirstFactor(StrEnum):
    """What the user proved before MFA selection (MFA spec §5.1)."""

    PASSWORD = "PASSWORD"  # noqa: S105 (a factor name)
    """USER_PASSWORD_AUTH, ADMIN_USER_PASSWORD_AUTH, ADMIN_NO_SRP_AUTH, USER_AUTH + PASSWORD."""
    SRP = "SRP"
    """USER_SRP_AUTH or USER_AUTH + PASSWORD_SRP, after PASSWORD_VERIFIER."""
    CUSTOM_SRP = "CUSTOM_SRP"
    """CUSTOM_AUTH that started with SRP_A, after PASSWORD_VERIFIER."""
    CUSTOM = "CUSTOM"
    """CUSTOM_AUTH without SRP: DefineAuthChallenge decides, no built-in MFA."""
    EMAIL_OTP = "EMAIL_OTP"
    """USER_AUTH passwordless email code."""
    SMS_OTP = "SMS_OTP"
    """USER_AUTH passwordless SMS code."""
    WEB_AUTHN = "WEB_AUTHN"
    """USER_AUTH passkey."""
    SIGN_UP_SESSION = "SIGN_UP_SESSION"
    """USER_AUTH with the Session ConfirmSignUp returned."""
    REFRESH_TOKEN = "REFRESH_TOKEN"  # noqa: S105 (a flow name)
    """REFRESH_TOKEN_AUTH / REFRESH_TOKEN."""


PASSWORD_FIRST = frozenset({FirstFactor.PASSWORD, FirstFactor.SRP, FirstFactor.CUSTOM_SRP})
OTP_FIRST = frozenset({FirstFactor.EMAIL_OTP, FirstFactor.SMS_OTP})


@dataclass(frozen=True)
class PoolMfa:
    """A pool's MFA-relevant settings (MFA spec §1); build it with `pool_mfa(config)`."""

    mode: MfaMode = "OFF"
    sms: bool = False
    """SMS factor configured (SmsMfaConfiguration, or the legacy Create/UpdateUserPool path)."""
    totp: bool = False
    """SoftwareTokenMfaConfiguration.Enabled."""
    email: bool = False
    """EmailMfaConfiguration configured."""
    recovery: tuple[RecoveryName, ...] | None = None
    """AccountRecoverySetting mechanisms by priority (1 first); None when the setting is absent."""
    tier: Tier = "ESSENTIALS"
    challenge_required_on_new_device: bool = False
    """DeviceConfiguration.ChallengeRequiredOnNewDevice: a remembered device skips MFA (§5.6)."""
    webauthn_multi_factor: bool = False
    """WebAuthnConfiguration.FactorConfiguration == MULTI_FACTOR_WITH_USER_VERIFICATION."""


@dataclass(frozen=True)
class UserFactors:
    """A user's MFA-relevant state (MFA spec §1); build it with `user_factors(attributes, record)`."""

    email: str | None = None
    email_verified: bool = False
    phone_number: str | None = None
    phone_number_verified: bool = False
    enabled: frozenset[Factor] = frozenset()
    """Turned on by (Admin)SetUserMFAPreference (reported as UserMFASettingList)."""
    disabled: frozenset[Factor] = frozenset()
    """Turned off explicitly with `Enabled: false` (matters for MFAOptions, §4.5)."""
    preferred: Factor | None = None
    legacy_sms: bool = False
    """(Admin)SetUserSettings MFAOptions SMS/phone_number (§4.3)."""
    totp_verified: bool = False
    totp_pending: bool = False
    """A software token was associated and not (yet) verified."""
    preference_set: bool = False
    """A (Admin)SetUserMFAPreference call happened: the report keys may appear (§4.5)."""
    webauthn_mfa: bool = False
    """WebAuthnMfaSettings.Enabled."""


@dataclass(frozen=True)
class Delivery:
    """Where a code challenge's code goes."""

    medium: Literal["SMS", "EMAIL"]
    attribute: Literal["phone_number", "email"]


DELIVERY: dict[Factor, Delivery] = {
    SMS: Delivery("SMS", "phone_number"),
    EMAIL: Delivery("EMAIL", "email"),
}


@dataclass(frozen=True)
class Tokens:
    """No (further) challenge: issue tokens."""


@dataclass(frozen=True)
class Challenge:
    """The next challenge. The caller sends the SMS/email code and adds the parameters that need
    the user or storage: USER_ID_FOR_SRP, CODE_DELIVERY_DESTINATION, FRIENDLY_DEVICE_NAME (§6.2)."""

    name: ChallengeName
    can_choose: tuple[Factor, ...] = ()
    can_setup: tuple[Factor, ...] = ()
    delivery: Delivery | None = None

    def parameters(self) -> dict[str, str]:
        """The ChallengeParameters this decision fixes; lists are JSON inside a string (§0.3)."""
        out: dict[str, str] = {}
        if self.name == "SELECT_MFA_TYPE":
            out["MFAS_CAN_CHOOSE"] = json.dumps(list(self.can_choose), separators=(",", ":"))
        if self.name == "MFA_SETUP":
            out["MFAS_CAN_SETUP"] = json.dumps(list(self.can_setup), separators=(",", ":"))
        if self.delivery is not None:
            out["CODE_DELIVERY_DELIVERY_MEDIUM"] = self.delivery.medium
        return out


@dataclass(frozen=True)
class Denial:
    """The sign-in is refused with this error.

    `MFAMethodNotFoundException` is declared by AdminInitiateAuth and (Admin)RespondToAuthChallenge
    only; InitiateAuth answers NotAuthorizedException with the same message (MFA spec §0.3, §11.1).
    """

    exception: str
    message: str


Step: TypeAlias = Tokens | Challenge | Denial

TOKENS = Tokens()
DEVICE_SRP = Challenge("DEVICE_SRP_AUTH")
METHOD_NOT_FOUND_MESSAGE = "Cognito can't find an MFA method for the user."  # [INF] BM error doc
METHOD_NOT_FOUND = Denial("MFAMethodNotFoundException", METHOD_NOT_FOUND_MESSAGE)


def challenge(factor: Factor) -> Challenge:
    """The challenge that asks for `factor`'s code (§6.2)."""
    return Challenge(factor, delivery=DELIVERY.get(factor))


def select(factors: Iterable[Factor]) -> Challenge:
    return Challenge("SELECT_MFA_TYPE", can_choose=ordered(factors))


def setup(factors: Iterable[Factor]) -> Challenge:
    return Challenge("MFA_SETUP", can_setup=ordered(factors))


@dataclass(frozen=True)
class Decision:
    """What `decide` concluded, and why (this is what `userpool explain` prints)."""

    step: Step
    model: Model
    rules: tuple[str, ...]
    """Spec rule ids that fired, e.g. ("R3",); see `RULES`."""
    read: tuple[tuple[str, str], ...]
    """The settings those rules read, as (name, value)."""
    by_default: bool
    """True when a default (implicit factor, precedence, absence of a setting) decided it."""
    available: tuple[Factor, ...] = ()
    """A: factors the user can receive (§5.2)."""
    explicit: tuple[Factor, ...] = ()
    """E: explicitly activated factors that are available."""
    preferred: Factor | None = None
    """P: the usable preferred factor."""
