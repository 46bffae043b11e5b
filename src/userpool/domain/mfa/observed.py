"""The observed model: rules R1-R9 of MFA spec §5.3 (pseudocode) and §5.4 (decision table).

`decide` has already handled the first factor (F0), pool OFF (R0) and remembered devices (RD);
this is the part after `device_can_skip_mfa` in the spec's `select_mfa`. A = available factors,
E = explicitly activated ∩ A, P = usable preferred factor.
"""

from __future__ import annotations

from userpool.domain.mfa.factors import pool_factors
from userpool.domain.mfa.facts import Facts
from userpool.domain.mfa.model import (
    EMAIL,
    METHOD_NOT_FOUND,
    TOKENS,
    Decision,
    Factor,
    challenge,
    select,
    setup,
)

__all__ = ["decide_observed"]


def decide_observed(f: Facts) -> Decision:
    """R1-R9 for an ON or OPTIONAL pool."""
    if f.preferred is not None:  # R1 [DOC BM SetUserMFAPreference] preferred wins
        return f.fire("R1", challenge(f.preferred))
    if len(f.explicit) >= 2:  # R2 [DOC BM] several activated, no preference -> choose
        return f.fire("R2", select(_r2_choices(f)))
    if f.pool.mode == "ON":
        return _required(f)
    return _optional(f)


def _required(f: Facts) -> Decision:
    """MfaConfiguration ON: R3-R7."""
    # R3 [OBS SEED T1-1, T1-5; RP-EMAIL; SEED cites DG-ASF-EMAIL] email precedence, before R4;
    # the switch is MFA spec Q1. A default decided it unless email was itself activated.
    if f.switches.email_precedence and EMAIL in f.available:
        return f.fire("R3", challenge(EMAIL), by_default=EMAIL not in f.explicit)
    if len(f.explicit) == 1:  # R4 [OBS SEED T2-3] the one explicitly activated factor
        return f.fire("R4", challenge(_only(f.explicit)))
    if len(f.available) == 1:  # R5 [OBS GH-amplify-js-11258, SEED T2-1] the one implicit factor
        return f.fire("R5", challenge(_only(f.available)), by_default=True)
    if len(f.available) >= 2:  # R6 [OBS GH-amplify-js-4646] several implicit factors -> choose
        return _several_implicit(f)
    if f.preference_lost and f.switches.preferred_unusable_denies:  # R1b [INF] spec §5.3, Q9
        return f.fire("R1b", METHOD_NOT_FOUND)
    return _nothing_usable(f)


def _optional(f: Facts) -> Decision:
    """MfaConfiguration OPTIONAL: R8, R9."""
    if len(f.explicit) == 1:  # R8 [DOC BM] the one explicitly activated factor
        return f.fire("R8", challenge(_only(f.explicit)))
    if f.preference_lost and f.switches.preferred_unusable_denies:  # R1b [INF] spec §5.3, Q9
        return f.fire("R1b", METHOD_NOT_FOUND)
    # R9 [DOC BM MfaConfiguration] no MFA (adaptive authentication, §5.5, is not modelled here)
    return f.fire("R9", TOKENS, by_default=True)


def _r2_choices(f: Facts) -> frozenset[Factor]:
    """R2's MFAS_CAN_CHOOSE: E; with the Q2 switch also an implicit email in an ON pool [INF]."""
    if f.switches.choose_includes_implicit_email and f.pool.mode == "ON" and EMAIL in f.available:
        return f.explicit | {EMAIL}
    return f.explicit


def _several_implicit(f: Facts) -> Decision:
    """R6; the refusal is the literal reading of seed row 2-2 "NG" (MFA spec §10, Q10)."""
    if f.switches.several_implicit == "MFA_METHOD_NOT_FOUND":
        return f.fire("R6", METHOD_NOT_FOUND, by_default=True)
    return f.fire("R6", select(f.available), by_default=True)


def _nothing_usable(f: Facts) -> Decision:
    """R7 [DOC BM ChallengeName MFA_SETUP]: set up one of the pool's factors. A pool with no factor
    at all (E3 makes it unreachable through the API) cannot offer one: refused [INF]."""
    factors = pool_factors(f.pool)
    if not factors:
        return f.fire("R7", METHOD_NOT_FOUND, by_default=True)
    return f.fire("R7", setup(factors), by_default=True)


def _only(factors: frozenset[Factor]) -> Factor:
    (factor,) = factors
    return factor
