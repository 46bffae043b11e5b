"""App clients: CreateUserPoolClient, DescribeUserPoolClient, UpdateUserPoolClient,
DeleteUserPoolClient, ListUserPoolClients (core spec §2, §3; MFA spec §1, §6.4)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from userpool.api.context import Context
from userpool.api.dispatch import operation
from userpool.api.errors import invalid_parameter
from userpool.domain.attributes import VERIFIED_FLAGS
from userpool.domain.ids import new_client_id, new_client_secret
from userpool.domain.validity import check_validity, explicit
from userpool.ops.auth import DEFAULT_FLOWS, LEGACY_FLOWS
from userpool.ops.common import require_client, require_pool
from userpool.ops.pools import paginate
from userpool.store import pools as store
from userpool.store.pools import Client, Pool

# The UserPoolClientType members kept in `Client.config` (botocore names); the rest of the
# type (ids, name, secret, dates) lives in the client's columns.
SETTINGS = (
    "RefreshTokenValidity",
    "AccessTokenValidity",
    "IdTokenValidity",
    "TokenValidityUnits",
    "ReadAttributes",
    "WriteAttributes",
    "ExplicitAuthFlows",
    "SupportedIdentityProviders",
    "CallbackURLs",
    "LogoutURLs",
    "DefaultRedirectURI",
    "AllowedOAuthFlows",
    "AllowedOAuthScopes",
    "AllowedOAuthFlowsUserPoolClient",
    "AnalyticsConfiguration",
    "PreventUserExistenceErrors",
    "EnableTokenRevocation",
    "EnablePropagateAdditionalUserContextData",
    "AuthSessionValidity",
    "RefreshTokenRotation",
)

# Defaults of omitted settings as Describe shows them (core spec §3.1 [DOC BM]; MFA spec §1 for
# AuthSessionValidity). ExplicitAuthFlows and the token validities are filled separately.
DEFAULTS: dict[str, Any] = {
    "PreventUserExistenceErrors": "LEGACY",
    "EnableTokenRevocation": True,
    "EnablePropagateAdditionalUserContextData": False,
    "AuthSessionValidity": 3,
    "AllowedOAuthFlowsUserPoolClient": False,
}

# core spec §3.2 [INF message]
MIXED_FLOWS = "Explicit auth flows cannot contain both legacy and new ALLOW_ values"
# core spec §2 [DOC BM CreateUserPoolClient.ClientSecret; INF message]
BOTH_GIVEN = "You cannot specify both GenerateSecret as true and provide a ClientSecret value."
# core spec §3.1 [DOC BM EnablePropagateAdditionalUserContextData; INF message]
CONTEXT_DATA_REFUSED = (
    "EnablePropagateAdditionalUserContextData can only be enabled for an app client with a client secret."
)


def _check_flows(flows: list[str]) -> None:
    """Legacy values and ALLOW_ values can't be mixed (core spec §3.2 [DOC BM])."""
    if set(flows) & LEGACY_FLOWS and any(f.startswith("ALLOW_") for f in flows):
        raise invalid_parameter(MIXED_FLOWS)


def _check_attributes(pool: Pool, cfg: Mapping[str, Any], verb: str) -> None:
    """ReadAttributes/WriteAttributes name schema attributes; no client writes `sub` or the
    verified flags, and every client writes the pool's required attributes
    [OBS APP: `Invalid read|write attributes specified while creating|updating a client`]."""
    schema = pool.config.get("SchemaAttributes") or []
    names = {e["Name"] for e in schema}
    read = cfg.get("ReadAttributes")
    if read is not None and not set(read) <= names:
        raise invalid_parameter(f"Invalid read attributes specified while {verb} a client")
    write = cfg.get("WriteAttributes")
    if write is None:
        return
    required = {e["Name"] for e in schema if e.get("Required") and e["Name"] != "sub"}
    allowed = names - {"sub"} - VERIFIED_FLAGS
    if not set(write) <= allowed or not required <= set(write):
        raise invalid_parameter(f"Invalid write attributes specified while {verb} a client")


def client_config(pool: Pool, params: Mapping[str, Any], *, secret: str | None, verb: str) -> dict[str, Any]:
    """The stored settings of a create or a full-replace update: omitted settings take their
    defaults (core spec §3.1 [DOC BM]); unset Read/WriteAttributes are not echoed (§3.1)."""
    cfg: dict[str, Any] = {k: params[k] for k in SETTINGS if k in params}
    _check_flows(cfg.get("ExplicitAuthFlows") or [])
    if not cfg.get("ExplicitAuthFlows"):
        cfg["ExplicitAuthFlows"] = list(DEFAULT_FLOWS)
    for key, value in DEFAULTS.items():
        cfg.setdefault(key, value)
    cfg.update(explicit(cfg))  # core spec §3.3: value × unit; 0 or omitted -> default
    check_validity(cfg)
    _check_attributes(pool, cfg, verb)
    if cfg["EnablePropagateAdditionalUserContextData"] and secret is None:
        raise invalid_parameter(CONTEXT_DATA_REFUSED)
    return cfg


def describe(client: Client) -> dict[str, Any]:
    """`UserPoolClientType` (Create/Describe/UpdateUserPoolClient)."""
    out: dict[str, Any] = {
        "UserPoolId": client.pool_id,
        "ClientName": client.name,
        "ClientId": client.id,
        "LastModifiedDate": client.modified_at,
        "CreationDate": client.created_at,
        **client.config,
    }
    if client.secret is not None:
        out["ClientSecret"] = client.secret
    return out


def _secret(params: Mapping[str, Any]) -> str | None:
    """core spec §2: GenerateSecret draws one; a caller's ClientSecret is kept, not with both."""
    given = params.get("ClientSecret")
    if params.get("GenerateSecret"):
        if given is not None:
            raise invalid_parameter(BOTH_GIVEN)
        return new_client_secret()
    return str(given) if given is not None else None


@operation("CreateUserPoolClient")
def create_user_pool_client(ctx: Context, params: dict[str, Any]) -> dict[str, Any]:
    pool = require_pool(ctx, params["UserPoolId"])
    secret = _secret(params)
    now = ctx.now()
    client = Client(
        id=new_client_id(),
        pool_id=pool.id,
        name=params["ClientName"],
        secret=secret,
        config=client_config(pool, params, secret=secret, verb="creating"),
        created_at=now,
        modified_at=now,
    )
    store.insert_client(ctx.conn, client)
    return {"UserPoolClient": describe(client)}


@operation("DescribeUserPoolClient", reads_only=True)
def describe_user_pool_client(ctx: Context, params: dict[str, Any]) -> dict[str, Any]:
    pool = require_pool(ctx, params["UserPoolId"])
    return {"UserPoolClient": describe(require_client(ctx, params["ClientId"], pool.id))}


@operation("UpdateUserPoolClient")
def update_user_pool_client(ctx: Context, params: dict[str, Any]) -> dict[str, Any]:
    """Full replace (core spec §3.1 [DOC BM]); the name is kept when omitted, the secret always."""
    pool = require_pool(ctx, params["UserPoolId"])
    client = require_client(ctx, params["ClientId"], pool.id)
    updated = Client(
        **{
            **client.__dict__,
            "name": params.get("ClientName") or client.name,
            "config": client_config(pool, params, secret=client.secret, verb="updating"),
            "modified_at": ctx.now(),
        }
    )
    store.save_client(ctx.conn, updated)
    return {"UserPoolClient": describe(updated)}


@operation("DeleteUserPoolClient")
def delete_user_pool_client(ctx: Context, params: dict[str, Any]) -> dict[str, Any]:
    pool = require_pool(ctx, params["UserPoolId"])
    client = require_client(ctx, params["ClientId"], pool.id)
    store.delete_client(ctx.conn, client.id)
    return {}


@operation("ListUserPoolClients", reads_only=True)
def list_user_pool_clients(ctx: Context, params: dict[str, Any]) -> dict[str, Any]:
    pool = require_pool(ctx, params["UserPoolId"])
    found, token = paginate(
        f"ListUserPoolClients|{pool.id}",
        params.get("NextToken"),
        int(params.get("MaxResults") or 60),
        lambda after, n: store.list_clients(ctx.conn, pool.id, after=after, limit=n),
        lambda c: c.id,
    )
    out: dict[str, Any] = {
        "UserPoolClients": [{"ClientId": c.id, "UserPoolId": c.pool_id, "ClientName": c.name} for c in found]
    }
    if token is not None:
        out["NextToken"] = token
    return out
