"""The documented model ("Model DG"): the Developer Guide's "Details of MFA logic at user runtime",
as paraphrased in MFA spec §5.7 items 1-6 [DOC DG-MFA; INF reading].

It differs from the observed model mainly in excluding the factor whose attribute is the pool's
primary account-recovery channel, and in never letting email take precedence by itself.
`decide` has already handled the first factor, pool OFF and remembered devices.
"""

from __future__ import annotations

from userpool.domain.mfa.factors import attribute_factors, pool_factors, primary_recovery_factor
from userpool.domain.mfa.facts import Facts
from userpool.domain.mfa.model import (
    EMAIL,
    METHOD_NOT_FOUND,
    SMS,
    TOKENS,
    TOTP,
    Decision,
    Factor,
    challenge,
    select,
    setup,
)

__all__ = ["decide_documented"]


def decide_documented(f: Facts) -> Decision:
    """Model DG for an ON or OPTIONAL pool."""
    if f.preferred is not None and f.preferred in f.explicit:  # DG2 enabled and preferred -> it
        return f.fire("DG2", challenge(f.preferred))
    if f.pool.mode == "OPTIONAL":
        return _optional(f)
    if f.user.totp_verified:  # DG3 TOTP registered (even if the pool later disabled TOTP)
        return _choose(f, "DG3", {TOTP} | _delivery_eligible(f, f.available))
    attributes = attribute_factors(f.user)
    if len(attributes) == 1:  # DG4 no TOTP, exactly one of email / phone_number
        return _one_attribute(f, next(iter(attributes)))
    if len(attributes) == 2:  # DG5 no TOTP, both attributes
        return _both_attributes(f)
    return _nothing(f)  # DG6 neither attribute nor TOTP


def _optional(f: Facts) -> Decision:
    """DG1: OPTIONAL pools challenge only a user with a registered TOTP token (or a preferred factor,
    handled by DG2). The TOTP user's SMS/email choices are the explicitly activated ones, since an
    OPTIONAL pool has no implicit factors (MFA spec §4.4) [INF]."""
    if f.user.totp_verified:
        return _choose(f, "DG1", {TOTP} | _delivery_eligible(f, f.explicit))
    return f.fire("DG1", TOKENS, by_default=True)


def _delivery_eligible(f: Facts, candidates: frozenset[Factor]) -> frozenset[Factor]:
    """SMS/email among `candidates` whose attribute is not the primary recovery channel (DG3)."""
    return (candidates & {SMS, EMAIL}) - {primary_recovery_factor(f.pool)}


def _choose(f: Facts, rule: str, eligible: frozenset[Factor] | set[Factor]) -> Decision:
    """One eligible factor -> its challenge; several -> SELECT_MFA_TYPE (DG3 wording)."""
    if len(eligible) == 1:
        return f.fire(rule, challenge(next(iter(eligible))), by_default=True)
    return f.fire(rule, select(eligible), by_default=True)


def _one_attribute(f: Facts, factor: Factor) -> Decision:
    """DG4: the primary recovery channel cannot be the MFA factor; else its factor if the pool has
    it; else TOTP setup if the pool has TOTP; else the sign-in fails."""
    if factor == primary_recovery_factor(f.pool):
        return f.fire("DG4a", METHOD_NOT_FOUND, by_default=True)
    if factor in f.available:
        return f.fire("DG4b", challenge(factor), by_default=True)
    return _totp_setup_or_fail(f)


def _both_attributes(f: Facts) -> Decision:
    """DG5: drop the primary recovery channel (none with admin_only / no setting), keep the factors
    the pool enables [INF: the page assumes both are enabled]; fall back as DG4 when none is left."""
    left = _delivery_eligible(f, f.available)
    if left:
        return _choose(f, "DG5", left)
    return _totp_setup_or_fail(f)


def _totp_setup_or_fail(f: Facts) -> Decision:
    if f.pool.totp:
        return f.fire("DG4c", setup([TOTP]), by_default=True)
    return f.fire("DG4d", METHOD_NOT_FOUND, by_default=True)


def _nothing(f: Facts) -> Decision:
    """DG6: MFA_SETUP with the pool's factors minus the primary recovery option; refused when that
    leaves nothing to set up [INF]."""
    factors = [x for x in pool_factors(f.pool) if x != primary_recovery_factor(f.pool)]
    if not factors:
        return f.fire("DG6", METHOD_NOT_FOUND, by_default=True)
    return f.fire("DG6", setup(factors), by_default=True)
