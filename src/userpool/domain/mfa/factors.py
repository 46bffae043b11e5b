"""Which factors a user can receive, has activated, or gets by default (MFA spec §4.4, §5.2, §5.7)."""

from __future__ import annotations

from userpool.domain.mfa.model import EMAIL, SMS, TOTP, Factor, PoolMfa, UserFactors, ordered
from userpool.domain.mfa.switches import DEFAULT_SWITCHES, Switches

__all__ = [
    "attribute_factors",
    "available_factors",
    "explicit_factors",
    "implicit_factors",
    "pool_factors",
    "primary_recovery_factor",
    "usable_preference",
]


def available_factors(
    pool: PoolMfa, user: UserFactors, switches: Switches = DEFAULT_SWITCHES
) -> frozenset[Factor]:
    """A: the factors the user can receive now (MFA spec §5.2).

    Verification flags do not matter: Cognito sends to unverified values and marks them verified
    after the first successful MFA [DOC DG-SMSEMAIL]. A verified TOTP token stays usable after the
    pool turns the TOTP factor off [DOC DG-TOTP]. `switches` is accepted for a uniform signature;
    no switch changes availability today.
    """
    found: set[Factor] = set()
    if pool.sms and user.phone_number:
        found.add(SMS)
    if pool.email and user.email:
        found.add(EMAIL)
    if user.totp_verified:
        found.add(TOTP)
    return frozenset(found)


def explicit_factors(user: UserFactors) -> frozenset[Factor]:
    """Factors the user turned on: SetUserMFAPreference, plus legacy SetUserSettings SMS (§4.3)."""
    return user.enabled | ({SMS} if user.legacy_sms else set())


def implicit_factors(pool: PoolMfa, user: UserFactors) -> frozenset[Factor]:
    """Factors active without an explicit enable (MFA spec §4.4): in an ON pool every available
    factor not explicitly enabled (SMS with a phone, email with an email, a verified TOTP token)
    [OBS GH-amplify-js-11258, SEED ※1, GH-amplify-js-4646]; none in OPTIONAL or OFF pools [DOC BM]."""
    if pool.mode != "ON":
        return frozenset()
    return available_factors(pool, user) - explicit_factors(user)


def usable_preference(pool: PoolMfa, user: UserFactors) -> Factor | None:
    """P: the preferred factor when the user can receive it (MFA spec §5.3)."""
    if user.preferred in available_factors(pool, user):
        return user.preferred
    return None


def pool_factors(pool: PoolMfa) -> tuple[Factor, ...]:
    """The factors the pool enables, in list order (`MFAS_CAN_SETUP`, §5.3 `pool_enabled_factors`)."""
    enabled = {SMS: pool.sms, TOTP: pool.totp, EMAIL: pool.email}
    return ordered(f for f, on in enabled.items() if on)


def attribute_factors(user: UserFactors) -> frozenset[Factor]:
    """SMS/email by the attributes alone, whatever the pool enables (Model DG items 4-6)."""
    found: set[Factor] = set()
    if user.phone_number:
        found.add(SMS)
    if user.email:
        found.add(EMAIL)
    return frozenset(found)


def primary_recovery_factor(pool: PoolMfa) -> Factor | None:
    """The factor whose attribute is the pool's primary account-recovery channel (MFA spec §5.7):
    the Priority 1 mechanism; none for `admin_only` or without an AccountRecoverySetting [INF]."""
    if not pool.recovery:
        return None
    return {"verified_email": EMAIL, "verified_phone_number": SMS}.get(pool.recovery[0])
