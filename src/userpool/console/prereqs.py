"""What each MFA factor still needs before SetUserPoolMfaConfig accepts it (MFA spec §2.3 last
bullet: "TOTP needs no prerequisite; SMS needs an SMS configuration; email needs SES DEVELOPER
sending, an Essentials/Plus plan (formerly advanced security features) and a non-email-only
recovery setting" [OBS SEED; DOC BM; OBS GH-terraform-aws-41049]).

Each entry names the rule of `userpool.domain.mfa` that would refuse the factor, shows that rule's
own message, and points at the pool-page form that fixes it, like the information panels of the
console screens in the seed article. tests/console/test_prereqs.py checks that "nothing missing"
is exactly "SetUserPoolMfaConfig accepts the factor"."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from userpool.domain.mfa import EMAIL, MESSAGES, SMS, Factor, Switches, pool_mfa


@dataclass(frozen=True)
class Missing:
    rule: str
    """The rule id of MFA spec §2.3 (E2, E2b, E2c, E4, E9)."""
    what: str
    fix: str
    """The link text."""
    section: str
    """The anchor of the pool-page form that fixes it."""

    @property
    def api_message(self) -> str:
        return MESSAGES[self.rule][1]


def _sms(config: Mapping[str, Any]) -> list[Missing]:
    if config.get("SmsConfiguration"):
        return []
    # E4 [INF; SEED "Configure SMS"]
    what = "SMS needs an SMS configuration: the IAM role Cognito assumes to send through Amazon SNS."
    return [Missing("E4", what, "Configure SMS", "sms")]


def _email_sending(config: Mapping[str, Any]) -> list[Missing]:
    account = (config.get("EmailConfiguration") or {}).get("EmailSendingAccount") or "COGNITO_DEFAULT"
    if account != "COGNITO_DEFAULT":
        return []
    # E2 [OBS CDKD]; the From address: MFA spec §3.1 SEED case
    what = (
        "Email MFA needs email sent with Amazon SES: the DEVELOPER sending account, a SES identity "
        "(SourceArn) and a From address."
    )
    return [Missing("E2", what, "Send email with Amazon SES", "email")]


def _plan(config: Mapping[str, Any], switches: Switches) -> list[Missing]:
    if switches.legacy_plans:  # E2c [OBS SEED; DG-ASF-EMAIL]
        mode = (config.get("UserPoolAddOns") or {}).get("AdvancedSecurityMode", "OFF")
        if mode != "OFF":
            return []
        what = "Email MFA needs advanced security features (UserPoolAddOns AdvancedSecurityMode)."
        return [Missing("E2c", what, "Activate advanced security features", "plan")]
    if pool_mfa(config).tier != "LITE":
        return []
    # E2b [DOC BM EmailMfaConfigType]
    return [Missing("E2b", "Email MFA needs the Essentials or Plus feature plan.", "Change the plan", "plan")]


def _recovery(config: Mapping[str, Any], switches: Switches) -> list[Missing]:
    if not switches.email_only_recovery_check or pool_mfa(config).recovery != ("verified_email",):
        return []
    # E9 [OBS SEED "Email only" had to change; GH-terraform-aws-41049]
    what = (
        "Email MFA codes and password-reset codes can't share the one channel: account recovery "
        "must not be Email only (add the phone, or choose another option)."
    )
    return [Missing("E9", what, "Change account recovery", "recovery")]


def missing(factor: Factor, config: Mapping[str, Any], switches: Switches) -> list[Missing]:
    """What `factor` needs before the pool (its DescribeUserPool settings) can turn it on."""
    if factor == SMS:
        return _sms(config)
    if factor == EMAIL:
        return [*_email_sending(config), *_plan(config, switches), *_recovery(config, switches)]
    return []  # TOTP needs nothing [OBS SEED]
