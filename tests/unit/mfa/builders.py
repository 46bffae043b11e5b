"""Test-data builders for the MFA decision tables (short names keep the table rows readable)."""

from __future__ import annotations

from userpool.domain.mfa import Factor, PoolMfa, UserFactors
from userpool.domain.mfa.model import MfaMode, RecoveryName

PHONE = "+15555550008"
MAIL = "user@example.com"


def pool(
    mode: MfaMode = "ON",
    factors: str = "sms totp email",
    *,
    recovery: tuple[RecoveryName, ...] | None = None,
    skip_on_device: bool = False,
) -> PoolMfa:
    """A pool whose enabled factors are named in `factors` ("sms", "totp", "email")."""
    names = factors.split()
    return PoolMfa(
        mode=mode,
        sms="sms" in names,
        totp="totp" in names,
        email="email" in names,
        recovery=recovery,
        challenge_required_on_new_device=skip_on_device,
    )


def user(
    *,
    email: bool = False,
    phone: bool = False,
    totp: bool = False,
    enabled: tuple[Factor, ...] = (),
    preferred: Factor | None = None,
    legacy_sms: bool = False,
) -> UserFactors:
    return UserFactors(
        email=MAIL if email else None,
        phone_number=PHONE if phone else None,
        totp_verified=totp,
        enabled=frozenset(enabled),
        preferred=preferred,
        legacy_sms=legacy_sms,
        preference_set=bool(enabled or preferred),
    )
