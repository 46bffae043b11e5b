"""`userpool explain`: which challenge a user's next password sign-in would get, and why.

It loads the pool and the user and calls the same decision function as the server (ARCHITECTURE
"The MFA decision"), so the explanation cannot drift from the behaviour.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from userpool.api.context import Context
from userpool.clock import SystemClock
from userpool.domain.mfa import FirstFactor, describe_step, explain, pool_mfa, user_factors
from userpool.domain.mfa.explain import Explanation
from userpool.domain.mfa.rules import RULES
from userpool.ops.common import require_pool, require_user
from userpool.settings import Settings

DEFAULT_WARNING = (
    "warning: the outcome rests on a default, not an explicit setting; set the user's enabled "
    "factors and the preferred one explicitly (AdminSetUserMFAPreference) to pin it down."
)


def explain_user(conn: sa.Connection, settings: Settings, pool_id: str, username: str) -> Explanation:
    ctx = Context(conn=conn, clock=SystemClock(), settings=settings, region=None)
    pool = require_pool(ctx, pool_id)
    user = require_user(ctx, pool, username)
    return explain(
        pool_mfa(pool.config),
        user_factors(user.attributes, user.mfa),
        FirstFactor.PASSWORD,
        model=settings.mfa_model,
        switches=settings.switches,
    )


def as_json(found: Explanation) -> dict[str, Any]:
    def decision(d: Any) -> dict[str, Any]:
        return {
            "model": d.model,
            "outcome": describe_step(d.step),
            "rules": [{"id": r, "summary": RULES[r].summary, "source": RULES[r].source} for r in d.rules],
            "read": dict(d.read),
            "byDefault": d.by_default,
            "available": list(d.available),
            "explicit": list(d.explicit),
            "preferred": d.preferred,
        }

    return {
        "decision": decision(found.decision),
        "otherModel": decision(found.other),
        "modelsDisagree": found.disagree,
        "warning": DEFAULT_WARNING if found.decision.by_default else None,
    }


def as_text(found: Explanation) -> str:
    lines = found.lines()
    if found.decision.by_default:
        lines.append(DEFAULT_WARNING)
    return "\n".join(lines)
