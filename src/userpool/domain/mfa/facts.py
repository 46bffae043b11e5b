"""What the MFA rules look at: the inputs plus A / E / P (MFA spec §5.3), and how a rule's firing
becomes a `Decision` that records the rule id and the settings it read."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from userpool.domain.mfa.factors import available_factors, explicit_factors, pool_factors, usable_preference
from userpool.domain.mfa.model import (
    Decision,
    Factor,
    FirstFactor,
    Model,
    PoolMfa,
    Step,
    UserFactors,
    ordered,
)
from userpool.domain.mfa.rules import RULES
from userpool.domain.mfa.switches import Switches

__all__ = ["Facts"]


@dataclass(frozen=True)
class Facts:
    pool: PoolMfa
    user: UserFactors
    first: FirstFactor
    device_remembered: bool
    switches: Switches
    model: Model
    available: frozenset[Factor]
    """A (§5.2)."""
    explicit: frozenset[Factor]
    """E = explicitly activated ∩ A."""
    preferred: Factor | None
    """P = the preferred factor if it is in A."""

    @classmethod
    def gather(
        cls,
        pool: PoolMfa,
        user: UserFactors,
        first: FirstFactor,
        *,
        device_remembered: bool,
        switches: Switches,
        model: Model,
    ) -> Facts:
        available = available_factors(pool, user, switches)
        return cls(
            pool=pool,
            user=user,
            first=first,
            device_remembered=device_remembered,
            switches=switches,
            model=model,
            available=available,
            explicit=explicit_factors(user) & available,
            preferred=usable_preference(pool, user),
        )

    @property
    def preference_lost(self) -> bool:
        """The user prefers a factor they can no longer receive (§5.3 last bullet, Q9)."""
        return self.user.preferred is not None and self.preferred is None

    def fire(self, rule: str, step: Step, *, by_default: bool = False) -> Decision:
        """The decision `rule` makes: `step`, with what the rule read."""
        return Decision(
            step=step,
            model=self.model,
            rules=(rule,),
            read=tuple((name, _read(name, self)) for name in RULES[rule].reads),
            by_default=by_default,
            available=ordered(self.available),
            explicit=ordered(self.explicit),
            preferred=self.preferred,
        )


def _present(value: str | None) -> str:
    return value if value else "(none)"


def _listed(factors: tuple[str, ...]) -> str:
    return ",".join(factors) if factors else "(none)"


def _software_token(f: Facts) -> str:
    if f.user.totp_verified:
        return "verified"
    return "pending" if f.user.totp_pending else "(none)"


def _recovery(f: Facts) -> str:
    if f.pool.recovery is None:
        return "(absent: legacy order)"
    return _listed(f.pool.recovery)


_READERS: dict[str, Callable[[Facts], str]] = {
    "first_factor": lambda f: str(f.first),
    "MfaConfiguration": lambda f: f.pool.mode,
    "pool.factors": lambda f: _listed(pool_factors(f.pool)),
    "ChallengeRequiredOnNewDevice": lambda f: str(f.pool.challenge_required_on_new_device),
    "device_remembered": lambda f: str(f.device_remembered),
    "AccountRecoverySetting": _recovery,
    "user.email": lambda f: _present(f.user.email),
    "user.phone_number": lambda f: _present(f.user.phone_number),
    "user.software_token": _software_token,
    "UserMFASettingList": lambda f: _listed(ordered(f.user.enabled)),
    "PreferredMfaSetting": lambda f: _present(f.user.preferred),
    "MFAOptions": lambda f: "SMS/phone_number" if f.user.legacy_sms else "(none)",
}


def _read(name: str, f: Facts) -> str:
    if name.startswith("switch."):
        return str(getattr(f.switches, name.removeprefix("switch.")))
    return _READERS[name](f)
