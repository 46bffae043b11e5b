from __future__ import annotations

from typing import Any

import pytest

from userpool.domain import templates as t


def test_default_texts() -> None:
    # core spec §6.5 default templates (trailing spaces included)
    assert t.INVITATION_EMAIL_SUBJECT == "Your temporary password"
    assert t.INVITATION_EMAIL_MESSAGE == "Your username is {username} and temporary password is {####}. "
    assert t.INVITATION_SMS_MESSAGE == "Your username is {username} and temporary password is {####}. "
    assert t.VERIFICATION_EMAIL_SUBJECT == "Your verification code"
    assert t.VERIFICATION_EMAIL_MESSAGE == "Your verification code is {####}. "
    assert t.VERIFICATION_LINK_EMAIL_SUBJECT == "Your verification link"
    assert t.FORGOT_EMAIL_SUBJECT == "Your verification code"
    assert t.FORGOT_EMAIL_MESSAGE == "Your password reset code is {####}"
    assert t.SMS_MFA_MESSAGE == "Your authentication code is {####}. "


def test_render() -> None:
    body = t.render(t.INVITATION_EMAIL_MESSAGE, code="a<b&.", username="jane")
    assert body == "Your username is jane and temporary password is a<b&.. "
    assert t.render("Code {####} {####}", code="012345") == "Code 012345 012345"
    assert t.render("Hi {username} {####}", username="x") == "Hi x {####}"
    assert t.render("{username}", code="1") == "{username}"


def test_invitation_defaults_and_custom() -> None:
    defaults = (t.INVITATION_EMAIL_SUBJECT, t.INVITATION_EMAIL_MESSAGE, t.INVITATION_SMS_MESSAGE)
    assert t.invitation(None) == defaults
    assert t.invitation({}) == defaults
    assert t.invitation({"AllowAdminCreateUserOnly": True}) == defaults
    cfg = {"InviteMessageTemplate": {"EmailSubject": "Welcome", "SMSMessage": "Hi {username}: {####}"}}
    assert t.invitation(cfg) == ("Welcome", t.INVITATION_EMAIL_MESSAGE, "Hi {username}: {####}")


VERIFICATION_DEFAULTS = (
    t.VERIFICATION_EMAIL_SUBJECT,
    t.VERIFICATION_EMAIL_MESSAGE,
    t.VERIFICATION_SMS_MESSAGE,
)
FORGOT_DEFAULTS = (t.FORGOT_EMAIL_SUBJECT, t.FORGOT_EMAIL_MESSAGE, t.FORGOT_SMS_MESSAGE)


@pytest.mark.parametrize(
    ("cfg", "verification", "forgot"),
    [
        ({}, VERIFICATION_DEFAULTS, FORGOT_DEFAULTS),
        # API-created pools report only DefaultEmailOption (core spec §6.5)
        (
            {"VerificationMessageTemplate": {"DefaultEmailOption": "CONFIRM_WITH_CODE"}},
            VERIFICATION_DEFAULTS,
            FORGOT_DEFAULTS,
        ),
        (
            {
                "VerificationMessageTemplate": {
                    "EmailSubject": "S",
                    "EmailMessage": "E {####}",
                    "SmsMessage": "M {####}",
                }
            },
            ("S", "E {####}", "M {####}"),
            ("S", "E {####}", "M {####}"),
        ),
        (
            {
                "EmailVerificationSubject": "LS",
                "EmailVerificationMessage": "LE {####}",
                "SmsVerificationMessage": "LM {####}",
            },
            ("LS", "LE {####}", "LM {####}"),
            ("LS", "LE {####}", "LM {####}"),
        ),
        (
            {
                "VerificationMessageTemplate": {"EmailMessage": "New {####}"},
                "EmailVerificationMessage": "Old {####}",
                "SmsVerificationMessage": "Old SMS {####}",
            },
            (t.VERIFICATION_EMAIL_SUBJECT, "New {####}", "Old SMS {####}"),
            (t.FORGOT_EMAIL_SUBJECT, "New {####}", "Old SMS {####}"),
        ),
    ],
)
def test_verification_and_forgot(
    cfg: dict[str, Any], verification: tuple[str, str, str], forgot: tuple[str, str, str]
) -> None:
    assert t.verification(cfg) == verification
    assert t.forgot_password(cfg) == forgot


def test_link_and_mfa() -> None:
    assert not t.uses_link({})
    cfg: dict[str, Any] = {"VerificationMessageTemplate": {"DefaultEmailOption": "CONFIRM_WITH_LINK"}}
    assert t.uses_link(cfg)
    assert t.verification_link(cfg) == (t.VERIFICATION_LINK_EMAIL_SUBJECT, t.VERIFICATION_LINK_EMAIL_MESSAGE)
    cfg["VerificationMessageTemplate"]["EmailMessageByLink"] = "Go {##here##}"
    assert t.verification_link(cfg)[1] == "Go {##here##}"
    assert t.sms_mfa({}) == t.SMS_MFA_MESSAGE
    assert t.sms_mfa({"SmsAuthenticationMessage": "Code: {####}"}) == "Code: {####}"
