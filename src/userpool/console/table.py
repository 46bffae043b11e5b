"""The pool's MFA decision table: for the pool's current MFA settings, every user state that
matters to the decision (email and phone attributes, a registered TOTP token, the explicitly
enabled factors, the preferred one) with the challenge a password sign-in gets, in the layout of
the seed article's tables. Every outcome is `decide`'s own, through `explain` (MFA spec §5), for both models.

A state (Admin)SetUserMFAPreference would refuse to create now (e.g. SMS enabled without a phone)
still happens when an attribute is removed later; such rows are left out unless asked for, and
carry the API's refusal."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass
from itertools import combinations, product

from userpool.api.errors import CognitoError
from userpool.domain.mfa import (
    EMAIL,
    ORDER,
    SETTINGS_BLOCKS,
    SMS,
    TOTP,
    Challenge,
    Decision,
    Denial,
    Factor,
    FirstFactor,
    Model,
    PoolMfa,
    Step,
    Switches,
    UserFactors,
    check_mfa_preference,
    explain,
)

SAMPLE_EMAIL = "user@example.com"
SAMPLE_PHONE = "+15555550100"
LABELS: dict[str, str] = {SMS: "SMS", TOTP: "TOTP", EMAIL: "Email"}


def label(factor: str | None) -> str:
    return "-" if factor is None else LABELS.get(factor, factor)


@dataclass(frozen=True)
class UserState:
    email: bool
    phone: bool
    totp: bool
    """A verified software token (an authenticator app) is registered."""
    enabled: tuple[Factor, ...]
    preferred: Factor | None

    def factors(self) -> UserFactors:
        return UserFactors(
            email=SAMPLE_EMAIL if self.email else None,
            phone_number=SAMPLE_PHONE if self.phone else None,
            enabled=frozenset(self.enabled),
            preferred=self.preferred,
            totp_verified=self.totp,
            preference_set=bool(self.enabled),
        )

    def preference_request(self) -> dict[str, dict[str, bool]]:
        """The AdminSetUserMFAPreference blocks that set this state up."""
        return {
            SETTINGS_BLOCKS[f]: {"Enabled": True, "PreferredMfa": f == self.preferred} for f in self.enabled
        }


@dataclass(frozen=True)
class Row:
    state: UserState
    decision: Decision
    """The answer of the model the server runs."""
    other: Decision
    refused: str | None = None
    """The message (Admin)SetUserMFAPreference answers when asked to set this state up now."""

    @property
    def disagree(self) -> bool:
        return self.decision.step != self.other.step


def user_states() -> Iterator[UserState]:
    """Attributes x token x enabled subsets (in list order) x preferred (none or an enabled one)."""
    for email, phone, totp in product((True, False), repeat=3):
        for size in range(len(ORDER) + 1):
            for enabled in combinations(ORDER, size):
                for preferred in (None, *enabled):
                    yield UserState(email, phone, totp, enabled, preferred)


def refusal(pool: PoolMfa, state: UserState) -> str | None:
    """Why the API would not set `state` up for a user with these attributes and token, or None."""
    bare = UserFactors(
        email=SAMPLE_EMAIL if state.email else None,
        phone_number=SAMPLE_PHONE if state.phone else None,
        totp_verified=state.totp,
    )
    try:
        check_mfa_preference(pool, bare, state.preference_request())
    except CognitoError as err:
        return err.message
    return None


def build(pool: PoolMfa, *, model: Model, switches: Switches, include_refused: bool = False) -> list[Row]:
    rows = []
    for state in user_states():
        refused = refusal(pool, state)
        if refused is not None and not include_refused:
            continue
        both = explain(pool, state.factors(), FirstFactor.PASSWORD, model=model, switches=switches)
        rows.append(Row(state, both.decision, both.other, refused))
    return rows


def outcome(step: Step) -> str:
    """A short reading of a step: `Email code`, `choose: SMS, TOTP`, `set up: TOTP`, ..."""
    if isinstance(step, Denial):
        return f"sign-in refused ({step.exception})"
    if not isinstance(step, Challenge):
        return "no MFA (tokens)"
    if step.name == "SELECT_MFA_TYPE":
        return "choose: " + ", ".join(label(f) for f in step.can_choose)
    if step.name == "MFA_SETUP":
        return "set up: " + ", ".join(label(f) for f in step.can_setup)
    if step.name == "DEVICE_SRP_AUTH":
        return "remembered device"
    return f"{label(step.name)} code"


def _yes(flag: bool) -> str:
    return "yes" if flag else "no"


CSV_HEADER = (
    "email attribute",
    "phone_number attribute",
    "TOTP registered",
    "SMS enabled",
    "TOTP enabled",
    "Email enabled",
    "preferred",
    "next sign-in",
    "challenge",
    "rules",
    "by default",
    "other model",
    "other model rules",
    "refused by the API",
)


def csv_row(row: Row) -> list[str]:
    s, d, o = row.state, row.decision, row.other
    on = ["ON" if f in s.enabled else "OFF" for f in ORDER]
    step_name = d.step.name if isinstance(d.step, Challenge) else type(d.step).__name__.upper()
    return [
        *(_yes(v) for v in (s.email, s.phone, s.totp)),
        *on,
        label(s.preferred),
        outcome(d.step),
        step_name,
        " ".join(d.rules),
        _yes(d.by_default),
        outcome(o.step) if row.disagree else "same",
        " ".join(o.rules) if row.disagree else "",
        row.refused or "",
    ]


def to_csv(rows: list[Row]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CSV_HEADER)
    writer.writerows(csv_row(r) for r in rows)
    return out.getvalue()
