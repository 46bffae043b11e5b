"""Software tokens: AssociateSoftwareToken and VerifySoftwareToken, by access token or by an
MFA_SETUP session (MFA spec §7)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from userpool.api.context import Context
from userpool.api.dispatch import operation
from userpool.api.errors import CognitoError, invalid_parameter, not_authorized, totp_not_found
from userpool.crypto import totp
from userpool.domain.mfa import TOTP, pool_mfa
from userpool.ops.signin import session_lifetime, start_session
from userpool.store import pools, sessions, users
from userpool.store.pools import Pool
from userpool.store.sessions import AuthSession
from userpool.store.users import User
from userpool.tokens import service as tokens

NOT_ENABLED = "Software Token MFA has not been enabled by the userPool."  # MFA spec §7.1 [DOC DG-TOTP]
MISMATCH = "Code mismatch and fail enable Software Token MFA"  # MFA spec §7.2 [OBS]


def _one_of(params: Mapping[str, Any]) -> tuple[str | None, str | None]:
    """Exactly one of AccessToken and Session (MFA spec §7.1 [INF text])."""
    token, session = params.get("AccessToken"), params.get("Session")
    if bool(token) == bool(session):
        raise invalid_parameter("Exactly one of AccessToken and Session must be provided.")
    return token, session


def _by_session(ctx: Context, session_string: str) -> tuple[Pool, User, AuthSession]:
    """An MFA_SETUP session names its pool and user (core spec §1.2 item 3)."""
    found = sessions.load(ctx.conn, session_string, client_id=None, now=ctx.now())
    if found.challenge != "MFA_SETUP":
        raise not_authorized(sessions.INVALID)  # MFA spec §6.4: wrong-purpose session
    pool = pools.get_pool(ctx.conn, found.pool_id)
    user = users.get_by_id(ctx.conn, found.user_id or 0)
    if pool is None or user is None:
        raise not_authorized(sessions.INVALID)
    return pool, user, found


def _caller(ctx: Context, params: Mapping[str, Any]) -> tuple[Pool, User, AuthSession | None]:
    token, session = _one_of(params)
    if token:
        caller = tokens.authenticate(ctx, token)
        return caller.pool, caller.user, None
    return _by_session(ctx, str(session))


def _require_totp_factor(pool: Pool) -> None:
    if not pool_mfa(pool.config).totp:
        raise CognitoError("SoftwareTokenMFANotFoundException", NOT_ENABLED)


def _next_session(ctx: Context, found: AuthSession, **data: Any) -> str:
    """Each step of the setup returns a fresh MFA_SETUP session (MFA spec §6.4)."""
    client = pools.get_client(ctx.conn, found.client_id)
    lifetime = session_lifetime(client) if client else found.expires_at - found.created_at
    sessions.consume(ctx.conn, found, now=ctx.now())
    return start_session(
        ctx,
        pool_id=found.pool_id,
        client_id=found.client_id,
        user_id=found.user_id,
        challenge="MFA_SETUP",
        data={**found.data, **data},
        lifetime=lifetime,
    )


@operation("AssociateSoftwareToken")
def associate_software_token(ctx: Context, params: dict[str, Any]) -> Mapping[str, Any]:
    """A fresh pending secret per call; a verified token keeps working until the new one is
    verified (MFA spec §7.1 [DOC API-ASSOC])."""
    pool, user, found = _caller(ctx, params)
    _require_totp_factor(pool)
    secret = totp.new_secret()
    record = {**user.mfa, "totp": {**(user.mfa.get("totp") or {}), "pending_secret": secret}}
    users.update_columns(ctx.conn, user.id, mfa=record)
    out: dict[str, Any] = {"SecretCode": secret}
    if found is not None:
        out["Session"] = _next_session(ctx, found)
    return out


@operation("VerifySoftwareToken")
def verify_software_token(ctx: Context, params: dict[str, Any]) -> Mapping[str, Any]:
    """MFA spec §7.2: the pending secret becomes the user's token; FriendlyDeviceName is kept."""
    pool, user, found = _caller(ctx, params)
    _require_totp_factor(pool)
    token = dict(user.mfa.get("totp") or {})
    pending = token.get("pending_secret")
    if not pending:
        raise totp_not_found()
    step = totp.matching_step(str(pending), params["UserCode"], ctx.now())
    if step is None:
        raise CognitoError("EnableSoftwareTokenMFAException", MISMATCH)
    token = {
        "secret": pending,
        "verified": True,
        "friendly_name": params.get("FriendlyDeviceName") or token.get("friendly_name"),
        "last_accepted_step": step,  # the code used to verify can't also sign in (MFA spec §7.3)
    }
    record: dict[str, Any] = {**user.mfa, "totp": token}
    if ctx.settings.switches.verify_software_token_enables:  # MFA spec §7.2, Q4
        enabled = list(record.get("mfa_enabled") or [])
        record["mfa_enabled"] = [*enabled, TOTP] if TOTP not in enabled else enabled
    users.update_columns(ctx.conn, user.id, mfa=record, modified_at=ctx.now())
    out: dict[str, Any] = {"Status": "SUCCESS"}
    if found is not None:
        out["Session"] = _next_session(ctx, found, totp_verified=True)
    return out
