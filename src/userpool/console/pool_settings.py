"""The pool page's settings forms. Each section reads its values from DescribeUserPool's UserPool
and writes them into a full UpdateUserPool request that keeps every other setting as it is."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from userpool.console.forms import Field, Submitted, integer

FIRST_FACTORS = ("PASSWORD", "EMAIL_OTP", "SMS_OTP", "WEB_AUTHN")
AUTO_VERIFIED = ("email", "phone_number")
PASSWORD_FLAGS = ("RequireUppercase", "RequireLowercase", "RequireNumbers", "RequireSymbols")
TIERS = ("LITE", "ESSENTIALS", "PLUS")
SECURITY_MODES = ("OFF", "AUDIT", "ENFORCED")
# Account recovery as the AWS console offers it: (form value, label, mechanisms by priority).
RECOVERY: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    ("email_only", "Email only", ("verified_email",)),
    ("email_phone", "Email if available, otherwise SMS", ("verified_email", "verified_phone_number")),
    ("phone_email", "SMS if available, otherwise email", ("verified_phone_number", "verified_email")),
    ("phone_only", "SMS only", ("verified_phone_number",)),
    ("admin_only", "None: only an administrator can reset passwords", ("admin_only",)),
    ("unset", "Not set (legacy: verified phone, then verified email)", ()),
)

Values = Callable[[Mapping[str, Any]], dict[str, object]]
Apply = Callable[[dict[str, Any], Submitted], None]


@dataclass(frozen=True)
class Section:
    name: str
    title: str
    fields: tuple[Field, ...]
    values: Values
    apply: Apply


def _sign_in_values(pool: Mapping[str, Any]) -> dict[str, object]:
    sign_in = (pool.get("Policies") or {}).get("SignInPolicy") or {}
    return {
        "first_factors": list(sign_in.get("AllowedFirstAuthFactors") or ["PASSWORD"]),
        "auto_verified": list(pool.get("AutoVerifiedAttributes") or []),
    }


def _sign_in_apply(request: dict[str, Any], form: Submitted) -> None:
    policies = dict(request.get("Policies") or {})
    policies["SignInPolicy"] = {"AllowedFirstAuthFactors": form.getlist("first_factors")}
    request["Policies"] = policies
    request["AutoVerifiedAttributes"] = form.getlist("auto_verified")


def _password_values(pool: Mapping[str, Any]) -> dict[str, object]:
    policy = (pool.get("Policies") or {}).get("PasswordPolicy") or {}
    out: dict[str, object] = {
        "MinimumLength": policy.get("MinimumLength"),
        "TemporaryPasswordValidityDays": policy.get("TemporaryPasswordValidityDays"),
    }
    out.update({flag: bool(policy.get(flag)) for flag in PASSWORD_FLAGS})
    return out


def _password_apply(request: dict[str, Any], form: Submitted) -> None:
    policies = dict(request.get("Policies") or {})
    policy = dict(policies.get("PasswordPolicy") or {})
    policy["MinimumLength"] = integer(form.get("MinimumLength"))
    policy["TemporaryPasswordValidityDays"] = integer(form.get("TemporaryPasswordValidityDays"))
    policy.update({flag: form.checked(flag) for flag in PASSWORD_FLAGS})
    policies["PasswordPolicy"] = policy
    request["Policies"] = policies


def _plan_values(pool: Mapping[str, Any]) -> dict[str, object]:
    return {
        "UserPoolTier": pool.get("UserPoolTier") or "ESSENTIALS",
        "AdvancedSecurityMode": (pool.get("UserPoolAddOns") or {}).get("AdvancedSecurityMode") or "OFF",
        "DeletionProtection": pool.get("DeletionProtection") == "ACTIVE",
    }


def _plan_apply(request: dict[str, Any], form: Submitted) -> None:
    request["UserPoolTier"] = form.get("UserPoolTier")
    mode = form.get("AdvancedSecurityMode", "OFF")
    add_ons = {k: v for k, v in (request.get("UserPoolAddOns") or {}).items() if k != "AdvancedSecurityMode"}
    request["UserPoolAddOns"] = {**add_ons, "AdvancedSecurityMode": mode}
    if mode == "OFF" and not add_ons and "UserPoolAddOns" not in request:
        del request["UserPoolAddOns"]
    request["DeletionProtection"] = "ACTIVE" if form.checked("DeletionProtection") else "INACTIVE"


EMAIL_KEYS = ("SourceArn", "From", "ReplyToEmailAddress", "ConfigurationSet")


def _email_values(pool: Mapping[str, Any]) -> dict[str, object]:
    cfg = pool.get("EmailConfiguration") or {}
    return {"EmailSendingAccount": cfg.get("EmailSendingAccount") or "COGNITO_DEFAULT"} | {
        key: cfg.get(key) for key in EMAIL_KEYS
    }


def _email_apply(request: dict[str, Any], form: Submitted) -> None:
    cfg = {"EmailSendingAccount": form.get("EmailSendingAccount", "COGNITO_DEFAULT")}
    cfg.update({key: form.stripped(key) for key in EMAIL_KEYS if form.stripped(key)})
    request["EmailConfiguration"] = cfg


SMS_KEYS = ("SnsCallerArn", "ExternalId", "SnsRegion")


def _sms_values(pool: Mapping[str, Any]) -> dict[str, object]:
    cfg = pool.get("SmsConfiguration") or {}
    return {key: cfg.get(key) for key in SMS_KEYS}


def _sms_apply(request: dict[str, Any], form: Submitted) -> None:
    """Every field empty removes the SMS configuration; otherwise the API checks what was typed."""
    cfg = {key: form.stripped(key) for key in SMS_KEYS if form.stripped(key)}
    if cfg:
        request["SmsConfiguration"] = cfg
    else:
        request.pop("SmsConfiguration", None)


def recovery_option(pool: Mapping[str, Any]) -> str:
    """The console option matching the pool's AccountRecoverySetting ("custom" if none does)."""
    setting = pool.get("AccountRecoverySetting") or {}
    ranked = sorted(setting.get("RecoveryMechanisms") or [], key=lambda m: m.get("Priority", 0))
    names = tuple(m.get("Name") for m in ranked)
    return next((value for value, _, mechanisms in RECOVERY if mechanisms == names), "custom")


def _recovery_apply(request: dict[str, Any], form: Submitted) -> None:
    chosen = form.get("recovery")
    mechanisms = next((m for value, _, m in RECOVERY if value == chosen), None)
    if mechanisms is None:  # "custom" or a forged value: keep what is stored
        return
    if not mechanisms:
        request.pop("AccountRecoverySetting", None)
        return
    ranked = [{"Name": name, "Priority": i} for i, name in enumerate(mechanisms, 1)]
    request["AccountRecoverySetting"] = {"RecoveryMechanisms": ranked}


SECTIONS: dict[str, Section] = {
    s.name: s
    for s in (
        Section(
            "signin",
            "Sign-in options",
            (
                Field("first_factors", "Policies.SignInPolicy", ("auth factor", "authfactor", "sms_otp")),
                Field("auto_verified", "AutoVerifiedAttributes", ("verification",)),
            ),
            _sign_in_values,
            _sign_in_apply,
        ),
        Section(
            "password",
            "Password policy",
            (
                Field("MinimumLength", "Policies.PasswordPolicy.MinimumLength", ("minimum length",)),
                Field(
                    "TemporaryPasswordValidityDays",
                    "Policies.PasswordPolicy.TemporaryPasswordValidityDays",
                    ("temporarypasswordvaliditydays", "temporary password"),
                ),
                Field("MinimumLength", "Policies", ("integer", "number")),
            ),
            _password_values,
            _password_apply,
        ),
        Section(
            "plan",
            "Feature plan",
            (
                Field("UserPoolTier", "UserPoolTier", ("tier", "plan")),
                Field("AdvancedSecurityMode", "UserPoolAddOns", ("advanced security", "security")),
                Field("DeletionProtection", "DeletionProtection", ("deletion",)),
            ),
            _plan_values,
            _plan_apply,
        ),
        Section(
            "email",
            "Email configuration",
            (
                Field("From", "EmailConfiguration.From", ("from email", "provide from")),
                Field("SourceArn", "EmailConfiguration.SourceArn", ("sourcearn", "arn")),
                Field("ReplyToEmailAddress", "EmailConfiguration.ReplyToEmailAddress", ("reply",)),
                Field("ConfigurationSet", "EmailConfiguration.ConfigurationSet", ("configuration set",)),
                Field("EmailSendingAccount", "EmailConfiguration", ("emailsendingaccount",)),
            ),
            _email_values,
            _email_apply,
        ),
        Section(
            "sms",
            "SMS configuration",
            (
                Field("SnsCallerArn", "SmsConfiguration.SnsCallerArn", ("sms configuration", "role")),
                Field("ExternalId", "SmsConfiguration.ExternalId", ("externalid", "external id")),
                Field("SnsRegion", "SmsConfiguration.SnsRegion", ("region",)),
            ),
            _sms_values,
            _sms_apply,
        ),
        Section(
            "recovery",
            "Account recovery",
            (Field("recovery", "AccountRecoverySetting", ("recovery",)),),
            lambda pool: {"recovery": recovery_option(pool)},
            _recovery_apply,
        ),
    )
}
