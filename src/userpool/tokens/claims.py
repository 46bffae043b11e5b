"""What ID and access tokens carry (core spec §4.3, §4.4, §4.5). Pure: no clock, no storage."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from userpool.store.groups import Group

SDK_SCOPE = "aws.cognito.signin.user.admin"
_BOOLEAN = frozenset({"email_verified", "phone_number_verified"})


@dataclass(frozen=True)
class Issue:
    """One issuance: the authentication it belongs to and the times it is made at."""

    issuer: str
    client_id: str
    sub: str
    username: str
    origin_jti: str
    event_id: str
    auth_time: int
    iat: int
    access_ttl: int
    id_ttl: int
    device_key: str | None = None


def group_claims(groups: Sequence[Group]) -> dict[str, Any]:
    """`cognito:groups`, `cognito:roles`, `cognito:preferred_role` (core spec §4.4, §11.2)."""
    if not groups:
        return {}
    out: dict[str, Any] = {"cognito:groups": [g.name for g in groups]}
    with_roles = [g for g in groups if g.role_arn]
    if with_roles:
        out["cognito:roles"] = list(dict.fromkeys(g.role_arn for g in with_roles))
        best = with_roles[0]
        tied = [g for g in with_roles if g.precedence == best.precedence and g.role_arn != best.role_arn]
        if not tied:  # omitted when two groups tie on precedence with different roles
            out["cognito:preferred_role"] = best.role_arn
    return out


def _attribute_claim(name: str, value: str) -> Any:
    """Verified flags are booleans, `updated_at` a number, `address` an object; the rest strings."""
    if name in _BOOLEAN:
        return value == "true"
    if name == "updated_at":
        try:
            return int(value)
        except ValueError:
            return value
    if name == "address":
        try:
            parsed = json.loads(value)
        except ValueError:
            parsed = None
        return parsed if isinstance(parsed, dict) else {"formatted": value}
    return value


def access_claims(issue: Issue, groups: Sequence[Group], jti: str) -> dict[str, Any]:
    """Access-token claims in the order real SDK-flow tokens have them (core spec §4.3 [OBS TOK-B])."""
    claims: dict[str, Any] = {"sub": issue.sub}
    if issue.device_key:
        claims["device_key"] = issue.device_key
    if groups:
        claims["cognito:groups"] = [g.name for g in groups]
    claims.update(
        {
            "iss": issue.issuer,
            "client_id": issue.client_id,
            "origin_jti": issue.origin_jti,
            "event_id": issue.event_id,
            "token_use": "access",
            "scope": SDK_SCOPE,
            "auth_time": issue.auth_time,
            "exp": issue.iat + issue.access_ttl,
            "iat": issue.iat,
            "jti": jti,
            "username": issue.username,
        }
    )
    return claims


def id_claims(
    issue: Issue, groups: Sequence[Group], attributes: dict[str, str], readable: frozenset[str], jti: str
) -> dict[str, Any]:
    """ID-token claims (core spec §4.4 [OBS TOK-A/B]): readable attributes, never `dev:` ones."""
    claims: dict[str, Any] = {"sub": issue.sub}
    claims.update(group_claims(groups))
    for flag in ("email_verified", "phone_number_verified"):
        if flag in attributes and flag in readable:
            claims[flag] = _attribute_claim(flag, attributes[flag])
    claims.update(
        {
            "iss": issue.issuer,
            "cognito:username": issue.username,
            "origin_jti": issue.origin_jti,
            "aud": issue.client_id,
            "event_id": issue.event_id,
            "token_use": "id",
            "auth_time": issue.auth_time,
        }
    )
    for name, value in attributes.items():
        if name in claims or name == "sub" or name.startswith("dev:") or name not in readable:
            continue
        claims[name] = _attribute_claim(name, value)
    claims.update({"exp": issue.iat + issue.id_ttl, "iat": issue.iat, "jti": jti})
    return claims
