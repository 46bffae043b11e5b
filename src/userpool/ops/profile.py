"""Self-service with an access token: ChangePassword, GetUser, UpdateUserAttributes,
GetUserAttributeVerificationCode, VerifyUserAttribute, DeleteUser, DeleteUserAttributes
(core spec §4.9, §7.4-7.7, §10)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from userpool.api.context import Context
from userpool.api.dispatch import operation
from userpool.api.errors import invalid_parameter, not_authorized
from userpool.domain.attributes import readable
from userpool.ops import codes
from userpool.ops.common import attribute_list, mfa_fields, token_caller
from userpool.ops.passwords import password_matches, with_password
from userpool.ops.signin import INCORRECT
from userpool.ops.users import forget_user, send_verifications
from userpool.ops.userwrite import (
    CHANNELS,
    attribute_map,
    check_client_may_write,
    delete_attributes,
    mark_verified,
    schema_of,
    update_attributes,
)
from userpool.store import pools, users
from userpool.store.pools import Client
from userpool.tokens.service import INVALID_ACCESS_TOKEN, Caller

# core spec §7.5 [INF texts]
INVALID_ATTRIBUTE = "Invalid attribute name"


def _caller(ctx: Context, params: Mapping[str, Any]) -> tuple[Caller, Client]:
    """The access token's user (every check of core spec §4.9) and the client it was issued to."""
    caller = token_caller(ctx, params["AccessToken"])
    client = pools.get_client(ctx.conn, caller.client_id)
    if client is None:
        raise not_authorized(INVALID_ACCESS_TOKEN)  # the client was deleted [INF]
    return caller, client


@operation("ChangePassword")
def change_password(ctx: Context, params: dict[str, Any]) -> Mapping[str, Any]:
    """core spec §7.4: a wrong previous password -> `Incorrect username or password.` [OBS]; after
    5 of them LimitExceededException for 15 minutes (§14 [OBS GH-aws-sdk-android-627; INF count])."""
    caller, _client = _caller(ctx, params)
    pool, user = caller.pool, caller.user
    codes.refuse_if_limited(ctx, pool, user, codes.CHANGE_PASSWORD)
    # [DOC BM ChangePassword.PreviousPassword]: required when the user has a password.
    previous = params.get("PreviousPassword")
    if user.password_verifier is not None and not password_matches(pool, user, previous or ""):
        codes.count_wrong(ctx, pool, user, codes.CHANGE_PASSWORD)
        raise not_authorized(INCORRECT, keep_changes=True)
    codes.forget_wrong(ctx, pool, user, codes.CHANGE_PASSWORD)
    users.save_user(
        ctx.conn, with_password(pool, user, params["ProposedPassword"], temporary=False, now=ctx.now())
    )
    return {}


@operation("GetUser", reads_only=True)
def get_user(ctx: Context, params: dict[str, Any]) -> Mapping[str, Any]:
    """core spec §7.7, §10: the attributes the client may read (`sub` always) and MFA fields."""
    caller, client = _caller(ctx, params)
    names = readable(schema_of(caller.pool), client.config.get("ReadAttributes"))
    return {
        "Username": caller.user.username,
        "UserAttributes": attribute_list(caller.user.attributes, names),
        **mfa_fields(ctx, caller.pool, caller.user),
    }


@operation("UpdateUserAttributes")
def update_user_attributes(ctx: Context, params: dict[str, Any]) -> Mapping[str, Any]:
    """core spec §7.6: client-writable attributes only; a code for each changed auto-verified
    value (or pending value under verification-before-update)."""
    caller, client = _caller(ctx, params)
    changes = attribute_map(params["UserAttributes"])
    check_client_may_write(caller.pool, client, list(changes))
    updated, to_verify = update_attributes(ctx, caller.pool, caller.user, changes, given_wording=True)
    # UpdateUserAttributes declares no LimitExceededException: sends are not limited here.
    return {
        "CodeDeliveryDetailsList": send_verifications(ctx, caller.pool, updated, to_verify, limited=False)
    }


def _channel(params: Mapping[str, Any]) -> str:
    attribute = str(params["AttributeName"])
    if attribute not in CHANNELS:
        raise invalid_parameter(INVALID_ATTRIBUTE)
    return attribute


@operation("GetUserAttributeVerificationCode")
def get_user_attribute_verification_code(ctx: Context, params: dict[str, Any]) -> Mapping[str, Any]:
    """core spec §7.5: a 24-hour code to the pending value if there is one, else the current one."""
    caller, _client = _caller(ctx, params)
    attribute = _channel(params)
    user = caller.user
    dest = codes.pending_destination(ctx, user, attribute) or codes.destination_of(user, attribute)
    if dest is None:
        raise invalid_parameter(f"User does not have a value for the attribute: {attribute}")  # [INF]
    details = codes.send_verification_code(
        ctx, caller.pool, user, dest, purpose=codes.verify_purpose(attribute)
    )
    return {"CodeDeliveryDetails": details}


@operation("VerifyUserAttribute")
def verify_user_attribute(ctx: Context, params: dict[str, Any]) -> Mapping[str, Any]:
    """core spec §7.5: the attribute becomes verified; a pending value replaces the current one."""
    caller, _client = _caller(ctx, params)
    attribute = _channel(params)
    user = caller.user
    row = codes.consume(ctx, caller.pool, user, codes.verify_purpose(attribute), params["Code"])
    dest = codes.target_of(row)
    value = dest.value if dest is not None else user.attributes.get(attribute, "")
    mark_verified(ctx, caller.pool, user, attribute, value, force=False)
    return {}


@operation("DeleteUser")
def delete_user(ctx: Context, params: dict[str, Any]) -> Mapping[str, Any]:
    caller, _client = _caller(ctx, params)
    forget_user(ctx, caller.pool, caller.user)
    return {}


@operation("DeleteUserAttributes")
def delete_user_attributes(ctx: Context, params: dict[str, Any]) -> Mapping[str, Any]:
    caller, client = _caller(ctx, params)
    names = list(params["UserAttributeNames"])
    check_client_may_write(caller.pool, client, names)
    delete_attributes(ctx, caller.pool, caller.user, names)
    return {}
