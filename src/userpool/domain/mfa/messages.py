"""Every error the MFA configuration rules raise, in one table (MFA spec §2.3 "keep them in one table
in code", §4.2, §11.2). Texts marked [OBS] are verbatim observations; [INF] texts are ours."""

from __future__ import annotations

from userpool.api.errors import CognitoError

__all__ = ["MESSAGES", "fail"]

_INVALID = "InvalidParameterException"
_TIER = "FeatureUnavailableInTierException"
_NOT_FOUND = "MFAMethodNotFoundException"
_E6_TEXT = "Only PASSWORD and WEB_AUTHN (if configured) can be enabled as an auth factor if MFA is enabled"

MESSAGES: dict[str, tuple[str, str]] = {
    # SetUserPoolMfaConfig, in the order they are checked (§2.3).
    "E1": (
        _INVALID,
        "Invalid MFA configuration given, can't turn off MFA and configure an MFA together.",
    ),  # OBS
    "E2": (
        _INVALID,
        "Cannot set EmailMfaConfiguration when user pool EmailConfiguration contains an "
        "EmailSendingAccount of COGNITO_DEFAULT",
    ),  # OBS
    "E2b": (_TIER, "Email MFA is not available in the LITE feature plan."),  # INF
    "E2c": (_INVALID, "Email MFA requires advanced security features to be activated."),  # INF
    # OBS (2026); the 2022 text was "Invalid MFA configuration given, can't disable all MFAs with a
    # required or optional configuration."
    "E3": (
        _INVALID,
        "Invalid MFA Configuration given. SMS MFA, Email MFA, or Software Token MFA must be enabled.",
    ),
    "E4": (_INVALID, "SMS configuration is required to enable SMS MFA."),  # INF
    "E6": (_INVALID, _E6_TEXT),  # OBS
    "E7": (
        _INVALID,
        "Cannot set WebAuthn factor configuration to SINGLE_FACTOR if MFA is required and WebAuthn "
        "is an allowed first auth factor",
    ),  # OBS
    "E8": (
        _TIER,
        "WebAuthn MULTI_FACTOR_WITH_USER_VERIFICATION is not available in the LITE feature plan.",
    ),  # INF
    "E9": (
        _INVALID,
        "Email MFA cannot be enabled while verified_email is the only account recovery mechanism.",
    ),  # INF
    # CreateUserPool / UpdateUserPool (§2.3 second table).
    "U1": (
        _INVALID,
        "SMS configuration and Auto verification for phone_number are required when MFA is required/optional",
    ),  # OBS
    "U2": (
        _INVALID,
        "SMS_OTP can not be configured as AuthFactor as user pool is missing valid SMS configuration",
    ),  # OBS
    "U3": (
        _INVALID,
        "WEB_AUTHN cannot be used as an auth factor when MFA is enabled if not configured for MFA.",
    ),
    "U4": (_INVALID, _E6_TEXT),  # INF by symmetry with E6
    "U5": (
        _INVALID,
        "Invalid account recovery setting parameter. Account Recovery Setting cannot use "
        "verified_phone_number as a recovery mechanism when SMS MFA is configured.",
    ),  # OBS
    # (Admin)SetUserMFAPreference (§4.1, §4.2).
    "P-two-preferred": (_INVALID, "Only one MFA method can be set as preferred."),  # INF
    "P-preferred-disabled": (_INVALID, "A preferred MFA method must be enabled."),  # INF
    "P-sms": (_INVALID, "User does not have delivery config set to turn on SMS_MFA"),  # INF from TOTP text
    "P-totp": (_INVALID, "User does not have delivery config set to turn on SOFTWARE_TOKEN_MFA"),  # OBS 2023
    "P-totp-unverified": (_INVALID, "User has not verified software token mfa"),  # OBS
    "P-email": (_INVALID, "User does not have delivery config set to turn on EMAIL_OTP"),  # INF
    "P-email-tier": (_INVALID, "Email MFA is not available in the LITE feature plan."),  # INF
    "P-email-pool": (_INVALID, "Email MFA is not enabled for this user pool."),  # INF
    "P-webauthn-pool": (
        _INVALID,
        "WebAuthn MFA requires the user pool's WebAuthn factor configuration "
        "MULTI_FACTOR_WITH_USER_VERIFICATION.",
    ),  # INF
    "P-webauthn-alone": (_INVALID, "WebAuthn MFA requires another MFA method to be enabled."),  # INF
    # RespondToAuthChallenge SELECT_MFA_TYPE (§5.3 last bullet).
    "S-answer": (_NOT_FOUND, "The selected MFA method is not available for the user."),  # INF
}


def fail(key: str) -> CognitoError:
    """The error of table row `key`."""
    code, message = MESSAGES[key]
    return CognitoError(code, message)
