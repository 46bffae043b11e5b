"""SRP sign-in (core spec §9): step 1 of USER_SRP_AUTH and of CUSTOM_AUTH with SRP_A (§9.3, MFA
spec §5.1), the PASSWORD_VERIFIER proof (§9.4), and device SRP: DEVICE_SRP_AUTH answered by the
DEVICE_PASSWORD_VERIFIER challenge, then its proof (§9.5).

The state of one exchange (A, b, B, user, client, time) is an auth_sessions row. Its session string
is returned as the `Session` and, Base64-encoded, as the `SECRET_BLOCK`, so any server process on
the same database answers the next step, and clients that send no Session with a verifier
(pycognito, the legacy JavaScript SDK) are understood. A block is single use and bound to its
client and user. The caller (ops/flow.py) continues after a proof: status rules, MFA, tokens.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from userpool.api.context import Context
from userpool.api.errors import CognitoError, invalid_parameter, not_authorized
from userpool.crypto import srp
from userpool.domain.mfa import FirstFactor
from userpool.ops import devices
from userpool.ops.challenges import WRONG_CODE
from userpool.ops.common import check_secret_hash, find_user, required
from userpool.ops.signin import (
    INCORRECT,
    check_after_proof,
    check_not_locked,
    new_session,
    prevents_existence_errors,
    refuse,
    unknown_user,
)
from userpool.store import sessions
from userpool.store.pools import Client, Pool
from userpool.store.sessions import AuthSession
from userpool.store.users import User

PASSWORD_VERIFIER = "PASSWORD_VERIFIER"  # noqa: S105 (a challenge name)
DEVICE_SRP_AUTH = "DEVICE_SRP_AUTH"
DEVICE_PASSWORD_VERIFIER = "DEVICE_PASSWORD_VERIFIER"  # noqa: S105 (a challenge name)
#: The challenges RespondToAuthChallenge hands to this module.
CHALLENGES = frozenset({PASSWORD_VERIFIER, DEVICE_SRP_AUTH, DEVICE_PASSWORD_VERIFIER})
MAX_SKEW = 300.0  # core spec §9.4 step 7 [INF]: |now - TIMESTAMP| <= 5 minutes
BAD_TIMESTAMP = "Invalid TIMESTAMP format"  # core spec §9.4 step 7 [INF text]
NO_LAMBDA = "Custom auth lambda trigger is not configured for the user pool."  # core spec §13 [OBS]


@dataclass(frozen=True)
class Proof:
    """A verified PASSWORD_VERIFIER or DEVICE_PASSWORD_VERIFIER answer."""

    user: User
    first: FirstFactor
    device_key: str | None


def _block(session: str) -> str:
    return base64.b64encode(session.encode("ascii")).decode("ascii")


def _challenge(name: str, session: str, salt: str, big_b: int, **extra: str) -> dict[str, Any]:
    """Core spec §9.3 [OBS SRP-CAP]: SRP_B as unpadded lowercase hex, SECRET_BLOCK standard Base64."""
    params = {"SALT": salt, "SRP_B": format(big_b, "x"), "SECRET_BLOCK": _block(session), **extra}
    return {"ChallengeName": name, "Session": session, "ChallengeParameters": params}


def _exchange(
    ctx: Context, pool: Pool, client: Client, user: User, name: str, a_hex: str, verifier: int, **data: Any
) -> tuple[str, int]:
    """Draw the server ephemeral and store the exchange; returns (session string, B)."""
    b, big_b = srp.server_challenge(verifier)
    state = {"a": a_hex, "b": format(b, "x"), "B": format(big_b, "x"), **data}
    return new_session(ctx, pool, client, user, name, **state), big_b


# --- step 1 ---------------------------------------------------------------------------------------


def start(
    ctx: Context, pool: Pool, client: Client, params: Mapping[str, str], *, first: FirstFactor
) -> dict[str, Any]:
    """Step 1 (core spec §9.3): the PASSWORD_VERIFIER challenge. Only existence is checked here;
    status rules wait for the proof [INF Q12]."""
    username = required(params, "USERNAME")
    a_hex = required(params, "SRP_A")
    check_secret_hash(client, username, params.get("SECRET_HASH"))
    if srp.parse_srp_a(a_hex) is None:  # zero mod N, not hex, too long: core spec §9.3 [INF]
        raise not_authorized(INCORRECT)
    user = find_user(ctx, pool, username)
    if user is None and not prevents_existence_errors(client):
        raise unknown_user(client)
    if user is None or user.password_salt is None or user.password_verifier is None:
        return _simulated(pool, username)
    session, big_b = _exchange(
        ctx, pool, client, user, PASSWORD_VERIFIER, a_hex, int(user.password_verifier, 16), first=first.value
    )
    # USER_ID_FOR_SRP: the internal username (core spec §9.3, MFA spec §6.2 [OBS]).
    return _challenge(
        PASSWORD_VERIFIER,
        session,
        user.password_salt,
        big_b,
        USERNAME=user.username,
        USER_ID_FOR_SRP=user.username,
    )


def _simulated(pool: Pool, username: str) -> dict[str, Any]:
    """Core spec §9.3, §12 [DOC DG-ERR]: with PreventUserExistenceErrors ENABLED an unknown user (or
    one without a password) gets a plausible challenge: the same SALT and UUID USER_ID_FOR_SRP for
    the same username every time, a random SRP_B, and nothing stored, so step 2 always fails."""
    seed = hmac.new(
        hashlib.sha256(pool.access_key_pem.encode()).digest(), username.lower().encode(), hashlib.sha256
    ).digest()
    salt = srp.new_salt(bytes([0x10 + seed[0] % 0x70]) + seed[1:16])
    user_id = str(uuid.UUID(bytes=seed[16:32], version=4))
    # The same modular exponentiation as a real challenge, so the time tells nothing either.
    _, big_b = srp.server_challenge(int.from_bytes(seed, "big") or 1)
    shown = user_id if pool.config.get("UsernameAttributes") else username
    session = sessions.new_session_string()
    return _challenge(PASSWORD_VERIFIER, session, salt, big_b, USERNAME=shown, USER_ID_FOR_SRP=user_id)


# --- the proofs -----------------------------------------------------------------------------------


def _state(ctx: Context, client: Client, block: str, name: str) -> AuthSession | None:
    """The exchange a PASSWORD_CLAIM_SECRET_BLOCK names: this client's, unused, unexpired and for
    this challenge; anything else is None (core spec §9.4 step 1)."""
    try:
        session = base64.b64decode(block, validate=True).decode("ascii")
        found = sessions.load(ctx.conn, session, client_id=client.id, now=ctx.now())
    except (ValueError, CognitoError):
        return None
    return found if found.challenge == name else None


def _credential(
    ctx: Context, pool: Pool, user: User, state: AuthSession, responses: Mapping[str, str]
) -> tuple[str, str, int | None]:
    """(realm, identity, verifier) of the proof: pool name and USER_ID_FOR_SRP for a user (§9.2),
    DeviceGroupKey and DeviceKey for a device (§9.5)."""
    if state.challenge == PASSWORD_VERIFIER:
        verifier = int(user.password_verifier, 16) if user.password_verifier else None
        return pool.srp_name, user.username, verifier
    device = devices.device_of(ctx, pool, user, required(responses, "DEVICE_KEY"))
    if device.key != state.data.get("device_key") or not device.verifier:
        return device.group_key, device.key, None
    return device.group_key, device.key, int(device.verifier, 16)


def _proven(
    state: AuthSession, credential: tuple[str, str, int | None], responses: Mapping[str, str]
) -> bool:
    realm, identity, verifier = credential
    if verifier is None:
        return False
    return srp.verify_claim(
        realm,
        identity,
        verifier,
        str(state.data["a"]),
        int(state.data["b"], 16),
        int(state.data["B"], 16),
        responses["PASSWORD_CLAIM_SECRET_BLOCK"],
        responses["TIMESTAMP"],
        responses["PASSWORD_CLAIM_SIGNATURE"],
    )


def verify(ctx: Context, pool: Pool, client: Client, params: Mapping[str, Any]) -> Proof:
    """PASSWORD_VERIFIER (core spec §9.4) or DEVICE_PASSWORD_VERIFIER (§9.5). An unknown, used,
    expired or foreign SECRET_BLOCK, a stale TIMESTAMP and a wrong signature are all
    `Incorrect username or password.`, counted towards lockout (§14); then the status rules of
    §8.1 (step 8)."""
    responses: Mapping[str, str] = params.get("ChallengeResponses") or {}
    username = required(responses, "USERNAME")
    block = required(responses, "PASSWORD_CLAIM_SECRET_BLOCK")
    required(responses, "PASSWORD_CLAIM_SIGNATURE")
    sent_at = srp.parse_timestamp(required(responses, "TIMESTAMP"))
    check_secret_hash(client, username, responses.get("SECRET_HASH"))
    if sent_at is None:
        raise invalid_parameter(BAD_TIMESTAMP)
    user = find_user(ctx, pool, username)
    if user is None:
        raise unknown_user(client)
    state = _state(ctx, client, block, params["ChallengeName"])
    if state is None or state.user_id != user.id:
        raise refuse(ctx, user)
    check_not_locked(ctx, user)
    credential = _credential(ctx, pool, user, state, responses)
    sessions.consume(ctx.conn, state, now=ctx.now())  # single use, whatever the outcome
    fresh = abs(ctx.now() - sent_at.timestamp()) <= MAX_SKEW
    if not (fresh and _proven(state, credential, responses)):
        raise refuse(ctx, user)
    device_key = _device_after(ctx, pool, user, state, responses)
    check_after_proof(client, user)
    return Proof(user, FirstFactor(state.data.get("first") or FirstFactor.SRP), device_key)


def _device_after(
    ctx: Context, pool: Pool, user: User, state: AuthSession, responses: Mapping[str, str]
) -> str | None:
    """The device the sign-in goes on with. A DEVICE_KEY that is not the user's fails after the
    proof without spending the SECRET_BLOCK (the error rolls the call back), so the client can
    send the same answer again without it, as the JavaScript SDK does (core spec §9.5 [OBS SRP-JS])."""
    if state.challenge == DEVICE_PASSWORD_VERIFIER:
        return str(state.data["device_key"])
    return devices.sign_in_device(ctx, pool, user, responses.get("DEVICE_KEY"))


# --- device SRP -----------------------------------------------------------------------------------


def _pending_device_step(
    ctx: Context, client: Client, user: User, key: str, session: str | None
) -> AuthSession:
    """The DEVICE_SRP_AUTH step the sign-in is at: the Session's, or for clients that answer
    without one (pycognito, the legacy JavaScript SDK) the user's newest (core spec §9.5 [OBS SRP-JS])."""
    if session:
        found = sessions.load(ctx.conn, session, client_id=client.id, now=ctx.now())
        if found.challenge != DEVICE_SRP_AUTH:
            raise CognitoError("CodeMismatchException", WRONG_CODE)  # MFA spec §6.1 [OBS]
    else:
        pending = sessions.newest_pending(
            ctx.conn, client_id=client.id, user_id=user.id, challenge=DEVICE_SRP_AUTH, now=ctx.now()
        )
        if pending is None:
            raise not_authorized(sessions.INVALID)
        found = pending
    if found.user_id != user.id or found.data.get("device_key") != key:
        raise not_authorized(sessions.INVALID)
    return found


def device_challenge(ctx: Context, pool: Pool, client: Client, params: Mapping[str, Any]) -> dict[str, Any]:
    """DEVICE_SRP_AUTH `{USERNAME, DEVICE_KEY, SRP_A}` -> DEVICE_PASSWORD_VERIFIER with the device's
    salt (core spec §9.5, MFA spec §5.6). Only reachable after the password proof, when the MFA
    decision chose the remembered device."""
    responses: Mapping[str, str] = params.get("ChallengeResponses") or {}
    username = required(responses, "USERNAME")
    key = required(responses, "DEVICE_KEY")
    a_hex = required(responses, "SRP_A")
    check_secret_hash(client, username, responses.get("SECRET_HASH"))
    user = find_user(ctx, pool, username)
    if user is None:
        raise not_authorized(sessions.INVALID)
    device = devices.device_of(ctx, pool, user, key)
    pending = _pending_device_step(ctx, client, user, key, params.get("Session"))
    if srp.parse_srp_a(a_hex) is None or not device.verifier or not device.salt:
        raise not_authorized(INCORRECT)
    sessions.consume(ctx.conn, pending, now=ctx.now())
    session, big_b = _exchange(
        ctx, pool, client, user, DEVICE_PASSWORD_VERIFIER, a_hex, int(device.verifier, 16), device_key=key
    )
    return _challenge(
        DEVICE_PASSWORD_VERIFIER, session, device.salt, big_b, USERNAME=user.username, DEVICE_KEY=key
    )
