"""Lookups every operation area shares: pools, clients, SECRET_HASH, and finding a user by the
`Username` a caller sends (core spec §1.6, §3.4, §6.2)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from userpool.api.context import Context
from userpool.api.errors import (
    CognitoError,
    client_not_found,
    invalid_parameter,
    not_authorized,
    pool_not_found,
    user_not_found,
)
from userpool.crypto.secret_hash import hash_matches
from userpool.domain.mfa import PoolMfa, mfa_report, pool_mfa, user_factors
from userpool.store import pools, users
from userpool.store.pools import Client, Pool
from userpool.store.users import User
from userpool.tokens import service as tokens
from userpool.tokens.service import Caller

# core spec §8.1 step 6 [OBS text]
RESET_REQUIRED = "Password reset required for the user"


def required(params: Mapping[str, str] | None, key: str) -> str:
    """`Missing required parameter <KEY>` (core spec §8.1, MFA spec §6.1)."""
    value = (params or {}).get(key)
    if not value:
        raise invalid_parameter(f"Missing required parameter {key}")
    return value


def token_caller(ctx: Context, access_token: str) -> Caller:
    """The access token's user after every check of core spec §4.9; a user an admin reset since the
    token was issued -> PasswordResetRequiredException (MFA spec §4.1 rule 7 [INF])."""
    caller = tokens.authenticate(ctx, access_token)
    if caller.user.status == "RESET_REQUIRED":
        raise CognitoError("PasswordResetRequiredException", RESET_REQUIRED)
    return caller


def require_pool(ctx: Context, pool_id: str) -> Pool:
    pool = pools.get_pool(ctx.conn, pool_id)
    if pool is None:
        raise pool_not_found(pool_id)
    return pool


def require_client(ctx: Context, client_id: str, pool_id: str | None = None) -> Client:
    """Core spec §1.2: client ids are unique across pools, so the client names its pool."""
    client = pools.get_client(ctx.conn, client_id)
    if client is None or (pool_id is not None and client.pool_id != pool_id):
        raise client_not_found(client_id)
    return client


def client_and_pool(ctx: Context, client_id: str) -> tuple[Client, Pool]:
    """`require_client` and the pool the client names (`require_pool`), read together."""
    found = pools.get_client_and_pool(ctx.conn, client_id)
    if found is None:
        raise client_not_found(client_id)
    client, pool = found
    if pool is None:
        raise pool_not_found(client.pool_id)
    return client, pool


def check_secret_hash(
    client: Client,
    username: str,
    sent: str | None,
    *,
    mismatch: str = "Unable to verify secret hash for client",
) -> None:
    """Core spec §3.4: a client with a secret needs a matching SECRET_HASH; without one it is ignored.
    `mismatch`: the refusal's wording before the client id (REFRESH_TOKEN_AUTH has its own [OBS])."""
    if client.secret is None:
        return
    if not sent:
        raise not_authorized(f"Client {client.id} is configured with secret but SECRET_HASH was not received")
    if not hash_matches(client.secret, username, client.id, sent):
        raise not_authorized(f"{mismatch} {client.id}")


def case_sensitive(pool: Pool) -> bool:
    """`UsernameConfiguration.CaseSensitive`, `true` when omitted (core spec §6.2 [DOC BM])."""
    cfg = pool.config.get("UsernameConfiguration") or {}
    return bool(cfg.get("CaseSensitive", True))


def username_key(pool: Pool, username: str) -> str:
    return username if case_sensitive(pool) else username.lower()


def alias_attributes(pool: Pool) -> list[str]:
    """Attributes a user can sign in with besides the username (aliases or username attributes)."""
    return list(pool.config.get("AliasAttributes") or pool.config.get("UsernameAttributes") or [])


def alias_resolves(pool: Pool, attr: str, name: str, attributes: dict[str, str]) -> bool:
    """Whether `name` signs in as the user holding `attributes` through alias `attr`.

    Core spec §6.2 [DOC DG-ATTR]: email and phone aliases resolve only while verified (in
    username-attribute pools the email/phone is how the user signs in, verified or not);
    `preferred_username` once set, matched with the pool's case rule.
    """
    value = attributes.get(attr, "")
    if attr == "preferred_username":
        return value == name or not case_sensitive(pool)
    verified = attributes.get(f"{attr}_verified") == "true"
    return verified or attr in (pool.config.get("UsernameAttributes") or [])


def find_user(ctx: Context, pool: Pool, name: str) -> User | None:
    """Resolve a `Username` parameter: exact username, then a usable alias, then the sub
    (core spec §6.2 [DOC BM])."""
    user = users.get_by_username_key(ctx.conn, pool.id, username_key(pool, name))
    if user is not None:
        return user
    for attr in alias_attributes(pool):
        for user_id in users.ids_with_attribute(ctx.conn, pool.id, attr, name):
            candidate = users.get_by_id(ctx.conn, user_id)
            if candidate is not None and alias_resolves(pool, attr, name, candidate.attributes):
                return candidate
    return users.get_by_sub(ctx.conn, pool.id, name)


def require_user(ctx: Context, pool: Pool, name: str) -> User:
    """Admin operations: `UserNotFoundException` `User does not exist.` (core spec §1.6)."""
    user = find_user(ctx, pool, name)
    if user is None:
        raise user_not_found()
    return user


def attribute_list(attributes: dict[str, str], names: frozenset[str] | None = None) -> list[dict[str, str]]:
    """Attributes as the wire's `AttributeListType`, `sub` first (core spec §10)."""
    ordered = sorted(attributes.items(), key=lambda item: item[0] != "sub")
    return [{"Name": k, "Value": v} for k, v in ordered if names is None or k in names or k == "sub"]


def mfa_fields(ctx: Context, pool: Pool, user: User, mfa: PoolMfa | None = None) -> dict[str, Any]:
    """MFA members of AdminGetUser / GetUser, keys present only as MFA spec §4.5 says (one rule,
    in domain/mfa/user_settings.mfa_report). `mfa`: the pool's `pool_mfa`, when already known."""
    pool_view = pool_mfa(pool.config) if mfa is None else mfa
    return mfa_report(pool_view, user_factors(user.attributes, user.mfa), ctx.settings.switches)


def user_type(ctx: Context, pool: Pool, user: User, mfa: PoolMfa | None = None) -> dict[str, Any]:
    """A user as `UserType` (AdminCreateUser, ListUsers, ListUsersInGroup): of the MFA keys only
    `MFAOptions` (MFA spec §4.5 [OBS GH-aws-sdk-176]). `mfa`: the pool's `pool_mfa`, worked out
    once by a caller that lists many users."""
    out: dict[str, Any] = {
        "Username": user.username,
        "Attributes": attribute_list(user.attributes),
        "UserCreateDate": user.created_at,
        "UserLastModifiedDate": user.modified_at,
        "Enabled": user.enabled,
        "UserStatus": user.status,
    }
    report = mfa_fields(ctx, pool, user, mfa)
    if "MFAOptions" in report:
        out["MFAOptions"] = report["MFAOptions"]
    return out
