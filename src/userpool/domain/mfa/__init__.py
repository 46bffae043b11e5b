"""The MFA decision and the MFA configuration rules, pure (MFA spec §2, §4, §5; ARCHITECTURE "The MFA
decision").

* `decide(pool, user, first, *, device_remembered, model, switches) -> Decision`: after a first
  factor, tokens / a challenge / a denial, with the rule ids that fired and what they read.
  Two models: "observed" (R1-R9, §5.3, default) and "documented" (Model DG, §5.7).
* `explain(...)`: both models' answers for `userpool explain`.
* Inputs: `pool_mfa(config) -> PoolMfa`, `user_factors(attributes, record) -> UserFactors`.
* Helpers for the operations: `available_factors` (§5.2), `implicit_factors` (§4.4),
  `mfa_report` (§4.5), `check_mfa_preference` / `apply_mfa_preference` (§4.1-§4.2),
  `apply_pool_mfa_config` (SetUserPoolMfaConfig E1-E10, §2.2-§2.3), `apply_pool_settings`
  (Create/UpdateUserPool U1-U5), `factor_prerequisites` (the E rules a factor still fails),
  `select_answer`, `factors_in_use` (§3.3).
* `Switches`: the contested rules of §12 (table in `userpool.domain.mfa.switches`).
"""

from __future__ import annotations

from userpool.domain.mfa.decide import decide, factors_in_use
from userpool.domain.mfa.explain import Explanation, describe_step, explain
from userpool.domain.mfa.factors import (
    available_factors,
    explicit_factors,
    implicit_factors,
    pool_factors,
    primary_recovery_factor,
    usable_preference,
)
from userpool.domain.mfa.messages import MESSAGES
from userpool.domain.mfa.model import (
    EMAIL,
    ORDER,
    SMS,
    TOTP,
    Challenge,
    Decision,
    Delivery,
    Denial,
    Factor,
    FirstFactor,
    MfaMode,
    Model,
    PoolMfa,
    Step,
    Tokens,
    UserFactors,
)
from userpool.domain.mfa.pool_config import (
    MFA_STATE,
    apply_pool_mfa_config,
    apply_pool_settings,
    factor_prerequisites,
    pool_mfa,
    with_mfa_state,
)
from userpool.domain.mfa.rules import RULES, Rule
from userpool.domain.mfa.switches import Switches
from userpool.domain.mfa.user_settings import (
    SETTINGS_BLOCKS,
    apply_mfa_preference,
    check_mfa_preference,
    factors_record,
    mfa_report,
    pool_off_clears_users,
    select_answer,
    user_after_pool_off,
    user_factors,
)

__all__ = [
    "EMAIL",
    "MESSAGES",
    "MFA_STATE",
    "ORDER",
    "RULES",
    "SETTINGS_BLOCKS",
    "SMS",
    "TOTP",
    "Challenge",
    "Decision",
    "Delivery",
    "Denial",
    "Explanation",
    "Factor",
    "FirstFactor",
    "MfaMode",
    "Model",
    "PoolMfa",
    "Rule",
    "Step",
    "Switches",
    "Tokens",
    "UserFactors",
    "apply_mfa_preference",
    "apply_pool_mfa_config",
    "apply_pool_settings",
    "available_factors",
    "check_mfa_preference",
    "decide",
    "describe_step",
    "explain",
    "explicit_factors",
    "factor_prerequisites",
    "factors_in_use",
    "factors_record",
    "implicit_factors",
    "mfa_report",
    "pool_factors",
    "pool_mfa",
    "pool_off_clears_users",
    "primary_recovery_factor",
    "select_answer",
    "usable_preference",
    "user_after_pool_off",
    "user_factors",
    "with_mfa_state",
]
