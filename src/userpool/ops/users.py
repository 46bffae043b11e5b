"""Admin user operations: AdminCreateUser, AdminGetUser, AdminDeleteUser, AdminSetUserPassword,
AdminUpdateUserAttributes, AdminDeleteUserAttributes, AdminDisableUser, AdminEnableUser,
AdminResetUserPassword, AdminConfirmSignUp (core spec §6.5, §6.7, §10)."""

from __future__ import annotations

from collections.abc import Mapping
from functools import partial
from typing import Any

from userpool.api.context import Context
from userpool.api.dispatch import operation
from userpool.api.errors import CognitoError, invalid_parameter, not_authorized
from userpool.domain import templates
from userpool.domain.passwords import generate_temporary_password
from userpool.domain.recovery import ADMIN_ONLY
from userpool.ops import codes
from userpool.ops.codes import Destination
from userpool.ops.common import attribute_list, mfa_fields, require_pool, require_user, user_type
from userpool.ops.passwords import credential_ahead, policy_of, with_password
from userpool.ops.userwrite import (
    attribute_map,
    check_unique,
    claim_aliases,
    delete_attributes,
    new_user,
    owns_an_alias,
    update_attributes,
)
from userpool.store import counters, users
from userpool.store.pools import Pool
from userpool.store.users import User
from userpool.tokens import service as tokens

# core spec §6.7 / §13 [OBS]
CANNOT_RESET = "User password cannot be reset in the current state."
NO_RECOVERY_CHANNEL = (
    "Cannot reset password for the user as there is no registered/verified email or phone_number"
)
# core spec §6.5 [INF text]
NO_MEDIUM = "User has no attribute matching desired delivery mediums"
_MEDIUM_ATTRIBUTE = {"EMAIL": "email", "SMS": "phone_number"}


def cannot_confirm(user: User) -> CognitoError:
    """core spec §7.1 [OBS] (AdminConfirmSignUp reuses it [INF])."""
    return not_authorized(f"User cannot be confirmed. Current status is {user.status}")


def forget_user(ctx: Context, pool: Pool, user: User) -> None:
    """AdminDeleteUser / DeleteUser: the user, its tokens, codes and counters (core spec §6.7)."""
    users.delete_user(ctx.conn, user.id)
    counters.clear_prefix(ctx.conn, codes.user_prefix(pool, user))


def _invite(ctx: Context, pool: Pool, user: User, params: Mapping[str, Any], password: str) -> None:
    """The invitation (core spec §6.5 [DOC BM]) to each requested medium (default SMS) the user has an
    attribute for. Mediums asked for explicitly but none usable -> InvalidParameterException [INF];
    with the default, a user without a phone number just gets no message [INF: tutorials create
    users with neither attribute nor SUPPRESS]. A template without `{####}` is not delivered."""
    mediums = params.get("DesiredDeliveryMediums") or []
    wanted = mediums or ["SMS"]
    dests = [d for m in wanted if (d := codes.destination_of(user, _MEDIUM_ATTRIBUTE[m])) is not None]
    if not dests and mediums:
        raise invalid_parameter(NO_MEDIUM)
    template = templates.invitation(pool.config.get("AdminCreateUserConfig"))
    for dest in dests:
        body = template[2] if dest.medium == "SMS" else template[1]
        if templates.CODE_PLACEHOLDER not in body:
            continue
        codes.deliver(
            ctx,
            pool,
            dest,
            template,
            code=password,
            purpose="invitation",
            username=user.username,
            shown_username=params["Username"],
        )


def _resend(ctx: Context, pool: Pool, params: Mapping[str, Any]) -> dict[str, Any]:
    """MessageAction RESEND (core spec §6.5 [OBS-weak text]): a new temporary password, validity
    restarting, the invitation sent again."""
    user = require_user(ctx, pool, params["Username"])
    if user.status != "FORCE_CHANGE_PASSWORD":
        raise CognitoError(
            "UnsupportedUserStateException",
            f"Resend not possible. {params['Username']} status is not FORCE_CHANGE_PASSWORD.",
        )
    password = params.get("TemporaryPassword") or generate_temporary_password(policy_of(pool))
    user = with_password(pool, user, password, temporary=True, now=ctx.now(), ahead=ctx.ahead)
    users.save_user(ctx.conn, user)
    _invite(ctx, pool, user, params, password)
    return {"User": user_type(ctx, pool, user)}


def _temporary_credential(params: dict[str, Any]) -> object:
    return credential_ahead(params["UserPoolId"], params["Username"], params.get("TemporaryPassword"))


def _creates(params: dict[str, Any]) -> bool:
    """AdminCreateUser runs as a reader first (dispatch.READS_FIRST), the new user (and its
    invitation) inserted right after: SQLite's one writer is held for the inserts alone. It runs
    again as a writer when it must (a RESEND, an alias to check, a username taken meanwhile)."""
    return params.get("MessageAction") != "RESEND"


@operation("AdminCreateUser", ahead=_temporary_credential, reads_first=_creates)
def admin_create_user(ctx: Context, params: dict[str, Any]) -> Mapping[str, Any]:
    """core spec §6.5: required attributes are not enforced; status FORCE_CHANGE_PASSWORD."""
    pool = require_pool(ctx, params["UserPoolId"])
    if params.get("MessageAction") == "RESEND":
        return _resend(ctx, pool, params)
    given = attribute_map(params.get("UserAttributes"))
    user = new_user(ctx, pool, params["Username"], given, status="FORCE_CHANGE_PASSWORD")
    if owns_an_alias(pool, user):  # checked by check_unique and claim_aliases, in the writer:
        ctx.require_writer()  # go there before the password is made, not after
    password = params.get("TemporaryPassword") or generate_temporary_password(policy_of(pool))
    # One instant for the whole creation: UserCreateDate == UserLastModifiedDate (core spec §6.5).
    user = with_password(pool, user, password, temporary=True, now=user.created_at, ahead=ctx.ahead)
    # core spec §6.5 [OBS GH-localstack-4465]
    check_unique(ctx, pool, user, "User account already exists")
    # [DOC BM AdminCreateUser.ForceAliasCreation]: a verified alias another user has.
    force = bool(params.get("ForceAliasCreation"))
    claim_aliases(ctx, pool, user.with_changes(attributes={}), user, force=force, given_wording=True)
    ctx.write_after_reading(partial(users.insert_user, user=user))
    if params.get("MessageAction") != "SUPPRESS":
        _invite(ctx, pool, user, params, password)
    return {"User": user_type(ctx, pool, user)}


@operation("AdminGetUser", reads_only=True)
def admin_get_user(ctx: Context, params: dict[str, Any]) -> Mapping[str, Any]:
    """core spec §6.7, §10: every attribute, `sub` first; dates, status, MFA fields."""
    pool = require_pool(ctx, params["UserPoolId"])
    user = require_user(ctx, pool, params["Username"])
    return {
        "Username": user.username,
        "UserAttributes": attribute_list(user.attributes),
        "UserCreateDate": user.created_at,
        "UserLastModifiedDate": user.modified_at,
        "Enabled": user.enabled,
        "UserStatus": user.status,
        **mfa_fields(ctx, pool, user),
    }


@operation("AdminDeleteUser")
def admin_delete_user(ctx: Context, params: dict[str, Any]) -> Mapping[str, Any]:
    pool = require_pool(ctx, params["UserPoolId"])
    forget_user(ctx, pool, require_user(ctx, pool, params["Username"]))
    return {}


def _new_credential(params: dict[str, Any]) -> object:
    return credential_ahead(params["UserPoolId"], params["Username"], params["Password"])


@operation("AdminSetUserPassword", ahead=_new_credential)
def admin_set_user_password(ctx: Context, params: dict[str, Any]) -> Mapping[str, Any]:
    """core spec §6.7: Permanent -> CONFIRMED (from any status); otherwise FORCE_CHANGE_PASSWORD
    with the temporary validity restarting and no message."""
    pool = require_pool(ctx, params["UserPoolId"])
    user = require_user(ctx, pool, params["Username"])
    permanent = bool(params.get("Permanent"))
    updated = with_password(
        pool, user, params["Password"], temporary=not permanent, now=ctx.now(), ahead=ctx.ahead
    )
    users.save_user(
        ctx.conn, updated.with_changes(status="CONFIRMED" if permanent else "FORCE_CHANGE_PASSWORD")
    )
    return {}


@operation("AdminUpdateUserAttributes")
def admin_update_user_attributes(ctx: Context, params: dict[str, Any]) -> Mapping[str, Any]:
    """core spec §6.7, §7.6: like UpdateUserAttributes, any attribute (verified flags included);
    a changed auto-verified value still gets a code unless the flag is set true with it."""
    pool = require_pool(ctx, params["UserPoolId"])
    user = require_user(ctx, pool, params["Username"])
    changes = attribute_map(params.get("UserAttributes"))
    updated, to_verify = update_attributes(ctx, pool, user, changes, given_wording=True)
    send_verifications(ctx, pool, updated, to_verify, limited=False)
    return {}


def send_verifications(
    ctx: Context, pool: Pool, user: User, to_verify: list[Destination], *, limited: bool
) -> list[dict[str, str]]:
    """One attribute-verification code per value to verify; their CodeDeliveryDetails."""
    return [
        codes.send_verification_code(
            ctx, pool, user, dest, purpose=codes.verify_purpose(dest.attribute), limited=limited
        )
        for dest in to_verify
    ]


@operation("AdminDeleteUserAttributes")
def admin_delete_user_attributes(ctx: Context, params: dict[str, Any]) -> Mapping[str, Any]:
    pool = require_pool(ctx, params["UserPoolId"])
    user = require_user(ctx, pool, params["Username"])
    delete_attributes(ctx, pool, user, list(params["UserAttributeNames"]))
    return {}


@operation("AdminDisableUser")
def admin_disable_user(ctx: Context, params: dict[str, Any]) -> Mapping[str, Any]:
    """core spec §4.8, §6.7 [DOC BM]: disabling also revokes the user's tokens."""
    pool = require_pool(ctx, params["UserPoolId"])
    user = require_user(ctx, pool, params["Username"])
    users.update_columns(ctx.conn, user.id, enabled=False, modified_at=ctx.now())
    tokens.revoke_all_of_user(ctx, user)
    return {}


@operation("AdminEnableUser")
def admin_enable_user(ctx: Context, params: dict[str, Any]) -> Mapping[str, Any]:
    pool = require_pool(ctx, params["UserPoolId"])
    user = require_user(ctx, pool, params["Username"])
    users.update_columns(ctx.conn, user.id, enabled=True, modified_at=ctx.now())
    return {}


@operation("AdminResetUserPassword")
def admin_reset_user_password(ctx: Context, params: dict[str, Any]) -> Mapping[str, Any]:
    """core spec §6.7: RESET_REQUIRED and a reset code through the recovery channel (MFA spec §3.3);
    with `admin_only` recovery no code is sent [INF]."""
    pool = require_pool(ctx, params["UserPoolId"])
    user = require_user(ctx, pool, params["Username"])
    if user.status == "FORCE_CHANGE_PASSWORD":
        raise not_authorized(CANNOT_RESET)  # [OBS]
    channel = codes.reset_channel(ctx, pool, user)
    if channel is None:
        raise invalid_parameter(NO_RECOVERY_CHANNEL)  # [INF for this operation]
    users.update_columns(ctx.conn, user.id, status="RESET_REQUIRED", modified_at=ctx.now())
    if channel != ADMIN_ONLY:
        codes.send_reset_code(ctx, pool, user, channel)
    return {}


@operation("AdminConfirmSignUp")
def admin_confirm_sign_up(ctx: Context, params: dict[str, Any]) -> Mapping[str, Any]:
    """core spec §6.7: UNCONFIRMED -> CONFIRMED, attributes stay unverified."""
    pool = require_pool(ctx, params["UserPoolId"])
    user = require_user(ctx, pool, params["Username"])
    if user.status != "UNCONFIRMED":
        raise cannot_confirm(user)
    users.update_columns(ctx.conn, user.id, status="CONFIRMED", modified_at=ctx.now())
    return {}
