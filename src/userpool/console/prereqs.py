"""What each MFA factor still needs before SetUserPoolMfaConfig accepts it (MFA spec §2.3 last
bullet: "TOTP needs no prerequisite; SMS needs an SMS configuration; email needs SES DEVELOPER
sending, an Essentials/Plus plan (formerly advanced security features) and a non-email-only
recovery setting" [OBS SEED; DOC BM; OBS GH-terraform-aws-41049]).

Which rules refuse a factor is `userpool.domain.mfa.factor_prerequisites`'s answer (the rules'
own checks); each entry names such a rule, shows its own message, explains it, and points at the
pool-page form that fixes it, like the information panels of the
console screens in the seed article. tests/console/test_prereqs.py checks that "nothing missing"
is exactly "SetUserPoolMfaConfig accepts the factor"."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from userpool.domain.mfa import MESSAGES, Factor, Switches, factor_prerequisites


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


# rule id -> (what is missing, link text, pool-page anchor)
_PANELS: dict[str, tuple[str, str, str]] = {
    # E2 [OBS CDKD]; the From address: MFA spec §3.1 SEED case
    "E2": (
        "Email MFA needs email sent with Amazon SES: the DEVELOPER sending account, a SES identity "
        "(SourceArn) and a From address.",
        "Send email with Amazon SES",
        "email",
    ),
    # E2b [DOC BM EmailMfaConfigType]
    "E2b": ("Email MFA needs the Essentials or Plus feature plan.", "Change the plan", "plan"),
    # E2c [OBS SEED; DG-ASF-EMAIL]
    "E2c": (
        "Email MFA needs advanced security features (UserPoolAddOns AdvancedSecurityMode).",
        "Activate advanced security features",
        "plan",
    ),
    # E4 [INF; SEED "Configure SMS"]
    "E4": (
        "SMS needs an SMS configuration: the IAM role Cognito assumes to send through Amazon SNS.",
        "Configure SMS",
        "sms",
    ),
    # E9 [OBS SEED "Email only" had to change; GH-terraform-aws-41049]
    "E9": (
        "Email MFA codes and password-reset codes can't share the one channel: account recovery "
        "must not be Email only (add the phone, or choose another option).",
        "Change account recovery",
        "recovery",
    ),
}


def missing(factor: Factor, config: Mapping[str, Any], switches: Switches) -> list[Missing]:
    """What `factor` needs before the pool (its DescribeUserPool settings) can turn it on; TOTP
    needs nothing [OBS SEED]."""
    return [Missing(rule, *_PANELS[rule]) for rule in factor_prerequisites(config, factor, switches)]
