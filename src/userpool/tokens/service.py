"""Issuing, refreshing, revoking and checking tokens: the effects around `claims` (core spec §4)."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from userpool.api.context import Context
from userpool.api.errors import CognitoError, not_authorized, user_not_found
from userpool.crypto import jwt, refresh
from userpool.crypto.keys import verifier_for
from userpool.domain import ids
from userpool.domain.attributes import readable
from userpool.domain.validity import validity
from userpool.store import groups as group_store
from userpool.store import pools, users
from userpool.store.db import is_postgres
from userpool.store.pools import Client, Pool
from userpool.store.prepared import Prepared
from userpool.store.secrets import refresh_token_key
from userpool.store.tables import origin_states
from userpool.store.tables import users as users_table
from userpool.store.users import User
from userpool.tokens.claims import SDK_SCOPE, Issue, access_claims, id_claims

# Built once: building a statement per call cost more than running it.
_STATE_OF = Prepared(
    sa.select(
        origin_states.c.revoked_at,
        origin_states.c.seq,
        origin_states.c.previous_seq,
        origin_states.c.previous_until,
    ).where(origin_states.c.origin_jti == sa.bindparam("origin_jti"))
)
_NEXT_GENERATION = users_table.update().values(token_generation=users_table.c.token_generation + 1)


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
    """Tokens for a completed sign-in, a new origin's (core spec §4.5). The origin is sealed into
    the refresh token rather than stored (crypto/refresh.py), so a sign-in writes nothing."""
    now = ctx.now()
    origin = {
        "origin_jti": ids.new_origin_jti(user.token_generation),
        "pool_id": pool.id,
        "client_id": client.id,
        "user_id": user.id,
        "sub": user.sub,
        "generation": user.token_generation,
        "event_id": str(uuid.uuid4()),
        "device_key": device_key,
        "auth_time": float(int(now)),
        "expires_at": now + validity(client.config).refresh,
        "seq": 0,  # the rotation sequence of this refresh token (origin_states)
    }
    issue = _issue(ctx, pool, client, user, origin, now)
    result = _tokens(ctx, pool, client, user, issue)
    result["RefreshToken"] = refresh.seal(refresh_token_key(ctx.conn), origin)
    return result


def _origin(ctx: Context, client: Client, token: str) -> tuple[dict[str, Any], dict[str, Any] | None]:
    """The origin a refresh token of this client carries, and what happened to it since."""
    origin = refresh.unseal(refresh_token_key(ctx.conn), token)
    if origin is None or origin.get("client_id") != client.id:
        raise not_authorized("Invalid Refresh Token.")
    return origin, _STATE_OF.first(ctx.conn, {"origin_jti": origin["origin_jti"]})


def _owner(ctx: Context, origin: Mapping[str, Any]) -> User | None:
    """The origin's user, if they still exist (a user id can be taken again after a delete; the
    `sub` never is)."""
    user = users.get_by_id(ctx.conn, origin["user_id"])
    return user if user is not None and user.sub == origin["sub"] else None


def _check_rotation(ctx: Context, origin: Mapping[str, Any], state: Mapping[str, Any] | None) -> None:
    """Core spec §4.7: after a rotation the new refresh token works, the one it replaced until its
    grace period ends, and any older one is a reuse."""
    current = 0 if state is None else state["seq"]
    if origin["seq"] == current:
        return
    if origin["seq"] > current:  # never issued
        raise not_authorized("Invalid Refresh Token.")
    assert state is not None  # an older sequence means a rotation happened
    if origin["seq"] != state["previous_seq"] or (state["previous_until"] or 0) < ctx.now():
        raise CognitoError("RefreshTokenReuseException", "Refresh token has been invalidated by rotation")


def refresh_tokens(ctx: Context, pool: Pool, client: Client, token: str) -> tuple[User, dict[str, Any]]:
    """REFRESH_TOKEN_AUTH: new ID and access tokens of the same origin, no new refresh token
    (core spec §4.7). Returns the user too, for the caller's SECRET_HASH check."""
    origin, state = _origin(ctx, client, token)
    _check_rotation(ctx, origin, state)
    user = _owner(ctx, origin)
    revoked = state is not None and state["revoked_at"] is not None
    if revoked or (user is not None and user.token_generation != origin["generation"]):
        raise not_authorized("Refresh Token has been revoked")
    if origin["expires_at"] <= ctx.now():
        raise not_authorized("Refresh Token has expired")
    if user is None:
        raise user_not_found()
    if not user.enabled:
        raise not_authorized("User is disabled.")
    issue = _issue(ctx, pool, client, user, origin, ctx.now())
    return user, _tokens(ctx, pool, client, user, issue)


def _save_state(ctx: Context, origin: Mapping[str, Any], **values: Any) -> None:
    """Record what happened to an origin (a row made on first need, kept until its refresh token
    has expired)."""
    insert = (postgresql.insert if is_postgres(ctx.conn.engine) else sqlite.insert)(origin_states)
    ctx.conn.execute(
        insert.values(
            origin_jti=origin["origin_jti"],
            pool_id=origin["pool_id"],
            user_id=origin["user_id"],
            expires_at=origin["expires_at"],
        ).on_conflict_do_nothing(index_elements=["origin_jti"])
    )
    ctx.conn.execute(
        origin_states.update().where(origin_states.c.origin_jti == origin["origin_jti"]).values(**values)
    )


def rotate(ctx: Context, client: Client, token: str, grace_seconds: float) -> str:
    """Refresh-token rotation: a new refresh token for the same origin; the one presented keeps
    working for `RetryGracePeriodSeconds` (core spec §4.7 [DOC BM]). `token` has been checked."""
    origin, state = _origin(ctx, client, token)
    seq = (0 if state is None else state["seq"]) + 1
    _save_state(ctx, origin, seq=seq, previous_seq=origin["seq"], previous_until=ctx.now() + grace_seconds)
    return refresh.seal(refresh_token_key(ctx.conn), {**origin, "seq": seq})


def revoke_origin_of_refresh(ctx: Context, client: Client, token: str) -> bool:
    """RevokeToken: revoke a refresh token of this client and the tokens of its origin; False for
    a token that is not one (core spec §4.8)."""
    try:
        origin, state = _origin(ctx, client, token)
    except CognitoError:
        return False
    if (state is not None and state["revoked_at"] is not None) or _owner(ctx, origin) is None:
        return False
    _save_state(ctx, origin, revoked_at=ctx.now())
    return True


def revoke_all_of_user(ctx: Context, user: User) -> None:
    """GlobalSignOut / AdminUserGlobalSignOut / AdminDisableUser (core spec §4.8): every origin
    issued so far is revoked by moving the user on to a new token generation."""
    ctx.conn.execute(_NEXT_GENERATION.where(users_table.c.id == user.id))


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
    origin_jti = str(claims.get("origin_jti"))
    state = _STATE_OF.first(ctx.conn, {"origin_jti": origin_jti})
    user = users.get_by_sub(ctx.conn, pool.id, str(claims.get("sub")))
    revoked = state is not None and state["revoked_at"] is not None
    if revoked or (user is not None and not ids.same_generation(origin_jti, user.token_generation)):
        raise not_authorized("Access Token has been revoked")
    if SDK_SCOPE not in str(claims.get("scope", "")).split():
        raise not_authorized("Access Token does not have required scopes")
    if user is None:
        raise user_not_found()
    if not user.enabled:
        raise not_authorized("User is disabled.")
    return Caller(pool=pool, user=user, client_id=str(claims.get("client_id")), claims=claims)


def device_key_of_refresh(ctx: Context, token: str) -> str | None:
    """The device key the refresh token's sign-in named, if any: refreshing tokens issued to a
    device needs that device's key (core spec §4.7)."""
    origin = refresh.unseal(refresh_token_key(ctx.conn), token)
    return None if origin is None else origin.get("device_key")
