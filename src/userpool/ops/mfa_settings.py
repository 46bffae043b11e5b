"""MFA settings: SetUserPoolMfaConfig, GetUserPoolMfaConfig, (Admin)SetUserMFAPreference and the
legacy (Admin)SetUserSettings (MFA spec §2.1-§2.5, §4.1-§4.3). The rules themselves live in
`userpool.domain.mfa`; this module loads, stores and applies them."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from userpool.api.context import Context
from userpool.api.dispatch import operation
from userpool.api.errors import invalid_parameter
from userpool.domain.mfa import (
    MFA_STATE,
    apply_mfa_preference,
    apply_pool_mfa_config,
    check_mfa_preference,
    factors_record,
    pool_mfa,
    pool_off_clears_users,
    user_after_pool_off,
    user_factors,
    with_mfa_state,
)
from userpool.ops.common import require_pool, require_user, token_caller
from userpool.store import pools as pool_store
from userpool.store import users
from userpool.store.pools import Pool
from userpool.store.users import User, UserScan

# Users loaded per query when pool MFA OFF clears their settings (MFA spec §2.5).
CLEAR_BATCH = 500
PREFERENCE_BLOCKS = ("SMSMfaSettings", "SoftwareTokenMfaSettings", "EmailMfaSettings", "WebAuthnMfaSettings")
# MFA spec §4.3 [INF text]: MFAOptions configures SMS MFA to phone_number only.
LEGACY_SMS_ONLY = "Only SMS delivery to phone_number is supported in MFAOptions."


# --------------------------------------------------------------------------- the pool


def mfa_config(pool: Pool) -> dict[str, Any]:
    """GetUserPoolMfaConfig's body: the stored MfaState (MFA spec §2.1 [DOC BM]); a pool stored
    before MfaState existed reports its mode, plus SMS on the legacy path (§1 sms_factor [INF])."""
    state = pool.config.get(MFA_STATE)
    if state:
        return dict(state)
    out: dict[str, Any] = {"MfaConfiguration": pool_mfa(pool.config).mode}
    if pool_mfa(pool.config).sms:
        sms = {
            k: pool.config[k] for k in ("SmsAuthenticationMessage", "SmsConfiguration") if k in pool.config
        }
        out["SmsMfaConfiguration"] = sms
    return out


def clear_users_if_off(ctx: Context, pool_id: str, old_mode: str, new_mode: str) -> None:
    """MFA spec §2.5 [OBS SEED; INF]: pool MFA turned OFF clears every user's enabled, preferred and
    legacy SMS settings (TOTP secrets and passkeys stay). Users are read in keyset batches."""
    if not pool_off_clears_users(old_mode, new_mode, ctx.settings.switches):
        return
    after: tuple[Any, str] | None = None
    while True:
        batch = users.scan_users(ctx.conn, UserScan(pool_id), after=after, limit=CLEAR_BATCH)
        for user, _, _ in batch:
            _clear_user(ctx, user)
        if len(batch) < CLEAR_BATCH:
            return
        after = (None, batch[-1][2])


def _clear_user(ctx: Context, user: User) -> None:
    cleared = user_after_pool_off(user_factors(user.attributes, user.mfa))
    record = factors_record(user.mfa, cleared)
    if record != user.mfa:
        users.update_columns(ctx.conn, user.id, mfa=record)


@operation("SetUserPoolMfaConfig")
def set_user_pool_mfa_config(ctx: Context, params: dict[str, Any]) -> Mapping[str, Any]:
    """MFA spec §2.2: the request replaces the whole MFA state (omitted mode = OFF, omitted factor
    block = disabled), after the checks E1-E10 of §2.3 in order. The answer echoes the new state."""
    pool = require_pool(ctx, params["UserPoolId"])
    request = {k: v for k, v in params.items() if k != "UserPoolId"}
    state = apply_pool_mfa_config(pool.config, request, ctx.settings.switches)
    updated = replace(pool, config=with_mfa_state(pool.config, state), modified_at=ctx.now())
    pool_store.save_pool(ctx.conn, updated)
    clear_users_if_off(ctx, pool.id, pool_mfa(pool.config).mode, state["MfaConfiguration"])
    return state


@operation("GetUserPoolMfaConfig", reads_only=True)
def get_user_pool_mfa_config(ctx: Context, params: dict[str, Any]) -> Mapping[str, Any]:
    return mfa_config(require_pool(ctx, params["UserPoolId"]))


# --------------------------------------------------------------------------- a user


def _token_user(ctx: Context, access_token: str) -> tuple[Pool, User]:
    caller = token_caller(ctx, access_token)
    return caller.pool, caller.user


def _set_preference(ctx: Context, pool: Pool, user: User, params: Mapping[str, Any]) -> None:
    """MFA spec §4.1-§4.2: check the blocks against the pool and the user, then store the result
    (an omitted block changes nothing; WebAuthnMfaSettings as `webauthn_mfa_enabled`)."""
    request = {k: params[k] for k in PREFERENCE_BLOCKS if params.get(k) is not None}
    current = user_factors(user.attributes, user.mfa)
    check_mfa_preference(pool_mfa(pool.config), current, request)
    record = factors_record(user.mfa, apply_mfa_preference(current, request))
    users.update_columns(ctx.conn, user.id, mfa=record, modified_at=ctx.now())


@operation("AdminSetUserMFAPreference")
def admin_set_user_mfa_preference(ctx: Context, params: dict[str, Any]) -> Mapping[str, Any]:
    pool = require_pool(ctx, params["UserPoolId"])
    _set_preference(ctx, pool, require_user(ctx, pool, params["Username"]), params)
    return {}


@operation("SetUserMFAPreference")
def set_user_mfa_preference(ctx: Context, params: dict[str, Any]) -> Mapping[str, Any]:
    pool, user = _token_user(ctx, params["AccessToken"])
    _set_preference(ctx, pool, user, params)
    return {}


def _set_legacy(ctx: Context, user: User, options: list[Mapping[str, Any]]) -> None:
    """MFA spec §4.3 [DOC BM; INF]: only {SMS, phone_number}; a non-empty list turns legacy SMS MFA
    on, an empty one turns it off."""
    for option in options:
        if option.get("DeliveryMedium") != "SMS" or option.get("AttributeName") != "phone_number":
            raise invalid_parameter(LEGACY_SMS_ONLY)
    record = {**user.mfa, "legacy_sms": bool(options)}
    users.update_columns(ctx.conn, user.id, mfa=record, modified_at=ctx.now())


@operation("AdminSetUserSettings")
def admin_set_user_settings(ctx: Context, params: dict[str, Any]) -> Mapping[str, Any]:
    pool = require_pool(ctx, params["UserPoolId"])
    _set_legacy(ctx, require_user(ctx, pool, params["Username"]), params["MFAOptions"])
    return {}


@operation("SetUserSettings")
def set_user_settings(ctx: Context, params: dict[str, Any]) -> Mapping[str, Any]:
    _, user = _token_user(ctx, params["AccessToken"])
    _set_legacy(ctx, user, params["MFAOptions"])
    return {}
