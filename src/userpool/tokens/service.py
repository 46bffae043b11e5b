"""Issuing, refreshing, revoking and checking tokens: the effects around `claims` (core spec §4)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from userpool.api.context import Context
from userpool.api.errors import CognitoError, not_authorized, user_not_found
from userpool.crypto import jwt, refresh
from userpool.crypto.keys import verifier_for
from userpool.domain import ids
from userpool.domain.attributes import readable
from userpool.domain.validity import validity
from userpool.store import groups as group_store
from userpool.store import pools, users
from userpool.store.db import upsert
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
    access = access_claims(issue, user_groups, ids.new_uuid())
    ident = id_claims(issue, user_groups, user.attributes, names, ids.new_uuid())
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
        "sub": user.sub,  # the user: `sub` is never given to another user, a row id can be
        "event_id": ids.new_uuid(),
        "device_key": device_key,
        "auth_time": float(int(now)),
        "expires_at": now + validity(client.config).refresh,
        "seq": 0,  # the rotation sequence of this refresh token (origin_states)
    }
    issue = _issue(ctx, pool, client, user, origin, now)
    result = _tokens(ctx, pool, client, user, issue)
    result["RefreshToken"] = refresh.seal(refresh_token_key(ctx.conn), origin)
    return result


def _revoked(state: Mapping[str, Any] | None, origin_jti: str, user: User | None) -> bool:
    """Core spec §4.8: an origin is revoked by RevokeToken (its state row) or by a global sign-out
    of its user since it was issued (`ids.same_generation`)."""
    if state is not None and state["revoked_at"] is not None:
        return True
    return user is not None and not ids.same_generation(origin_jti, user.token_generation)


@dataclass(frozen=True)
class Origin:
    """A refresh token of this client opened: its sealed origin, what happened to the origin since
    (`origin_states`, None if nothing), and its user if they still exist."""

    record: dict[str, Any]
    state: dict[str, Any] | None
    user: User | None

    @property
    def device_key(self) -> str | None:
        """The device the sign-in named: refreshing needs its key (core spec §4.7)."""
        key = self.record.get("device_key")
        return None if key is None else str(key)


def _open(ctx: Context, client: Client, token: str) -> Origin | None:
    record = refresh.unseal(refresh_token_key(ctx.conn), token)
    if record is None or record.get("client_id") != client.id:
        return None
    state = _STATE_OF.first(ctx.conn, {"origin_jti": record["origin_jti"]})
    return Origin(record, state, users.get_by_sub(ctx.conn, record["pool_id"], record["sub"]))


def _check_rotation(ctx: Context, origin: Origin) -> None:
    """Core spec §4.7: after a rotation the new refresh token works, the one it replaced until its
    grace period ends, and any older one is a reuse."""
    seq, state = origin.record["seq"], origin.state
    current = 0 if state is None else state["seq"]
    if seq == current:
        return
    if seq > current:  # never issued
        raise not_authorized("Invalid Refresh Token.")
    if state is None or seq != state["previous_seq"] or (state["previous_until"] or 0) < ctx.now():
        raise CognitoError("RefreshTokenReuseException", "Refresh token has been invalidated by rotation")


def refresh_tokens(
    ctx: Context, pool: Pool, client: Client, token: str
) -> tuple[User, Origin, dict[str, Any]]:
    """REFRESH_TOKEN_AUTH: new ID and access tokens of the same origin, no new refresh token
    (core spec §4.7). Returns the user and the origin too, for the caller's SECRET_HASH, device
    and rotation steps."""
    origin = _open(ctx, client, token)
    if origin is None:
        raise not_authorized("Invalid Refresh Token.")
    _check_rotation(ctx, origin)
    user = origin.user
    if _revoked(origin.state, origin.record["origin_jti"], user):
        raise not_authorized("Refresh Token has been revoked")
    if origin.record["expires_at"] <= ctx.now():
        raise not_authorized("Refresh Token has expired")
    if user is None:
        raise user_not_found()
    if not user.enabled:
        raise not_authorized("User is disabled.")
    issue = _issue(ctx, pool, client, user, origin.record, ctx.now())
    return user, origin, _tokens(ctx, pool, client, user, issue)


def _save_state(ctx: Context, origin: Origin, user: User, **values: Any) -> None:
    """Record what happened to an origin, in one statement (a row made on first need, kept until
    a day after its refresh token has expired: purge.py)."""
    insert = upsert(ctx.conn, origin_states).values(
        origin_jti=origin.record["origin_jti"],
        pool_id=user.pool_id,
        user_id=user.id,
        expires_at=origin.record["expires_at"],
        **values,
    )
    ctx.conn.execute(insert.on_conflict_do_update(index_elements=[origin_states.c.origin_jti], set_=values))


def rotate(ctx: Context, user: User, origin: Origin, grace_seconds: float) -> str:
    """Refresh-token rotation: a new refresh token for the same origin; the one presented keeps
    working for `RetryGracePeriodSeconds` (core spec §4.7 [DOC BM]). `origin` has been checked
    (`refresh_tokens`)."""
    seq = (0 if origin.state is None else origin.state["seq"]) + 1
    presented = origin.record["seq"]
    _save_state(ctx, origin, user, seq=seq, previous_seq=presented, previous_until=ctx.now() + grace_seconds)
    return refresh.seal(refresh_token_key(ctx.conn), {**origin.record, "seq": seq})


def revoke_origin_of_refresh(ctx: Context, client: Client, token: str) -> bool:
    """RevokeToken: revoke a refresh token of this client and the tokens of its origin; False for
    a token that is not one, or one revoked already (core spec §4.8)."""
    origin = _open(ctx, client, token)
    if origin is None or origin.user is None:
        return False
    if _revoked(origin.state, origin.record["origin_jti"], origin.user):
        return False
    _save_state(ctx, origin, origin.user, revoked_at=ctx.now())
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
    if _revoked(state, origin_jti, user):
        raise not_authorized("Access Token has been revoked")
    if SDK_SCOPE not in str(claims.get("scope", "")).split():
        raise not_authorized("Access Token does not have required scopes")
    if user is None:
        raise user_not_found()
    if not user.enabled:
        raise not_authorized("User is disabled.")
    return Caller(pool=pool, user=user, client_id=str(claims.get("client_id")), claims=claims)
