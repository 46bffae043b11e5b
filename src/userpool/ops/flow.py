"""The sign-in state machine after the first proof: NEW_PASSWORD_REQUIRED (core spec §6.6), the MFA
decision and its challenges (MFA spec §5, §6), and tokens at the end."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from userpool.api.context import Context
from userpool.api.errors import CognitoError, invalid_parameter, not_authorized
from userpool.domain.attributes import UNWRITABLE, VERIFIED_FLAGS, missing_required, validate_values, writable
from userpool.domain.mfa import FirstFactor
from userpool.ops import challenges, devices, srp
from userpool.ops.common import check_secret_hash, find_user, required
from userpool.ops.passwords import with_password
from userpool.ops.signin import new_session
from userpool.store import sessions, users
from userpool.store.pools import Client, Pool
from userpool.store.sessions import AuthSession
from userpool.store.users import User
from userpool.tokens import service as tokens


def new_password_required(
    ctx: Context, pool: Pool, client: Client, user: User, **carry: Any
) -> dict[str, Any]:
    """The NEW_PASSWORD_REQUIRED challenge (core spec §6.6 [DOC CLI-EX]); `carry`: what the sign-in
    goes on with after it (first factor, device key)."""
    shown = {k: v for k, v in user.attributes.items() if k != "sub"}
    required_names = missing_required(pool.config.get("SchemaAttributes") or [], user.attributes)
    return {
        "ChallengeName": "NEW_PASSWORD_REQUIRED",
        "Session": new_session(ctx, pool, client, user, "NEW_PASSWORD_REQUIRED", **carry),
        "ChallengeParameters": {
            "USER_ID_FOR_SRP": user.username,
            "requiredAttributes": json.dumps([f"userAttributes.{name}" for name in required_names]),
            "userAttributes": json.dumps(shown),
        },
    }


def after_password(
    ctx: Context,
    pool: Pool,
    client: Client,
    user: User,
    first: FirstFactor,
    *,
    public: bool,
    device_key: str | None = None,
) -> dict[str, Any]:
    """Core spec §8.1 steps 9-10: a temporary password leads to NEW_PASSWORD_REQUIRED, any other
    to MFA selection and tokens. `device_key`: the user's device the sign-in names (checked)."""
    if user.status == "FORCE_CHANGE_PASSWORD":
        expires = user.temp_password_expires_at
        if expires is not None and expires <= ctx.now():
            raise not_authorized("Temporary password has expired and must be reset by an administrator.")
        return new_password_required(ctx, pool, client, user, first=first.value, device_key=device_key)
    return finish(ctx, pool, client, user, first, public=public, device_key=device_key)


def finish(
    ctx: Context,
    pool: Pool,
    client: Client,
    user: User,
    first: FirstFactor,
    *,
    public: bool,
    device_key: str | None = None,
) -> dict[str, Any]:
    """The first factor is proven: MFA selection decides between a challenge and tokens. The
    failure counter is kept until tokens are issued: password and MFA-code failures feed the same
    counter, and only a successful sign-in resets it (MFA spec §6.6, core spec §14). A remembered
    device can replace MFA with DEVICE_SRP_AUTH (MFA spec §5.6)."""
    remembered = devices.is_remembered(ctx, user, device_key)
    step = challenges.after_first_factor(
        ctx, pool, client, user, first, public=public, device_remembered=remembered
    )
    if step is not None:
        carry = {} if device_key is None else {"device_key": device_key}
        return challenges.issue(ctx, pool, client, user, step, **carry)
    return tokens_for(ctx, pool, client, user, device_key=device_key)


def tokens_for(
    ctx: Context, pool: Pool, client: Client, user: User, *, device_key: str | None = None
) -> dict[str, Any]:
    """Tokens for a finished sign-in; `device_key` goes into the access token, and a device-tracking
    pool's sign-in without one gets NewDeviceMetadata (MFA spec §5.6, core spec §4.3)."""
    if user.failed_attempts:
        users.update_columns(ctx.conn, user.id, failed_attempts=0, last_failure_at=None, lockout_until=None)
    device_key, metadata = devices.for_tokens(ctx, pool, user, device_key)
    result = tokens.sign_in(ctx, pool, client, user, device_key=device_key)
    if metadata is not None:
        result["NewDeviceMetadata"] = metadata
    return {"ChallengeParameters": {}, "AuthenticationResult": result}


def _respond_srp(
    ctx: Context, pool: Pool, client: Client, params: Mapping[str, Any], *, public: bool
) -> dict[str, Any]:
    """PASSWORD_VERIFIER, DEVICE_SRP_AUTH and DEVICE_PASSWORD_VERIFIER (core spec §9.4-§9.5): the
    SECRET_BLOCK (or the device's pending step) names the exchange, so no Session is needed."""
    if params["ChallengeName"] == srp.DEVICE_SRP_AUTH:
        return srp.device_challenge(ctx, pool, client, params)
    proof = srp.verify(ctx, pool, client, params)
    if params["ChallengeName"] == srp.DEVICE_PASSWORD_VERIFIER:
        return tokens_for(ctx, pool, client, proof.user, device_key=proof.device_key)
    return after_password(
        ctx, pool, client, proof.user, proof.first, public=public, device_key=proof.device_key
    )


def _new_password(
    ctx: Context, pool: Pool, client: Client, session: AuthSession, user: User, responses: Mapping[str, str]
) -> User:
    """Answering NEW_PASSWORD_REQUIRED (core spec §6.6 [OBS]); returns the confirmed user."""
    password = required(responses, "NEW_PASSWORD")
    given = {
        k.removeprefix("userAttributes."): v for k, v in responses.items() if k.startswith("userAttributes.")
    }
    schema = pool.config.get("SchemaAttributes") or []
    allowed = writable(schema, client.config.get("WriteAttributes"))
    for name in given:
        if name in VERIFIED_FLAGS or name not in allowed:
            raise not_authorized(UNWRITABLE)
        if name in user.attributes:
            raise not_authorized(f"Cannot modify an already provided {name}")
    for name in missing_required(schema, user.attributes):
        if not given.get(name):
            raise invalid_parameter(f"Invalid attributes given, {name} is missing")
    validate_values(schema, given, creating=False)
    now = ctx.now()
    updated = with_password(pool, user, password, temporary=False, now=now)
    updated = updated.with_changes(status="CONFIRMED", attributes={**user.attributes, **given})
    users.save_user(ctx.conn, updated)
    sessions.consume(ctx.conn, session, now=now)
    return updated


def respond(
    ctx: Context, pool: Pool, client: Client, params: Mapping[str, Any], *, public: bool
) -> dict[str, Any]:
    """(Admin)RespondToAuthChallenge (MFA spec §6.1): the session names the pending challenge, the
    user and the client; the answer must be for that challenge."""
    if params["ChallengeName"] in srp.CHALLENGES:
        return _respond_srp(ctx, pool, client, params, public=public)
    responses: Mapping[str, str] = params.get("ChallengeResponses") or {}
    session = sessions.load(ctx.conn, required(params, "Session"), client_id=client.id, now=ctx.now())
    if params["ChallengeName"] != session.challenge:
        # MFA spec §6.1 [OBS GH-amplify-js-13962]
        raise CognitoError("CodeMismatchException", "Invalid code or auth state for the user.")
    username = required(responses, "USERNAME")
    check_secret_hash(client, username, responses.get("SECRET_HASH"))
    user = find_user(ctx, pool, username)
    if user is None or user.id != session.user_id:
        raise not_authorized(sessions.INVALID)
    if not user.enabled:  # disabled while the challenge was pending: no tokens (core spec §8.1)
        raise not_authorized("User is disabled.")
    if session.challenge == "NEW_PASSWORD_REQUIRED":
        user = _new_password(ctx, pool, client, session, user, responses)
        first = FirstFactor(session.data.get("first") or FirstFactor.PASSWORD)
        return finish(
            ctx, pool, client, user, first, public=public, device_key=session.data.get("device_key")
        )
    result = challenges.answer(ctx, pool, client, session, user, responses)
    if not isinstance(result, User):
        return result  # the next challenge
    return tokens_for(ctx, pool, client, result, device_key=session.data.get("device_key"))
