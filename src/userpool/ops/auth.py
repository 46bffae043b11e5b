"""Sign-in operations: InitiateAuth, AdminInitiateAuth, RespondToAuthChallenge,
AdminRespondToAuthChallenge, GetTokensFromRefreshToken, RevokeToken, GlobalSignOut,
AdminUserGlobalSignOut (core spec §3.2, §4.7, §4.8, §6.6, §8)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from userpool.api.context import Context
from userpool.api.dispatch import operation
from userpool.api.errors import CognitoError, invalid_parameter, not_authorized
from userpool.crypto import jwt
from userpool.domain.mfa import FirstFactor
from userpool.ops import devices, srp
from userpool.ops.common import (
    check_secret_hash,
    client_and_pool,
    find_user,
    require_client,
    require_pool,
    require_user,
    required,
)
from userpool.ops.flow import after_password, respond
from userpool.ops.signin import check_password
from userpool.store.pools import Client, Pool
from userpool.tokens import service as tokens

DEFAULT_FLOWS = ("ALLOW_REFRESH_TOKEN_AUTH", "ALLOW_USER_SRP_AUTH", "ALLOW_CUSTOM_AUTH")
LEGACY_FLOWS = frozenset({"ADMIN_NO_SRP_AUTH", "USER_PASSWORD_AUTH", "CUSTOM_AUTH_FLOW_ONLY"})

# AuthFlow -> (values that allow it, refusal message); core spec §3.2 [OBS messages].
_FLOW_RULES: dict[str, tuple[frozenset[str], str]] = {
    "USER_PASSWORD_AUTH": (
        frozenset({"ALLOW_USER_PASSWORD_AUTH", "USER_PASSWORD_AUTH"}),
        "USER_PASSWORD_AUTH flow not enabled for this client",
    ),
    "USER_SRP_AUTH": (frozenset({"ALLOW_USER_SRP_AUTH"}), "USER_SRP_AUTH is not enabled for the client."),
    "CUSTOM_AUTH": (
        frozenset({"ALLOW_CUSTOM_AUTH", "CUSTOM_AUTH_FLOW_ONLY"}),
        "CUSTOM_AUTH is not enabled for the client.",
    ),
    "ADMIN_USER_PASSWORD_AUTH": (
        frozenset({"ALLOW_ADMIN_USER_PASSWORD_AUTH", "ADMIN_NO_SRP_AUTH"}),
        "Auth flow not enabled for this client",
    ),
    "REFRESH_TOKEN_AUTH": (
        frozenset({"ALLOW_REFRESH_TOKEN_AUTH"}),
        "Refresh Token auth flow not enabled for this client",
    ),
    "USER_AUTH": (frozenset({"ALLOW_USER_AUTH"}), "USER_AUTH is not enabled for the client."),
}
_FLOW_ALIASES = {"ADMIN_NO_SRP_AUTH": "ADMIN_USER_PASSWORD_AUTH", "REFRESH_TOKEN": "REFRESH_TOKEN_AUTH"}
_ADMIN_ONLY = frozenset({"ADMIN_USER_PASSWORD_AUTH", "ADMIN_NO_SRP_AUTH"})
_PUBLIC_ONLY = frozenset({"USER_PASSWORD_AUTH"})


def check_flow_enabled(client: Client, flow: str) -> None:
    """Core spec §3.2: the client's ExplicitAuthFlows decide; legacy clients always allow SRP and
    refresh."""
    enabled = set(client.config.get("ExplicitAuthFlows") or DEFAULT_FLOWS)
    canonical = _FLOW_ALIASES.get(flow, flow)
    allowed, refusal = _FLOW_RULES[canonical]
    legacy = bool(enabled & LEGACY_FLOWS)
    if legacy and canonical in ("USER_SRP_AUTH", "REFRESH_TOKEN_AUTH"):
        return
    if not enabled & allowed:
        raise invalid_parameter(refusal)


def _password_flow(
    ctx: Context, pool: Pool, client: Client, params: Mapping[str, str], *, public: bool
) -> dict[str, Any]:
    username = required(params, "USERNAME")
    password = required(params, "PASSWORD")
    check_secret_hash(client, username, params.get("SECRET_HASH"))
    user = check_password(ctx, pool, client, find_user(ctx, pool, username), password)
    device_key = devices.sign_in_device(ctx, pool, user, params.get("DEVICE_KEY"))  # MFA spec §5.6
    return after_password(ctx, pool, client, user, FirstFactor.PASSWORD, public=public, device_key=device_key)


def _custom_flow(ctx: Context, pool: Pool, client: Client, params: Mapping[str, str]) -> dict[str, Any]:
    """CUSTOM_AUTH: pools have no Lambda triggers here, so only its SRP start (`CHALLENGE_NAME:
    SRP_A`, answered by PASSWORD_VERIFIER and then MFA, MFA spec §5.1) is possible."""
    if params.get("CHALLENGE_NAME") != "SRP_A":
        raise invalid_parameter(srp.NO_LAMBDA)
    return srp.start(ctx, pool, client, params, first=FirstFactor.CUSTOM_SRP)


def _refresh_flow(ctx: Context, pool: Pool, client: Client, params: Mapping[str, str]) -> dict[str, Any]:
    token = required(params, "REFRESH_TOKEN")
    user, origin, result = tokens.refresh_tokens(ctx, pool, client, token)
    # Core spec §3.4 [OBS]: the refresh hash is over the internal username, with its own wording.
    check_secret_hash(
        client, user.username, params.get("SECRET_HASH"), mismatch="SecretHash does not match for the client:"
    )
    # Core spec §4.7: tokens issued to a device refresh only with its key.
    devices.check_refresh(ctx, pool, user, origin.device_key, params.get("DEVICE_KEY"))
    return {"ChallengeParameters": {}, "AuthenticationResult": result}


def _initiate(
    ctx: Context, pool: Pool, client: Client, flow: str, params: Mapping[str, str], *, public: bool
) -> dict[str, Any]:
    check_flow_enabled(client, flow)
    canonical = _FLOW_ALIASES.get(flow, flow)
    if canonical in ("USER_PASSWORD_AUTH", "ADMIN_USER_PASSWORD_AUTH"):
        return _password_flow(ctx, pool, client, params, public=public)
    if canonical == "REFRESH_TOKEN_AUTH":
        return _refresh_flow(ctx, pool, client, params)
    if canonical == "USER_SRP_AUTH":
        return srp.start(ctx, pool, client, params, first=FirstFactor.SRP)
    if canonical == "CUSTOM_AUTH":
        return _custom_flow(ctx, pool, client, params)
    raise invalid_parameter(f"AuthFlow {flow} is not implemented by this emulator yet")


# Flows whose success needs no row (core spec §4.6: tokens are sealed, not stored): run as a reader
# first (dispatch.READS_FIRST). SRP and custom flows always store a session.
_READS_FIRST_FLOWS = frozenset({"USER_PASSWORD_AUTH", "ADMIN_USER_PASSWORD_AUTH", "REFRESH_TOKEN_AUTH"})


def _password_or_refresh(params: dict[str, Any]) -> bool:
    return _FLOW_ALIASES.get(params["AuthFlow"], params["AuthFlow"]) in _READS_FIRST_FLOWS


@operation("InitiateAuth", reads_first=_password_or_refresh)
def initiate_auth(ctx: Context, params: dict[str, Any]) -> Mapping[str, Any]:
    client, pool = client_and_pool(ctx, params["ClientId"])
    flow = params["AuthFlow"]
    if flow in _ADMIN_ONLY:
        raise invalid_parameter("Initiate Auth method not supported.")
    return _initiate(ctx, pool, client, flow, params.get("AuthParameters") or {}, public=True)


@operation("AdminInitiateAuth", reads_first=_password_or_refresh)
def admin_initiate_auth(ctx: Context, params: dict[str, Any]) -> Mapping[str, Any]:
    pool = require_pool(ctx, params["UserPoolId"])
    client = require_client(ctx, params["ClientId"], pool.id)
    flow = params["AuthFlow"]
    if flow in _PUBLIC_ONLY:
        raise invalid_parameter("Initiate Auth method not supported.")
    return _initiate(ctx, pool, client, flow, params.get("AuthParameters") or {}, public=False)


def _totp_answer(params: dict[str, Any]) -> bool:
    """A SOFTWARE_TOKEN_MFA answer runs as a reader first (dispatch.READS_FIRST): its writes (the
    session used, the step accepted) are guarded, and made right after the reading."""
    return params.get("ChallengeName") == "SOFTWARE_TOKEN_MFA"


@operation("RespondToAuthChallenge", reads_first=_totp_answer)
def respond_to_auth_challenge(ctx: Context, params: dict[str, Any]) -> Mapping[str, Any]:
    client, pool = client_and_pool(ctx, params["ClientId"])
    return respond(ctx, pool, client, params, public=True)


@operation("AdminRespondToAuthChallenge", reads_first=_totp_answer)
def admin_respond_to_auth_challenge(ctx: Context, params: dict[str, Any]) -> Mapping[str, Any]:
    pool = require_pool(ctx, params["UserPoolId"])
    client = require_client(ctx, params["ClientId"], pool.id)
    return respond(ctx, pool, client, params, public=False)


def _check_client_secret(client: Client, sent: str | None) -> None:
    """GetTokensFromRefreshToken and RevokeToken take the raw secret (core spec §3.4 [INF text])."""
    if client.secret is not None and sent != client.secret:
        raise not_authorized("Invalid client secret.")


@operation("GetTokensFromRefreshToken", reads_first=lambda _: True)
def get_tokens_from_refresh_token(ctx: Context, params: dict[str, Any]) -> Mapping[str, Any]:
    client, pool = client_and_pool(ctx, params["ClientId"])
    check_flow_enabled(client, "REFRESH_TOKEN_AUTH")
    _check_client_secret(client, params.get("ClientSecret"))
    user, origin, result = tokens.refresh_tokens(ctx, pool, client, params["RefreshToken"])
    devices.check_refresh(ctx, pool, user, origin.device_key, params.get("DeviceKey"))  # core spec §4.7
    rotation = client.config.get("RefreshTokenRotation") or {}
    if rotation.get("Feature") == "ENABLED":
        grace = float(rotation.get("RetryGracePeriodSeconds") or 0)
        result["RefreshToken"] = tokens.rotate(ctx, user, origin, grace)
    return {"AuthenticationResult": result}


@operation("RevokeToken")
def revoke_token(ctx: Context, params: dict[str, Any]) -> Mapping[str, Any]:
    """Core spec §4.8: revokes the refresh token and every token of its origin; unknown tokens are
    answered with success, RFC 7009 style [INF, Q4]."""
    client = require_client(ctx, params["ClientId"])
    if client.config.get("EnableTokenRevocation") is False:
        raise CognitoError(
            "UnsupportedOperationException", "Token revocation is not enabled for this client."
        )
    _check_client_secret(client, params.get("ClientSecret"))
    if jwt.decode_unverified(params["Token"]) is not None:
        raise CognitoError("UnsupportedTokenTypeException", "Unsupported token type.")
    tokens.revoke_origin_of_refresh(ctx, client, params["Token"])
    return {}


@operation("GlobalSignOut")
def global_sign_out(ctx: Context, params: dict[str, Any]) -> Mapping[str, Any]:
    caller = tokens.authenticate(ctx, params["AccessToken"])
    tokens.revoke_all_of_user(ctx, caller.user)
    return {}


@operation("AdminUserGlobalSignOut")
def admin_user_global_sign_out(ctx: Context, params: dict[str, Any]) -> Mapping[str, Any]:
    pool = require_pool(ctx, params["UserPoolId"])
    tokens.revoke_all_of_user(ctx, require_user(ctx, pool, params["Username"]))
    return {}
