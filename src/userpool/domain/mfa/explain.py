"""`userpool explain`: the MFA decision for one sign-in, with the rules that fired, what they read,
and the other model's answer when the two disagree (MFA spec §5.7 "let explain show both").

It calls `decide` itself, so the explanation cannot drift from the behaviour.
"""

from __future__ import annotations

from dataclasses import dataclass

from userpool.domain.mfa.decide import decide
from userpool.domain.mfa.model import (
    Challenge,
    Decision,
    Denial,
    FirstFactor,
    Model,
    PoolMfa,
    Step,
    UserFactors,
)
from userpool.domain.mfa.rules import RULES
from userpool.domain.mfa.switches import DEFAULT_SWITCHES, Switches

__all__ = ["Explanation", "describe_step", "explain"]


@dataclass(frozen=True)
class Explanation:
    decision: Decision
    """The answer of the model in use."""
    other: Decision
    """The other model's answer."""

    @property
    def disagree(self) -> bool:
        return self.decision.step != self.other.step

    def lines(self) -> list[str]:
        out = _decision_lines(self.decision, "in use")
        if self.disagree:
            out += _decision_lines(self.other, "disagrees")
        else:
            out.append(f"{self.other.model} model agrees ({', '.join(self.other.rules)})")
        return out


def explain(
    pool: PoolMfa,
    user: UserFactors,
    first: FirstFactor,
    *,
    device_remembered: bool = False,
    model: Model = "observed",
    switches: Switches = DEFAULT_SWITCHES,
) -> Explanation:
    other: Model = "documented" if model == "observed" else "observed"
    args = (pool, user, first)
    return Explanation(
        decision=decide(*args, device_remembered=device_remembered, model=model, switches=switches),
        other=decide(*args, device_remembered=device_remembered, model=other, switches=switches),
    )


def describe_step(step: Step) -> str:
    """One line for a step, e.g. `challenge SELECT_MFA_TYPE MFAS_CAN_CHOOSE=["SMS_MFA","EMAIL_OTP"]`."""
    if isinstance(step, Denial):
        return f"deny {step.exception}: {step.message}"
    if isinstance(step, Challenge):
        params = " ".join(f"{k}={v}" for k, v in step.parameters().items())
        return f"challenge {step.name} {params}".rstrip()
    return "tokens"


def _decision_lines(d: Decision, status: str) -> list[str]:
    out = [f"{d.model} model ({status}): {describe_step(d.step)}"]
    out += [f"  rule {r}: {RULES[r].summary} ({RULES[r].source})" for r in d.rules]
    out.append(f"  decided by {'a default' if d.by_default else 'an explicit setting'}")
    listed = ",".join(d.available) or "(none)"
    out.append(f"  A={listed} E={','.join(d.explicit) or '(none)'} P={d.preferred or '(none)'}")
    out += [f"  read {name} = {value}" for name, value in d.read]
    return out
