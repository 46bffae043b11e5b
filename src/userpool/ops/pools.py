"""User pools: CreateUserPool, DescribeUserPool, UpdateUserPool, DeleteUserPool, ListUserPools,
AddCustomAttributes (core spec §2, §5.1, §6.3; MFA spec §1, §3)."""

from __future__ import annotations

import base64
import json
import re
from collections.abc import Callable, Mapping
from typing import Any, TypeVar

from userpool.api.context import Context
from userpool.api.dispatch import operation
from userpool.api.errors import invalid_parameter
from userpool.crypto.keys import take_private_pem
from userpool.domain.attributes import add_custom, build_schema
from userpool.domain.ids import new_pool_id
from userpool.domain.mfa import MFA_STATE, Switches, apply_pool_settings
from userpool.ops.common import require_pool
from userpool.ops.mfa_settings import clear_users_if_off
from userpool.store import pools as store
from userpool.store import users as user_store
from userpool.store.pools import Pool

# Settings UpdateUserPool replaces (absent -> default); the rest are fixed at creation or kept.
UPDATABLE = [
    "Policies",
    "DeletionProtection",
    "LambdaConfig",
    "AutoVerifiedAttributes",
    "SmsVerificationMessage",
    "EmailVerificationMessage",
    "EmailVerificationSubject",
    "VerificationMessageTemplate",
    "SmsAuthenticationMessage",
    "UserAttributeUpdateSettings",
    "MfaConfiguration",
    "DeviceConfiguration",
    "EmailConfiguration",
    "SmsConfiguration",
    "UserPoolTags",
    "AdminCreateUserConfig",
    "UserPoolAddOns",
    "AccountRecoverySetting",
    "PoolName",
    "UserPoolTier",
]
FIXED = ("UsernameAttributes", "AliasAttributes", "UsernameConfiguration")
T = TypeVar("T")


def default_password_policy() -> dict[str, Any]:
    """API-created pools require every character class (core spec §5.1 [DOC CLI-EX])."""
    return {
        "MinimumLength": 8,
        "RequireUppercase": True,
        "RequireLowercase": True,
        "RequireNumbers": True,
        "RequireSymbols": True,
        "TemporaryPasswordValidityDays": 7,
    }


def _policies(given: Mapping[str, Any] | None) -> dict[str, Any]:
    policies = dict(given or {})
    password = {**default_password_policy(), **(policies.get("PasswordPolicy") or {})}
    if not password.get("TemporaryPasswordValidityDays"):
        password["TemporaryPasswordValidityDays"] = 7
    policies["PasswordPolicy"] = password
    return policies


def _admin_create_user_config(given: Mapping[str, Any] | None, policies: Mapping[str, Any]) -> dict[str, Any]:
    cfg = {"AllowAdminCreateUserOnly": False, **(given or {})}
    # The legacy UnusedAccountValidityDays reports the temporary-password validity (core spec §5.1).
    cfg["UnusedAccountValidityDays"] = policies["PasswordPolicy"]["TemporaryPasswordValidityDays"]
    return cfg


# MFA spec §3.1 [DOC BM EmailConfigurationType.From]: `addr@domain` or `Display Name <addr@domain>`.
_FROM = re.compile(r"[^<>@\s]+@[^<>@\s]+\.[^<>@\s]+|[^<>]*<[^<>@\s]+@[^<>@\s]+\.[^<>@\s]+>")


def _check_email_configuration(cfg: Mapping[str, Any] | None) -> None:
    """MFA spec §3.1 [OBS GH-aws-cdk-9739]: no From on Cognito's default sender without a SourceArn."""
    if not cfg:
        return
    account = cfg.get("EmailSendingAccount", "COGNITO_DEFAULT")
    if account == "COGNITO_DEFAULT" and cfg.get("From") and not cfg.get("SourceArn"):
        raise invalid_parameter("Cannot configure From email address for default email configuration")
    if account == "DEVELOPER" and not cfg.get("SourceArn"):
        raise invalid_parameter("SourceArn is required when EmailSendingAccount is DEVELOPER")
    if cfg.get("From") and not _FROM.fullmatch(str(cfg["From"]).strip()):
        raise invalid_parameter("Provided From email address is invalid")  # §3.1 [OBS GH-aws-cdk-18903]
    _check_sender_resolvable(cfg)


def _check_sender_resolvable(cfg: Mapping[str, Any]) -> None:
    """MFA spec §3.1 SEED case [OBS SEED; INF text]: a SourceArn naming a domain identity gives no
    sending address, so From must supply one."""
    arn = str(cfg.get("SourceArn") or "")
    identity = arn.rsplit("identity/", 1)[-1] if "identity/" in arn else ""
    if identity and "@" not in identity and not cfg.get("From"):
        raise invalid_parameter(
            f"Unable to resolve a sender email address from SourceArn {arn}; provide From."
        )


def _settings(
    params: Mapping[str, Any], current: Mapping[str, Any] | None, switches: Switches
) -> dict[str, Any]:
    """The stored settings for a create (current None) or a full-replace update."""
    cfg: dict[str, Any] = {k: v for k, v in params.items() if k in UPDATABLE and k != "PoolName"}
    _check_email_configuration(params.get("EmailConfiguration"))
    cfg["Policies"] = _policies(params.get("Policies"))
    cfg["AdminCreateUserConfig"] = _admin_create_user_config(
        params.get("AdminCreateUserConfig"), cfg["Policies"]
    )
    cfg.setdefault("VerificationMessageTemplate", {"DefaultEmailOption": "CONFIRM_WITH_CODE"})
    # MFA spec §2.2 [OBS CDKD]: an UpdateUserPool without MfaConfiguration keeps it.
    cfg.setdefault("MfaConfiguration", (current or {}).get("MfaConfiguration", "OFF"))
    cfg.setdefault("EmailConfiguration", {"EmailSendingAccount": "COGNITO_DEFAULT"})
    cfg.setdefault("DeletionProtection", "INACTIVE")
    cfg.setdefault("LambdaConfig", {})
    if current is None:
        cfg.setdefault("UserPoolTier", "ESSENTIALS")  # MFA spec §1 [DOC BM]
        if params.get("UsernameAttributes") and params.get("AliasAttributes"):
            raise invalid_parameter(
                "Only one of the aliasAttributes or usernameAttributes can be set in a User Pool."
            )
        for key in FIXED:
            if key in params:
                cfg[key] = params[key]
        cfg["SchemaAttributes"] = build_schema(params.get("Schema"))
    else:
        cfg.setdefault("UserPoolTier", current.get("UserPoolTier", "ESSENTIALS"))
        for key in (*FIXED, "SchemaAttributes"):
            if key in current:
                cfg[key] = current[key]
    _check_auto_verified(cfg)
    # MFA spec §2.3 U1-U5, and the MfaState the new settings leave.
    return apply_pool_settings(cfg, current, switches)


def _check_auto_verified(cfg: Mapping[str, Any]) -> None:
    """Only auto-verified attributes may require verification before update (core spec §7.6)."""
    auto = set(cfg.get("AutoVerifiedAttributes") or [])
    settings = cfg.get("UserAttributeUpdateSettings") or {}
    pending = set(settings.get("AttributesRequireVerificationBeforeUpdate") or [])
    if not pending <= auto:
        raise invalid_parameter(
            "Attributes that require verification before update must also be auto-verified."
        )


def describe(ctx: Context, pool: Pool) -> dict[str, Any]:
    """`UserPoolType` (DescribeUserPool, CreateUserPool, the console)."""
    out = {k: v for k, v in pool.config.items() if k != MFA_STATE}
    if ctx.settings.sms_sandbox:
        out["SmsConfigurationFailure"] = "SNSSandbox"  # MFA spec §3.2 [DOC BM; OBS SEED]
    out.update(
        {
            "Id": pool.id,
            "Name": pool.name,
            "Arn": f"arn:aws:cognito-idp:{pool.region}:{ctx.settings.account_id}:userpool/{pool.id}",
            "CreationDate": pool.created_at,
            "LastModifiedDate": pool.modified_at,
            "EstimatedNumberOfUsers": user_store.count_users(ctx.conn, pool.id),
        }
    )
    return out


@operation("CreateUserPool")
def create_user_pool(ctx: Context, params: dict[str, Any]) -> dict[str, Any]:
    now = ctx.now()
    pool = Pool(
        id=new_pool_id(ctx.caller_region),
        region=ctx.caller_region,
        name=params["PoolName"],
        config=_settings(params, None, ctx.settings.switches),
        id_key_pem=take_private_pem().decode(),
        access_key_pem=take_private_pem().decode(),
        created_at=now,
        modified_at=now,
    )
    store.insert_pool(ctx.conn, pool)
    return {"UserPool": describe(ctx, pool)}


@operation("DescribeUserPool", reads_only=True)
def describe_user_pool(ctx: Context, params: dict[str, Any]) -> dict[str, Any]:
    return {"UserPool": describe(ctx, require_pool(ctx, params["UserPoolId"]))}


@operation("UpdateUserPool")
def update_user_pool(ctx: Context, params: dict[str, Any]) -> dict[str, Any]:
    pool = require_pool(ctx, params["UserPoolId"])
    config = _settings(params, pool.config, ctx.settings.switches)
    updated = Pool(**{**pool.__dict__, "config": config, "modified_at": ctx.now()})
    store.save_pool(ctx.conn, updated, name=params.get("PoolName"))
    # MFA spec §2.5: turning pool MFA OFF clears users' MFA settings, by whichever operation.
    clear_users_if_off(ctx, pool.id, pool.config.get("MfaConfiguration", "OFF"), config["MfaConfiguration"])
    return {}


@operation("DeleteUserPool")
def delete_user_pool(ctx: Context, params: dict[str, Any]) -> dict[str, Any]:
    pool = require_pool(ctx, params["UserPoolId"])
    if pool.config.get("DeletionProtection") == "ACTIVE":
        raise invalid_parameter("The user pool cannot be deleted because deletion protection is activated.")
    store.delete_pool(ctx.conn, pool.id)
    return {}


def encode_token(value: str) -> str:
    return base64.urlsafe_b64encode(json.dumps({"after": value}).encode()).decode()


def decode_token(token: str | None) -> str | None:
    """Opaque NextToken of the list operations; garbage -> InvalidParameterException."""
    if token is None:
        return None
    try:
        after = json.loads(base64.urlsafe_b64decode(token.encode()))["after"]
    except (ValueError, KeyError, TypeError):
        raise invalid_parameter("Invalid pagination token.") from None
    if not isinstance(after, str):
        raise invalid_parameter("Invalid pagination token.")
    return after


@operation("ListUserPools", reads_only=True)
def list_user_pools(ctx: Context, params: dict[str, Any]) -> dict[str, Any]:
    limit = int(params["MaxResults"])
    found = store.list_pools(ctx.conn, after=decode_token(params.get("NextToken")), limit=limit + 1)
    out: dict[str, Any] = {
        "UserPools": [
            {
                "Id": p.id,
                "Name": p.name,
                "LambdaConfig": p.config.get("LambdaConfig", {}),
                "LastModifiedDate": p.modified_at,
                "CreationDate": p.created_at,
            }
            for p in found[:limit]
        ]
    }
    if len(found) > limit:
        out["NextToken"] = encode_token(found[limit - 1].id)
    return out


@operation("AddCustomAttributes")
def add_custom_attributes(ctx: Context, params: dict[str, Any]) -> dict[str, Any]:
    pool = require_pool(ctx, params["UserPoolId"])
    schema = add_custom(pool.config.get("SchemaAttributes") or [], params["CustomAttributes"])
    config = {**pool.config, "SchemaAttributes": schema}
    store.save_pool(ctx.conn, Pool(**{**pool.__dict__, "config": config, "modified_at": ctx.now()}))
    return {}


def encode_scoped_token(scope: str, after: str) -> str:
    """A NextToken tied to the request it continues (`scope` names operation, pool, filter...)."""
    return encode_token(json.dumps([scope, after]))


def decode_scoped_token(scope: str, token: str | None) -> str | None:
    """The position a scoped NextToken carries; garbage or another request's token ->
    `Invalid pagination token.` (core spec §11.1 [INF text])."""
    raw = decode_token(token)
    if raw is None:
        return None
    try:
        found_scope, after = json.loads(raw)
    except (ValueError, TypeError):
        raise invalid_parameter("Invalid pagination token.") from None
    if found_scope != scope or not isinstance(after, str):
        raise invalid_parameter("Invalid pagination token.")
    return after


def paginate(
    scope: str,
    token: str | None,
    limit: int,
    fetch: Callable[[str | None, int], list[T]],
    key: Callable[[T], str],
) -> tuple[list[T], str | None]:
    """One page of a list operation: `fetch(after, n)` returns up to n items after the position;
    the NextToken is returned only when more items remain."""
    found = fetch(decode_scoped_token(scope, token), limit + 1)
    if len(found) <= limit:
        return found, None
    return found[:limit], encode_scoped_token(scope, key(found[limit - 1]))
