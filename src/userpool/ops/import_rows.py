"""User import rows: the CSV header of a pool, and one CSV line -> a new RESET_REQUIRED user or the
reason it is not imported ([DOC DG-IMPORT]: the developer guide's "Creating the user import CSV
file" and "Viewing the user pool import results"; texts marked [INF] are ours).

A line is checked alone first (`check_row`), then a batch of checked lines against each other and
the pool's users (`screen_batch`), so a batch is inserted in a few statements.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from typing import Any

import regex

from userpool.api.context import Context
from userpool.api.errors import CognitoError
from userpool.api.model import service_model
from userpool.domain.attributes import missing_required, required_message
from userpool.domain.mfa import pool_mfa
from userpool.ops.common import alias_attributes, alias_resolves, case_sensitive
from userpool.ops.userwrite import new_user, schema_of
from userpool.store import imports as store
from userpool.store import users
from userpool.store.pools import Pool
from userpool.store.users import User

USERNAME = "cognito:username"
MFA_ENABLED = "cognito:mfa_enabled"
FAILED = "FAILED"
SKIPPED = "SKIPPED"
# [DOC DG-IMPORT] CloudWatch line `[SKIPPED] Line Number 5956 - The user already exists.`
ALREADY_EXISTS = "The user already exists."
# [OBS GH-aws-solutions/cognito-user-profiles-export-reference-architecture-58] (2024; the guide
# has "...attributes to true.").
NOT_AUTO_VERIFIED = (
    "The User Record does not set any of the auto verified attributes to verified. "
    "(Example: email_verified to true)."
)
CHANNELS = ("email", "phone_number")


@cache
def _username_pattern() -> Any:
    """BM UsernameType: letters, marks, symbols, numbers, punctuation; [DOC DG-IMPORT] no spaces."""
    return regex.compile(service_model().shape_for("UsernameType").metadata["pattern"])


def csv_header(pool: Pool) -> list[str]:
    """GetCSVHeader [DOC DG-IMPORT sample]: every schema attribute but `sub` (standard ones, then
    custom ones [INF order]), then `cognito:mfa_enabled` and `cognito:username`."""
    names = [entry["Name"] for entry in schema_of(pool) if entry["Name"] != "sub"]
    return [*names, MFA_ENABLED, USERNAME]


def header_problem(pool: Pool, columns: Sequence[str]) -> str | None:
    """Why a header line cannot be imported, or None. [DOC DG-IMPORT]: the columns are those of
    GetCSVHeader, all present, in any order. The text becomes the CompletionMessage (<= 128)."""
    expected = csv_header(pool)
    repeated = sorted({c for c in columns if columns.count(c) > 1})
    unknown = [c for c in columns if c not in expected]
    missing = [c for c in expected if c not in columns]
    for problem, names in (("repeats", repeated), ("has unknown", unknown), ("lacks", missing)):
        if names:
            return _shortened(f"The CSV header {problem} columns: {', '.join(names)}.")
    return None


def _shortened(message: str, limit: int = 128) -> str:
    return message if len(message) <= limit else message[: limit - 3] + "..."


class Rejected(Exception):
    """A line that is not imported: FAILED or SKIPPED, and why."""

    def __init__(self, outcome: str, reason: str) -> None:
        super().__init__(reason)
        self.outcome = outcome
        self.reason = reason


@dataclass(frozen=True)
class Rules:
    """What every line of one job is checked against (the pool, read once per job)."""

    pool: Pool
    columns: tuple[str, ...]
    mfa_mode: str
    auto_verified: tuple[str, ...]
    # The schema's required entries only (each line is checked against them).
    required: tuple[Mapping[str, Any], ...]

    @classmethod
    def of(cls, pool: Pool, columns: Sequence[str]) -> Rules:
        auto = tuple(a for a in pool.config.get("AutoVerifiedAttributes") or () if a in CHANNELS)
        required = tuple(e for e in schema_of(pool) if e.get("Required"))
        return cls(pool, tuple(columns), pool_mfa(pool.config).mode, auto, required)


def check_row(ctx: Context, rules: Rules, fields: Sequence[str]) -> User:
    """The unsaved user of one line's `fields`, or Rejected. [DOC DG-IMPORT]: values are trimmed;
    empty values are not set; users are RESET_REQUIRED without a password."""
    if len(fields) != len(rules.columns):
        raise Rejected(FAILED, f"The line has {len(fields)} values; the header has {len(rules.columns)}.")
    values = dict(zip(rules.columns, fields, strict=True))
    username = values.pop(USERNAME).strip()
    mfa_enabled = _mfa_enabled(rules, values.pop(MFA_ENABLED).strip())
    # Most of a line's values are empty: those are passed over before any stripping.
    given = {name: _normal(name, kept) for name, value in values.items() if value and (kept := value.strip())}
    if not _username_pattern().fullmatch(username) or len(username) > 128:
        raise Rejected(FAILED, _username_problem(username))
    try:
        user = new_user(ctx, rules.pool, username, given, status="RESET_REQUIRED")
    except CognitoError as err:
        raise Rejected(FAILED, err.message or err.code) from None
    _check_attributes(rules, given, user)
    return user.with_changes(mfa={"legacy_sms": True}) if mfa_enabled else user


def _normal(name: str, value: str) -> str:
    return value.lower() if name in ("email_verified", "phone_number_verified") else value


def _username_problem(username: str) -> str:
    if not username:
        return f"{USERNAME} is required."  # [DOC DG-IMPORT] required column; [INF text]
    return f"{USERNAME} must be 1 to 128 letters, numbers, symbols or punctuation, without spaces."  # [INF]


def _mfa_enabled(rules: Rules, value: str) -> bool:
    """[DOC DG-IMPORT]: required, true or false; true when the pool requires MFA, false when MFA is
    off. true turns SMS MFA on (the legacy MFAOptions setting [INF])."""
    flag = value.lower()
    if flag not in ("true", "false"):
        raise Rejected(FAILED, f"{MFA_ENABLED} must be true or false.")
    if rules.mfa_mode == "ON" and flag == "false":
        raise Rejected(FAILED, f"{MFA_ENABLED} must be true: the user pool requires MFA.")
    if rules.mfa_mode == "OFF" and flag == "true":
        raise Rejected(FAILED, f"{MFA_ENABLED} must be false: MFA is off in the user pool.")
    return flag == "true"


def _check_attributes(rules: Rules, given: dict[str, str], user: User) -> None:
    """[DOC DG-IMPORT]: email / phone_number present when verified; the pool's required attributes;
    at least one auto-verified attribute verified. In username-attribute pools the username is the
    email or phone number, so a different value in that column is refused [INF]."""
    attrs = user.attributes
    for attr in CHANNELS:
        if given.get(attr) and attrs.get(attr) != given[attr]:
            raise Rejected(FAILED, f"{USERNAME} and {attr} differ.")
        if attrs.get(f"{attr}_verified") == "true" and not attrs.get(attr):
            raise Rejected(FAILED, f"{attr}_verified is true but {attr} is empty.")
    missing = missing_required(rules.required, attrs)
    if missing:
        raise Rejected(FAILED, required_message(missing))
    if not any(attrs.get(f"{a}_verified") == "true" for a in rules.auto_verified):
        raise Rejected(FAILED, NOT_AUTO_VERIFIED)


def screen_batch(ctx: Context, pool: Pool, batch: Sequence[User]) -> dict[int, Rejected]:
    """Checked users that cannot be inserted, by index in `batch`: a username the pool (or an
    earlier line) already has is SKIPPED [DOC DG-IMPORT]; an alias another user signs in with
    (core spec §6.2) FAILED, or SKIPPED when it is the user's own username (username attributes)."""
    out: dict[int, Rejected] = {}
    taken = store.existing_keys(ctx.conn, pool.id, (u.username_key for u in batch))
    for index, user in enumerate(batch):
        if user.username_key in taken:
            out[index] = Rejected(SKIPPED, ALREADY_EXISTS)
        taken.add(user.username_key)
    for attr in alias_attributes(pool):
        _screen_alias(ctx, pool, attr, batch, out)
    return out


def _owned_value(pool: Pool, attr: str, user: User) -> str | None:
    """The alias value `user` signs in with through `attr`, as a comparison key, or None."""
    value = user.attributes.get(attr)
    if not value or not alias_resolves(pool, attr, value, user.attributes):
        return None
    return value if attr == "preferred_username" and case_sensitive(pool) else value.lower()


def _screen_alias(
    ctx: Context, pool: Pool, attr: str, batch: Sequence[User], out: dict[int, Rejected]
) -> None:
    owned = {i: key for i, u in enumerate(batch) if i not in out and (key := _owned_value(pool, attr, u))}
    held = store.attribute_holders(ctx.conn, pool.id, attr, (k.lower() for k in owned.values()))
    seen: set[str] = set()
    for index, key in owned.items():
        if key in seen or (key.lower() in held and _owner_exists(ctx, pool, attr, batch[index])):
            own = attr in (pool.config.get("UsernameAttributes") or [])
            message = ALREADY_EXISTS if own else f"An account with the given {attr} already exists."
            out[index] = Rejected(SKIPPED if own else FAILED, message)
        seen.add(key)


def _owner_exists(ctx: Context, pool: Pool, attr: str, user: User) -> bool:
    """Whether a stored user signs in with `user`'s `attr` value (the rare case: one query each)."""
    value = user.attributes[attr]
    for user_id in users.ids_with_attribute(ctx.conn, pool.id, attr, value):
        other = users.get_by_id(ctx.conn, user_id)
        if other is not None and _owned_value(pool, attr, other) == _owned_value(pool, attr, user):
            return True
    return False
