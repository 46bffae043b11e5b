"""Self-service with a client id: SignUp, ConfirmSignUp, ResendConfirmationCode, ForgotPassword,
ConfirmForgotPassword (core spec §6.4, §7.1-7.3, §12)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from userpool.api.context import Context
from userpool.api.dispatch import operation
from userpool.api.errors import CognitoError, invalid_parameter, not_authorized
from userpool.domain.attributes import check_required
from userpool.domain.recovery import ADMIN_ONLY
from userpool.ops import codes
from userpool.ops.codes import Destination
from userpool.ops.common import check_secret_hash, client_and_pool, find_user
from userpool.ops.passwords import with_password
from userpool.ops.signin import prevents_existence_errors
from userpool.ops.users import CANNOT_RESET, NO_RECOVERY_CHANNEL, cannot_confirm
from userpool.ops.userwrite import (
    attribute_map,
    check_client_may_write,
    check_unique,
    mark_verified,
    new_user,
    schema_of,
)
from userpool.store import users
from userpool.store.pools import Client, Pool
from userpool.store.users import User

# core spec §13 [OBS]
NOT_FOUND = "Username/client id combination not found."
SIGN_UP_NOT_PERMITTED = "SignUp is not permitted for this user pool"
NOT_AUTO_VERIFIED = "Cannot resend codes. Auto verification not turned on."
ALREADY_CONFIRMED = "User is already confirmed."  # [OBS-weak]
ADMIN_RESET_ONLY = "Contact administrator to reset password."  # core spec §7.3 [INF, as moto]
DISABLED = "User is disabled."
# [DOC BM SignUp.Password: passwordless users only where passwordless sign-in is available; INF text]
PASSWORD_REQUIRED = "Password is required for this user pool."  # noqa: S105 - a message


def passwordless(pool: Pool) -> bool:
    """Whether users may sign up without a password: the pool allows an OTP first factor
    ([DOC BM SignUp.Password]; MFA spec §8.1)."""
    sign_in = (pool.config.get("Policies") or {}).get("SignInPolicy") or {}
    return bool({"EMAIL_OTP", "SMS_OTP"} & set(sign_in.get("AllowedFirstAuthFactors") or []))


def _client_pool(ctx: Context, params: Mapping[str, Any]) -> tuple[Client, Pool]:
    """Client, its pool and the SecretHash over the `Username` as sent (core spec §3.4)."""
    client, pool = client_and_pool(ctx, params["ClientId"])
    check_secret_hash(client, params["Username"], params.get("SecretHash"))
    return client, pool


def _not_found() -> CognitoError:
    return CognitoError("UserNotFoundException", NOT_FOUND)


def _auto_verified(pool: Pool) -> list[str]:
    return [a for a in pool.config.get("AutoVerifiedAttributes") or [] if a in ("email", "phone_number")]


def sign_up_destination(pool: Pool, user: User) -> Destination | None:
    """The auto-verified attribute a sign-up code goes to; SMS preferred when both are present
    (core spec §6.4 [INF])."""
    auto = _auto_verified(pool)
    for attribute in ("phone_number", "email"):
        dest = codes.destination_of(user, attribute)
        if attribute in auto and dest is not None:
            return dest
    return None


@operation("SignUp")
def sign_up(ctx: Context, params: dict[str, Any]) -> Mapping[str, Any]:
    """core spec §6.4: client, SECRET_HASH, AllowAdminCreateUserOnly, username, attributes,
    password policy, uniqueness, in that order; the user is UNCONFIRMED."""
    client, pool = _client_pool(ctx, params)
    if (pool.config.get("AdminCreateUserConfig") or {}).get("AllowAdminCreateUserOnly"):
        raise not_authorized(SIGN_UP_NOT_PERMITTED)
    given = attribute_map(params.get("UserAttributes"))
    user = new_user(ctx, pool, params["Username"], given, status="UNCONFIRMED")
    check_client_may_write(pool, client, list(given))
    check_required(schema_of(pool), user.attributes)
    password = params.get("Password")
    if password:
        user = with_password(pool, user, password, temporary=False, now=user.created_at)
    elif not passwordless(pool):
        raise invalid_parameter(PASSWORD_REQUIRED)
    check_unique(ctx, pool, user, "User already exists")
    user = users.insert_user(ctx.conn, user)
    out: dict[str, Any] = {"UserConfirmed": False, "UserSub": user.sub}
    dest = sign_up_destination(pool, user)
    if dest is not None:
        out["CodeDeliveryDetails"] = codes.send_verification_code(
            ctx, pool, user, dest, purpose=codes.SIGN_UP
        )
    return out


@operation("ConfirmSignUp")
def confirm_sign_up(ctx: Context, params: dict[str, Any]) -> Mapping[str, Any]:
    """core spec §7.1: the newest code confirms the user and verifies the attribute it went to;
    ForceAliasCreation takes a verified alias from another user."""
    client, pool = _client_pool(ctx, params)
    user = find_user(ctx, pool, params["Username"])
    if user is None:
        if prevents_existence_errors(client):  # core spec §12 [INF]
            raise CognitoError("CodeMismatchException", codes.CODE_MISMATCH)
        raise _not_found()
    if user.status != "UNCONFIRMED":
        raise cannot_confirm(user)
    row = codes.consume(ctx, pool, user, codes.SIGN_UP, params["ConfirmationCode"])
    confirmed = user.with_changes(status="CONFIRMED", modified_at=ctx.now())
    dest = codes.target_of(row)
    if dest is not None and user.attributes.get(dest.attribute) == dest.value:
        force = bool(params.get("ForceAliasCreation"))
        mark_verified(ctx, pool, confirmed, dest.attribute, dest.value, force=force)
    else:
        users.update_columns(ctx.conn, user.id, status="CONFIRMED", modified_at=confirmed.modified_at)
    return {}


@operation("ResendConfirmationCode")
def resend_confirmation_code(ctx: Context, params: dict[str, Any]) -> Mapping[str, Any]:
    """core spec §7.2: a new sign-up code (older ones stop working); ENABLED answers unknown,
    disabled and confirmed users with simulated delivery details (§12, Q7)."""
    client, pool = _client_pool(ctx, params)
    if not _auto_verified(pool):
        raise invalid_parameter(NOT_AUTO_VERIFIED)
    user = find_user(ctx, pool, params["Username"])
    hidden = prevents_existence_errors(client)
    if hidden and (user is None or not user.enabled or user.status != "UNCONFIRMED"):
        return {"CodeDeliveryDetails": codes.simulated_details(pool, params["Username"])}
    if user is None:
        raise _not_found()
    if user.status != "UNCONFIRMED":
        raise invalid_parameter(ALREADY_CONFIRMED)
    dest = sign_up_destination(pool, user)
    if dest is None:
        raise invalid_parameter(NOT_AUTO_VERIFIED)  # the user has no auto-verified value [INF]
    return {"CodeDeliveryDetails": codes.send_verification_code(ctx, pool, user, dest, purpose=codes.SIGN_UP)}


def _reset_channel(ctx: Context, client: Client, pool: Pool, user: User | None) -> str | None:
    """ForgotPassword's checks (core spec §7.3, §12): the channel, or None when ENABLED hides the
    answer behind simulated delivery details."""
    hidden = prevents_existence_errors(client)
    if user is None:
        if hidden:
            return None
        raise _not_found()
    if not user.enabled:
        if hidden:
            return None
        raise not_authorized(DISABLED)  # [OBS-weak]
    if user.status == "FORCE_CHANGE_PASSWORD":
        raise not_authorized(CANNOT_RESET)  # [OBS]
    channel = codes.reset_channel(ctx, pool, user)
    if channel == ADMIN_ONLY:
        raise not_authorized(ADMIN_RESET_ONLY)
    if channel is None and not hidden:
        raise invalid_parameter(NO_RECOVERY_CHANNEL)
    return channel


@operation("ForgotPassword")
def forgot_password(ctx: Context, params: dict[str, Any]) -> Mapping[str, Any]:
    """core spec §7.3: a 1-hour reset code through the recovery channel (MFA spec §3.3); the
    status and the current password stay as they are until the code is used."""
    client, pool = _client_pool(ctx, params)
    user = find_user(ctx, pool, params["Username"])
    channel = _reset_channel(ctx, client, pool, user)
    if channel is None or user is None:
        return {"CodeDeliveryDetails": codes.simulated_details(pool, params["Username"])}
    return {"CodeDeliveryDetails": codes.send_reset_code(ctx, pool, user, channel)}


@operation("ConfirmForgotPassword")
def confirm_forgot_password(ctx: Context, params: dict[str, Any]) -> Mapping[str, Any]:
    """core spec §7.3: the reset code sets a new password; status CONFIRMED (also from
    RESET_REQUIRED) and the failed-sign-in count cleared [INF]."""
    client, pool = _client_pool(ctx, params)
    user = find_user(ctx, pool, params["Username"])
    if user is None or not user.enabled:
        if prevents_existence_errors(client):  # core spec §12 [DOC DG-ERR]
            raise CognitoError("CodeMismatchException", codes.CODE_MISMATCH)
        raise _not_found() if user is None else not_authorized(DISABLED)
    codes.consume(ctx, pool, user, codes.RESET_PASSWORD, params["ConfirmationCode"])
    updated = with_password(pool, user, params["Password"], temporary=False, now=ctx.now())
    updated = updated.with_changes(
        status="CONFIRMED", failed_attempts=0, last_failure_at=None, lockout_until=None
    )
    users.save_user(ctx.conn, updated)
    return {}
