"""Issuing, refreshing, revoking and checking tokens: the effects around `claims` (core spec §4)."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from userpool.api.context import Context
from userpool.api.errors import CognitoError, not_authorized, user_not_found
from userpool.crypto import jwt, refresh
from userpool.crypto.keys import verifier_for
from userpool.domain.attributes import readable
from userpool.domain.validity import validity
from userpool.store import groups as group_store
from userpool.store import pools, users
from userpool.store.pools import Client, Pool
from userpool.store.prepared import Prepared
from userpool.store.tables import origins
from userpool.store.users import User
from userpool.tokens.claims import SDK_SCOPE, Issue, access_claims, id_claims

# Built once: building a statement per call cost more than running it.
_INSERT_ORIGIN = Prepared(origins.insert())
_ORIGIN_OF_ACCESS = sa.select(origins.c.revoked_at, origins.c.user_id).where(
    origins.c.origin_jti == sa.bindparam("origin_jti")
)


def _sign(pool_pem: str, claims: dict[str, Any]) -> str:
    return jwt.sign(claims, pool_pem.encode())


def _tokens(ctx: Context, pool: Pool, client: Client, user: User, issue: Issue) -> dict[str, Any]:
    user_groups = group_store.groups_of_user(ctx.conn, user.id)
    names = readable(pool.config.get("SchemaAttributes") or [], client.config.get("ReadAttributes"))
    access = access_claims(issue, user_groups, str(uuid.uuid4()))
    ident = id_claims(issue, user_groups, user.attributes, names, str(uuid.uuid4()))
    result: dict[str, Any] = {
        "AccessToken": None,
        "ExpiresIn": issue.access_ttl,
        "TokenType": "Bearer",
        "IdToken": None,
    }

    def sign() -> None:
        # The two RSA signatures are most of a sign-in's time and need no database: they are
        # made after the commit, outside the transaction and its lock.
        result["AccessToken"] = _sign(pool.access_key_pem, access)
        result["IdToken"] = _sign(pool.id_key_pem, ident)

    ctx.compute_later(sign)
    return result


def _issue(
    ctx: Context, pool: Pool, client: Client, user: User, origin: Mapping[str, Any], now: float
) -> Issue:
    ttl = validity(client.config)
    return Issue(
        issuer=ctx.settings.issuer(pool.id),
        client_id=client.id,
        sub=user.sub,
        username=user.username,
        origin_jti=origin["origin_jti"],
        event_id=origin["event_id"],
        auth_time=int(origin["auth_time"]),
        iat=int(now),
        access_ttl=ttl.access,
        id_ttl=ttl.id,
        device_key=origin["device_key"],
    )


def sign_in(
    ctx: Context, pool: Pool, client: Client, user: User, *, device_key: str | None = None
) -> dict[str, Any]:
    """Tokens for a completed sign-in: a new origin row, refresh token included (core spec §4.5)."""
    now = ctx.now()
    token = refresh.new_refresh_token()
    row = {
        "origin_jti": str(uuid.uuid4()),
        "pool_id": pool.id,
        "client_id": client.id,
        "user_id": user.id,
        "refresh_hash": refresh.token_hash(token),
        "event_id": str(uuid.uuid4()),
        "device_key": device_key,
        "auth_time": float(int(now)),
        "expires_at": now + validity(client.config).refresh,
        "revoked_at": None,
    }
    _INSERT_ORIGIN.execute(ctx.conn, row)
    issue = _issue(ctx, pool, client, user, row, now)
    result = _tokens(ctx, pool, client, user, issue)
    result["RefreshToken"] = token
    return result


def refresh_tokens(ctx: Context, pool: Pool, client: Client, token: str) -> tuple[User, dict[str, Any]]:
    """REFRESH_TOKEN_AUTH: new ID and access tokens of the same origin, no new refresh token
    (core spec §4.7). Returns the user too, for the caller's SECRET_HASH check."""
    digest = refresh.token_hash(token)
    row = ctx.conn.execute(sa.select(origins).where(origins.c.refresh_hash == digest)).mappings().first()
    origin: Mapping[str, Any] | None = None if row is None else dict(row)
    if origin is None:
        origin = _rotated_origin(ctx, digest)
    if origin is None or origin["client_id"] != client.id:
        raise not_authorized("Invalid Refresh Token.")
    if origin["revoked_at"] is not None:
        raise not_authorized("Refresh Token has been revoked")
    if origin["expires_at"] <= ctx.now():
        raise not_authorized("Refresh Token has expired")
    user = users.get_by_id(ctx.conn, origin["user_id"])
    if user is None:
        raise user_not_found()
    if not user.enabled:
        raise not_authorized("User is disabled.")
    issue = _issue(ctx, pool, client, user, origin, ctx.now())
    return user, _tokens(ctx, pool, client, user, issue)


def _rotated_origin(ctx: Context, digest: str) -> Mapping[str, Any] | None:
    """A refresh token replaced by rotation works until its grace period ends (core spec §4.7)."""
    row = ctx.conn.execute(sa.select(origins).where(origins.c.rotated_hash == digest)).mappings().first()
    if row is None:
        return None
    origin = dict(row)
    if (origin["rotated_until"] or 0) < ctx.now():
        raise CognitoError("RefreshTokenReuseException", "Refresh token has been invalidated by rotation")
    return origin


def rotate(ctx: Context, token: str, grace_seconds: float) -> str:
    """Refresh-token rotation: a new refresh token for the same origin; the old one keeps working
    for `RetryGracePeriodSeconds` (core spec §4.7 [DOC BM])."""
    new = refresh.new_refresh_token()
    digest = refresh.token_hash(token)
    ctx.conn.execute(
        origins.update()
        .where(sa.or_(origins.c.refresh_hash == digest, origins.c.rotated_hash == digest))
        .values(
            rotated_hash=digest,
            rotated_until=ctx.now() + grace_seconds,
            refresh_hash=refresh.token_hash(new),
        )
    )
    return new


def revoke_origin_of_refresh(ctx: Context, client: Client, token: str) -> bool:
    """RevokeToken: revoke a refresh token of this client and the tokens of its origin."""
    result = ctx.conn.execute(
        origins.update()
        .where(
            origins.c.refresh_hash == refresh.token_hash(token),
            origins.c.client_id == client.id,
            origins.c.revoked_at.is_(None),
        )
        .values(revoked_at=ctx.now())
    )
    return result.rowcount > 0


def revoke_all_of_user(ctx: Context, user: User) -> None:
    """GlobalSignOut / AdminUserGlobalSignOut / AdminDisableUser (core spec §4.8)."""
    ctx.conn.execute(
        origins.update()
        .where(origins.c.user_id == user.id, origins.c.revoked_at.is_(None))
        .values(revoked_at=ctx.now())
    )


@dataclass(frozen=True)
class Caller:
    """Who an access token says is calling, after every check of core spec §4.9."""

    pool: Pool
    user: User
    client_id: str
    claims: dict[str, Any]


INVALID_ACCESS_TOKEN = "Invalid Access Token"  # noqa: S105 (a message, not a secret)


def authenticate(ctx: Context, token: str) -> Caller:
    """Check an access token in the order of core spec §4.9 [OBS]."""
    decoded = jwt.decode_unverified(token)
    if decoded is None:
        raise not_authorized(INVALID_ACCESS_TOKEN)
    header, claims = decoded
    pool_id = str(claims.get("iss", "")).rsplit("/", 1)[-1]
    pool = pools.get_pool(ctx.conn, pool_id) if claims.get("token_use") == "access" else None
    if pool is None:
        raise not_authorized(INVALID_ACCESS_TOKEN)
    key, kid = verifier_for(pool.access_key_pem.encode())
    if header.get("kid") != kid or not jwt.verify_signature(token, key):
        raise not_authorized(INVALID_ACCESS_TOKEN)
    if claims.get("iss") != ctx.settings.issuer(pool.id):
        raise not_authorized(INVALID_ACCESS_TOKEN)
    exp = claims.get("exp")
    if not isinstance(exp, int) or exp <= ctx.now():
        raise not_authorized("Access Token has expired")
    origin = ctx.conn.execute(_ORIGIN_OF_ACCESS, {"origin_jti": str(claims.get("origin_jti"))}).first()
    if origin is None or origin.revoked_at is not None:
        raise not_authorized("Access Token has been revoked")
    if SDK_SCOPE not in str(claims.get("scope", "")).split():
        raise not_authorized("Access Token does not have required scopes")
    user = users.get_by_id(ctx.conn, origin.user_id)
    if user is None or user.sub != claims.get("sub"):
        raise user_not_found()
    if not user.enabled:
        raise not_authorized("User is disabled.")
    return Caller(pool=pool, user=user, client_id=str(claims.get("client_id")), claims=claims)


def device_key_of_refresh(ctx: Context, token: str) -> str | None:
    """The device key the refresh token's sign-in named, if any: refreshing tokens issued to a
    device needs that device's key (core spec §4.7)."""
    digest = refresh.token_hash(token)
    row = ctx.conn.execute(
        sa.select(origins.c.device_key).where(
            sa.or_(origins.c.refresh_hash == digest, origins.c.rotated_hash == digest)
        )
    ).first()
    return None if row is None else row.device_key
