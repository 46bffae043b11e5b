"""`decide`: the next step after a first factor, under either MFA model (MFA spec §5).

The steps shared by both models come first, in the spec's order (§5.1 "Order inside one sign-in"):
the first factor (F0), pool OFF (R0), a remembered device (RD); then the chosen model decides.
Adaptive authentication (§5.5) is not an input yet: OFF and OPTIONAL pools never add MFA here.
"""

from __future__ import annotations

from userpool.domain.mfa.documented import decide_documented
from userpool.domain.mfa.factors import explicit_factors
from userpool.domain.mfa.facts import Facts
from userpool.domain.mfa.model import (
    DEVICE_SRP,
    ORDER,
    OTP_FIRST,
    PASSWORD_FIRST,
    TOKENS,
    Challenge,
    Decision,
    Factor,
    FirstFactor,
    Model,
    PoolMfa,
    UserFactors,
)
from userpool.domain.mfa.observed import decide_observed
from userpool.domain.mfa.switches import DEFAULT_SWITCHES, Switches

__all__ = ["decide", "factors_in_use"]


def decide(
    pool: PoolMfa,
    user: UserFactors,
    first: FirstFactor,
    *,
    device_remembered: bool = False,
    model: Model = "observed",
    switches: Switches = DEFAULT_SWITCHES,
) -> Decision:
    """The step after `first`: tokens, a challenge, or a denial. Pure and total: it sends nothing
    (the caller sends the SMS/email code for the challenge it receives) and never raises.

    `device_remembered`: the request carried the DEVICE_KEY of a confirmed device this user marked
    remembered (MFA spec §5.6). `model`: "observed" (R1-R9, §5.3) or "documented" (§5.7).
    """
    f = Facts.gather(pool, user, first, device_remembered=device_remembered, switches=switches, model=model)
    if not _selection_runs(pool, first, switches):  # F0 [DOC DG-MFA; OBS GH-amplify-js-12887] §5.1
        return f.fire("F0", TOKENS)
    if pool.mode == "OFF":  # R0 [DOC BM UserPoolMfaType] §5.4 row 1: adaptive cannot add MFA either
        return f.fire("R0", TOKENS)
    if device_remembered and pool.challenge_required_on_new_device:  # RD [DOC API-DEV] §5.6
        return f.fire("RD", DEVICE_SRP)
    if model == "documented":
        return decide_documented(f)
    return decide_observed(f)


def _selection_runs(pool: PoolMfa, first: FirstFactor, switches: Switches) -> bool:
    """MFA spec §5.1: password and SRP first factors (also inside CUSTOM_AUTH) are followed by MFA
    selection; passkeys, the sign-up session, refresh and plain custom auth are not; passwordless
    OTP is not either [INF Q3], unless the switch says so for OPTIONAL pools (ON pools cannot
    allow OTP first factors, E6/U4)."""
    if first in PASSWORD_FIRST:
        return True
    return first in OTP_FIRST and switches.mfa_after_passwordless and pool.mode == "OPTIONAL"


def factors_in_use(
    pool: PoolMfa, user: UserFactors, switches: Switches = DEFAULT_SWITCHES
) -> frozenset[Factor]:
    """The factors that count as "MFA activated" for account recovery (MFA spec §3.3 [INF]): the
    explicitly activated ones (with legacy SMS) plus, in an ON pool, the factor(s) a password
    sign-in would challenge (the challenged factor, or the SELECT_MFA_TYPE list)."""
    used = set(explicit_factors(user))
    if pool.mode == "ON":
        step = decide(pool, user, FirstFactor.PASSWORD, switches=switches).step
        if isinstance(step, Challenge):
            used |= set(step.can_choose) | {f for f in ORDER if f == step.name}
    return frozenset(used)
