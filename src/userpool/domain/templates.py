"""Message templates: Cognito's defaults, picking a pool's effective template, rendering.

Core spec §6.5 (default texts [OBS pool dumps, CDK/Terraform defaults], which custom template
serves which message), MFA spec §6.3 (SMS MFA default). Config dicts use botocore's member
names (`UserPoolType`, `AdminCreateUserConfigType`, `VerificationMessageTemplateType`).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

__all__ = [
    "CODE_PLACEHOLDER",
    "FORGOT_EMAIL_MESSAGE",
    "FORGOT_EMAIL_SUBJECT",
    "FORGOT_SMS_MESSAGE",
    "INVITATION_EMAIL_MESSAGE",
    "INVITATION_EMAIL_SUBJECT",
    "INVITATION_SMS_MESSAGE",
    "SMS_MFA_MESSAGE",
    "USERNAME_PLACEHOLDER",
    "VERIFICATION_EMAIL_MESSAGE",
    "VERIFICATION_EMAIL_SUBJECT",
    "VERIFICATION_LINK_EMAIL_MESSAGE",
    "VERIFICATION_LINK_EMAIL_SUBJECT",
    "VERIFICATION_SMS_MESSAGE",
    "forgot_password",
    "invitation",
    "render",
    "sms_mfa",
    "uses_link",
    "verification",
    "verification_link",
]

CODE_PLACEHOLDER = "{####}"
USERNAME_PLACEHOLDER = "{username}"

# core spec §6.5 default templates [OBS]. Trailing spaces are part of the texts.
INVITATION_EMAIL_SUBJECT = "Your temporary password"
INVITATION_EMAIL_MESSAGE = "Your username is {username} and temporary password is {####}. "
INVITATION_SMS_MESSAGE = "Your username is {username} and temporary password is {####}. "
VERIFICATION_EMAIL_SUBJECT = "Your verification code"
VERIFICATION_EMAIL_MESSAGE = "Your verification code is {####}. "
VERIFICATION_SMS_MESSAGE = "Your verification code is {####}. "
VERIFICATION_LINK_EMAIL_SUBJECT = "Your verification link"
VERIFICATION_LINK_EMAIL_MESSAGE = (
    "Please click the link below to verify your email address. {##Verify Email##} "
)
# core spec §6.5 [OBS GH-monitor-my-watershed-636]: forgot password without a custom template
# (no trailing period or space). The SMS text is the same [INF].
FORGOT_EMAIL_SUBJECT = "Your verification code"
FORGOT_EMAIL_MESSAGE = "Your password reset code is {####}"
FORGOT_SMS_MESSAGE = "Your password reset code is {####}"
# MFA spec §6.3 [OBS]: `SmsAuthenticationMessage` default.
SMS_MFA_MESSAGE = "Your authentication code is {####}. "


def render(template: str, *, code: str | None = None, username: str | None = None) -> str:
    """Replace `{####}` with `code` and `{username}` with `username` (those given) (§6.5)."""
    if code is not None:
        template = template.replace(CODE_PLACEHOLDER, code)
    if username is not None:
        template = template.replace(USERNAME_PLACEHOLDER, username)
    return template


def _pick(value: Any, default: str) -> str:
    """`value` when it is a non-empty string, else `default`."""
    return value if isinstance(value, str) and value else default


def _mapping(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def invitation(admin_create_user_config: Mapping[str, Any] | None) -> tuple[str, str, str]:
    """(email subject, email body, SMS body) for AdminCreateUser invitations (core spec §6.5).

    From `AdminCreateUserConfig.InviteMessageTemplate {EmailSubject, EmailMessage, SMSMessage}`,
    each member falling back to its default on its own [INF].
    """
    tpl = _mapping(_mapping(admin_create_user_config).get("InviteMessageTemplate"))
    return (
        _pick(tpl.get("EmailSubject"), INVITATION_EMAIL_SUBJECT),
        _pick(tpl.get("EmailMessage"), INVITATION_EMAIL_MESSAGE),
        _pick(tpl.get("SMSMessage"), INVITATION_SMS_MESSAGE),
    )


def _custom(pool_cfg: Mapping[str, Any]) -> tuple[Any, Any, Any]:
    """The pool's custom verification (subject, email, SMS), `None` where unset.

    `VerificationMessageTemplate` wins over the legacy top-level `EmailVerificationSubject`,
    `EmailVerificationMessage`, `SmsVerificationMessage` [DOC BM; precedence INF].
    """
    vmt = _mapping(pool_cfg.get("VerificationMessageTemplate"))
    return (
        vmt.get("EmailSubject") or pool_cfg.get("EmailVerificationSubject"),
        vmt.get("EmailMessage") or pool_cfg.get("EmailVerificationMessage"),
        vmt.get("SmsMessage") or pool_cfg.get("SmsVerificationMessage"),
    )


def verification(pool_cfg: Mapping[str, Any]) -> tuple[str, str, str]:
    """(email subject, email body, SMS body) for sign-up and attribute verification codes.

    Custom template (see `_custom`), else the §6.5 defaults. `{username}` is not allowed in
    verification messages (core spec §6.5 [DOC DG-TPL]), so render with `code` only.
    """
    subject, email, sms = _custom(pool_cfg)
    return (
        _pick(subject, VERIFICATION_EMAIL_SUBJECT),
        _pick(email, VERIFICATION_EMAIL_MESSAGE),
        _pick(sms, VERIFICATION_SMS_MESSAGE),
    )


def uses_link(pool_cfg: Mapping[str, Any]) -> bool:
    """`VerificationMessageTemplate.DefaultEmailOption == CONFIRM_WITH_LINK` (sign-up e-mail)."""
    vmt = _mapping(pool_cfg.get("VerificationMessageTemplate"))
    return vmt.get("DefaultEmailOption") == "CONFIRM_WITH_LINK"


def verification_link(pool_cfg: Mapping[str, Any]) -> tuple[str, str]:
    """(email subject, email body) of link verification: `EmailSubjectByLink`/`EmailMessageByLink`
    or the §6.5 defaults. The body carries `{##link text##}` instead of `{####}`.
    """
    vmt = _mapping(pool_cfg.get("VerificationMessageTemplate"))
    return (
        _pick(vmt.get("EmailSubjectByLink"), VERIFICATION_LINK_EMAIL_SUBJECT),
        _pick(vmt.get("EmailMessageByLink"), VERIFICATION_LINK_EMAIL_MESSAGE),
    )


def forgot_password(pool_cfg: Mapping[str, Any]) -> tuple[str, str, str]:
    """(email subject, email body, SMS body) for ForgotPassword / AdminResetUserPassword codes.

    A custom verification template also serves forgot password (core spec §6.5 [OBS
    GH-amplify-cli-7854]); without one, the forgot-password defaults apply. Decided per member
    [INF].
    """
    subject, email, sms = _custom(pool_cfg)
    return (
        _pick(subject, FORGOT_EMAIL_SUBJECT),
        _pick(email, FORGOT_EMAIL_MESSAGE),
        _pick(sms, FORGOT_SMS_MESSAGE),
    )


def sms_mfa(pool_cfg: Mapping[str, Any]) -> str:
    """`SmsAuthenticationMessage` or its default (MFA spec §6.3 [OBS])."""
    return _pick(pool_cfg.get("SmsAuthenticationMessage"), SMS_MFA_MESSAGE)
