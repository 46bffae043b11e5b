"""Builders the MFA wire tests share: pools with MFA factors, users with phone/email/TOTP, and the
sign-in steps through either the public or the admin operations (MFA spec §2, §5, §6, §7).

TOTP codes come from pyotp, an implementation independent of userpool's own."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from typing import Any

import pyotp

from tests.wire.helpers import PASSWORD, access_token, admin_user, attr_dict
from userpool.clock import ShiftedClock

SOURCE_ARN = "arn:aws:ses:us-east-1:123456789012:identity/example.com"
FROM = "Example <no-reply@example.com>"
SNS_ROLE = "arn:aws:iam::123456789012:role/cognito-sms"
SMS_TEMPLATE = "Your authentication code is {####}. "
EMAIL_SUBJECT = "Your sign-in code"
EMAIL_TEMPLATE = "Your sign-in code is {####}"
FLOWS = ["ALLOW_USER_PASSWORD_AUTH", "ALLOW_ADMIN_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"]
STEP = 30  # TOTP time step, seconds (MFA spec §7.3)
SMS, TOTP, EMAIL = "SMS_MFA", "SOFTWARE_TOKEN_MFA", "EMAIL_OTP"  # the MFA factors' challenge names

# The MFA spec's answers to bad sessions and codes (§6.4, §6.5, §7.3).
WRONG_TOTP = ("CodeMismatchException", "Invalid code received for user")
REPLAYED = ("NotAuthorizedException", "Your software token has already been used once.")
INVALID = ("NotAuthorizedException", "Invalid session for the user.")
EXPIRED = ("NotAuthorizedException", "Invalid session for the user, session is expired.")
USED = ("NotAuthorizedException", "Invalid session for the user, session can only be used once.")


def email_address(name: str) -> str:
    """A fresh address: the server (and its outbox) is shared by the whole test session."""
    return f"{name}.{secrets.token_hex(4)}@example.com"


def phone_number() -> str:
    return "+1555" + "".join(secrets.choice("0123456789") for _ in range(7))


def masked_phone(number: str) -> str:
    """MFA spec §6.2: `+`, every other digit `*`, the last four digits shown."""
    return "+" + "*" * (len(number) - 5) + number[-4:]


def masked_email(address: str) -> str:
    """MFA spec §6.2: `u***@e***.com` for these test addresses at example.com."""
    return f"{address[0]}***@e***.com"


def mfa_pool(idp: Any, **options: Any) -> str:
    """An Essentials pool that can have every MFA factor: SES DEVELOPER email with a From (email MFA,
    MFA spec §2.3 E2/E2b, §3.1), an SMS role (E4), recovery by email then phone (E9)."""
    settings: dict[str, Any] = {
        "PoolName": "mfa",
        "UserPoolTier": "ESSENTIALS",
        "EmailConfiguration": {"EmailSendingAccount": "DEVELOPER", "SourceArn": SOURCE_ARN, "From": FROM},
        "SmsConfiguration": {"SnsCallerArn": SNS_ROLE},
        "AccountRecoverySetting": {
            "RecoveryMechanisms": [
                {"Name": "verified_email", "Priority": 1},
                {"Name": "verified_phone_number", "Priority": 2},
            ]
        },
        **options,
    }
    pool_id: str = idp.create_user_pool(**settings)["UserPool"]["Id"]
    return pool_id


def set_mfa(
    idp: Any, pool_id: str, mode: str, *, sms: bool = False, totp: bool = False, email: bool = False
) -> None:
    """SetUserPoolMfaConfig with exactly these factor blocks (full replace, MFA spec §2.2)."""
    request: dict[str, Any] = {"UserPoolId": pool_id, "MfaConfiguration": mode}
    if sms:
        request["SmsMfaConfiguration"] = {
            "SmsAuthenticationMessage": SMS_TEMPLATE,
            "SmsConfiguration": {"SnsCallerArn": SNS_ROLE},
        }
    if totp:
        request["SoftwareTokenMfaConfiguration"] = {"Enabled": True}
    if email:
        request["EmailMfaConfiguration"] = {"Message": EMAIL_TEMPLATE, "Subject": EMAIL_SUBJECT}
    idp.set_user_pool_mfa_config(**request)


def mfa_client(idp: Any, pool_id: str, **options: Any) -> str:
    settings = {"ExplicitAuthFlows": FLOWS, **options}
    reply = idp.create_user_pool_client(UserPoolId=pool_id, ClientName="app", **settings)
    client_id: str = reply["UserPoolClient"]["ClientId"]
    return client_id


def new_user(idp: Any, pool_id: str, username: str, **attributes: str) -> None:
    """A CONFIRMED user with PASSWORD and these attributes (nothing verified unless given)."""
    admin_user(idp, pool_id, username, **attributes)


def user_attributes(idp: Any, pool_id: str, username: str) -> dict[str, str]:
    return attr_dict(idp.admin_get_user(UserPoolId=pool_id, Username=username)["UserAttributes"])


def set_preference(idp: Any, pool_id: str, username: str, **blocks: dict[str, bool]) -> None:
    idp.admin_set_user_mfa_preference(UserPoolId=pool_id, Username=username, **blocks)


def totp_code(clock: ShiftedClock, secret: str) -> str:
    """The code an authenticator app shows at the server's time."""
    return pyotp.TOTP(secret).at(clock.now())


def next_totp(clock: ShiftedClock, secret: str) -> str:
    """A code of a later time step than any used so far (each step signs in once, §7.3)."""
    clock.advance(STEP)
    return totp_code(clock, secret)


def register_totp(idp: Any, clock: ShiftedClock, access_token: str, name: str = "Pixel") -> str:
    """AssociateSoftwareToken + VerifySoftwareToken with an access token (MFA spec §7); the secret."""
    secret: str = idp.associate_software_token(AccessToken=access_token)["SecretCode"]
    reply = idp.verify_software_token(
        AccessToken=access_token, UserCode=totp_code(clock, secret), FriendlyDeviceName=name
    )
    assert reply["Status"] == "SUCCESS"
    assert "Session" not in reply
    return secret


@dataclass
class Flow:
    """One way of signing in: USER_PASSWORD_AUTH + RespondToAuthChallenge, or
    ADMIN_USER_PASSWORD_AUTH + AdminRespondToAuthChallenge (MFA spec §5.1)."""

    idp: Any
    pool_id: str
    client_id: str
    admin: bool = False

    def start(self, username: str, password: str = PASSWORD) -> dict[str, Any]:
        params = {"USERNAME": username, "PASSWORD": password}
        if self.admin:
            reply: dict[str, Any] = self.idp.admin_initiate_auth(
                UserPoolId=self.pool_id,
                ClientId=self.client_id,
                AuthFlow="ADMIN_USER_PASSWORD_AUTH",
                AuthParameters=params,
            )
        else:
            reply = self.idp.initiate_auth(
                ClientId=self.client_id, AuthFlow="USER_PASSWORD_AUTH", AuthParameters=params
            )
        return reply

    def answer(
        self, reply: dict[str, Any], username: str, challenge: str | None = None, **responses: str
    ) -> dict[str, Any]:
        """Answer `reply`'s challenge (or `challenge`) with its Session."""
        request = {
            "ClientId": self.client_id,
            "ChallengeName": challenge or reply["ChallengeName"],
            "Session": reply["Session"],
            "ChallengeResponses": {"USERNAME": username, **responses},
        }
        if self.admin:
            result: dict[str, Any] = self.idp.admin_respond_to_auth_challenge(
                UserPoolId=self.pool_id, **request
            )
        else:
            result = self.idp.respond_to_auth_challenge(**request)
        return result


def tokens_of(reply: dict[str, Any]) -> dict[str, Any]:
    """The AuthenticationResult of a finished sign-in (MFA spec §6.1)."""
    assert "ChallengeName" not in reply, reply.get("ChallengeName")
    assert reply["ChallengeParameters"] == {}
    result: dict[str, Any] = reply["AuthenticationResult"]
    assert result["TokenType"] == "Bearer"
    assert {"AccessToken", "IdToken", "RefreshToken"} <= set(result)
    return result


def totp_flow(
    idp: Any, clock: ShiftedClock, *usernames: str, admin: bool = False
) -> tuple[Flow, dict[str, str]]:
    """An ON pool with TOTP and users who verified a token, each user's secret: a password sign-in
    is answered with SOFTWARE_TOKEN_MFA (MFA spec R5)."""
    pool_id = mfa_pool(idp)
    set_mfa(idp, pool_id, "OPTIONAL", totp=True)
    flow = Flow(idp, pool_id, mfa_client(idp, pool_id), admin)
    secrets = {}
    for name in usernames:
        new_user(idp, pool_id, name)
        secrets[name] = register_totp(idp, clock, access_token(idp, flow.client_id, name))
    set_mfa(idp, pool_id, "ON", totp=True)
    return flow, secrets
