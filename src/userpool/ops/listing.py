"""ListUsers (core spec §11.1): one-condition filters, AttributesToGet, Limit and an opaque
keyset PaginationToken tied to the pool and the filter."""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
from collections.abc import Mapping
from typing import Any

from userpool.api.context import Context
from userpool.api.dispatch import operation
from userpool.api.errors import invalid_parameter
from userpool.domain.filters import UserFilter, matches, parse_filter
from userpool.domain.mfa import PoolMfa, pool_mfa
from userpool.ops.common import attribute_list, case_sensitive, require_pool, user_type, username_key
from userpool.store.pools import Pool
from userpool.store.users import User, UserScan, scan_users

DEFAULT_LIMIT = 60  # core spec §11.1 [INF]: omitted or 0 -> 60
TOKEN_LIFETIME = 3600.0  # core spec §11.1 [INF]: a pagination token is valid 1 hour
BAD_TOKEN = "Invalid pagination token."  # noqa: S105 - core spec §11.1 [INF text]
# core spec §11.1 [OBS-weak GH-sample-collaborative-ai-dlc-52]: `sub` can't be requested.
BAD_ATTRIBUTES = "Input fails to satisfy the constraints."
# core spec §6.1: the statuses a user can have (ARCHIVED, COMPROMISED, UNKNOWN are never emitted).
STATUSES = ("UNCONFIRMED", "CONFIRMED", "FORCE_CHANGE_PASSWORD", "RESET_REQUIRED", "EXTERNAL_PROVIDER")
# core spec §11.1: `status` is the Enabled flag, written `Enabled` / `Disabled`.
ENABLED_LABELS = {"Enabled": True, "Disabled": False}


def _values_scan(pool: Pool, column: str, f: UserFilter, labels: Mapping[str, Any]) -> UserScan:
    """A filter over a small closed set of values: the values whose label matches."""
    found = tuple(value for label, value in labels.items() if matches(f, label))
    if not found:
        return UserScan(pool.id, nothing=True)
    if len(found) == len(labels):
        return UserScan(pool.id)
    return UserScan(pool.id, column=column, equals=found)


def _username_scan(pool: Pool, f: UserFilter) -> UserScan:
    """`username` matches the stored username only, case-sensitively (core spec §11.1 [DOC BM]);
    the search runs on the username_key index and checks the exact case on top."""
    key = username_key(pool, f.value)
    exact = None if case_sensitive(pool) else f.value
    if f.op == "=":
        return UserScan(pool.id, equals=(key,), username_equals=exact)
    return UserScan(pool.id, prefix=key, username_prefix=exact)


def scan_for(pool: Pool, f: UserFilter | None) -> UserScan:
    """The store scan answering a parsed filter (core spec §11.1 [DOC BM, DG-USERS])."""
    if f is None:
        return UserScan(pool.id)
    if f.attribute == "username":
        return _username_scan(pool, f)
    if f.attribute == "status":
        return _values_scan(pool, "enabled", f, ENABLED_LABELS)
    if f.attribute == "cognito:user_status":
        return _values_scan(pool, "status", f, {s: s for s in STATUSES})
    # Everything else compares case-insensitively: `sub` is stored lower-case, attribute values
    # are searched by their lower-cased value_key.
    value = f.value.lower()
    column, attribute = ("sub", None) if f.attribute == "sub" else ("username_key", f.attribute)
    if f.op == "=":
        return UserScan(pool.id, column=column, attribute=attribute, equals=(value,))
    return UserScan(pool.id, column=column, attribute=attribute, prefix=value)


def _fingerprint(pool_id: str, filter_text: str) -> str:
    return hashlib.sha256(f"{pool_id}\n{filter_text}".encode()).hexdigest()[:16]


def encode_token(position: tuple[Any, str], pool_id: str, filter_text: str, now: float) -> str:
    payload = json.dumps([position[0], position[1], _fingerprint(pool_id, filter_text), int(now)])
    return base64.urlsafe_b64encode(payload.encode()).decode().rstrip("=")


def decode_token(token: str, pool_id: str, filter_text: str, now: float) -> tuple[Any, str]:
    """The position a token names; garbage, another pool's or filter's, or an expired token ->
    InvalidParameterException `Invalid pagination token.`"""
    try:
        raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
        value, key, fingerprint, issued = json.loads(raw)
    except (ValueError, TypeError, binascii.Error):
        raise invalid_parameter(BAD_TOKEN) from None
    valid = (
        isinstance(key, str)
        and isinstance(issued, int)
        and fingerprint == _fingerprint(pool_id, filter_text)
        and now - issued <= TOKEN_LIFETIME
    )
    if not valid:
        raise invalid_parameter(BAD_TOKEN)
    return value, key


def _shown(
    ctx: Context, pool: Pool, mfa: PoolMfa, user: User, names: frozenset[str] | None
) -> dict[str, Any]:
    """A listed user: `UserType` with only the requested attributes (`[]` -> no Attributes [INF])."""
    out = user_type(ctx, pool, user, mfa)
    if names is not None:
        chosen = [a for a in attribute_list(user.attributes) if a["Name"] in names]
        if chosen:
            out["Attributes"] = chosen
        else:
            out.pop("Attributes")
    return out


def _requested(params: Mapping[str, Any]) -> frozenset[str] | None:
    names = params.get("AttributesToGet")
    if names is None:
        return None
    if "sub" in names:
        raise invalid_parameter(BAD_ATTRIBUTES)
    return frozenset(names)


@operation("ListUsers", reads_only=True)
def list_users(ctx: Context, params: dict[str, Any]) -> Mapping[str, Any]:
    """Users in filter-value then username order, or username order without a filter; a page
    chain never repeats a user (keyset pagination, core spec §11.1 [INF])."""
    pool = require_pool(ctx, params["UserPoolId"])
    filter_text = params.get("Filter") or ""
    scan = scan_for(pool, parse_filter(filter_text))
    names = _requested(params)
    limit = int(params.get("Limit") or DEFAULT_LIMIT)
    token = params.get("PaginationToken")
    after = decode_token(token, pool.id, filter_text, ctx.now()) if token else None
    found = scan_users(ctx.conn, scan, after=after, limit=limit + 1)
    mfa = pool_mfa(pool.config)
    out: dict[str, Any] = {"Users": [_shown(ctx, pool, mfa, user, names) for user, _s, _k in found[:limit]]}
    if len(found) > limit:
        _user, sort, key = found[limit - 1]
        out["PaginationToken"] = encode_token((sort, key), pool.id, filter_text, ctx.now())
    return out
