"""The MFA page's prerequisite panels say exactly what SetUserPoolMfaConfig would refuse: for every
combination of the settings they read, "nothing missing" is "the factor is accepted", and the first
thing missing is the rule that fires first."""

from __future__ import annotations

from itertools import product
from typing import Any

import pytest

from userpool.api.errors import CognitoError
from userpool.console import prereqs
from userpool.domain.mfa import EMAIL, SMS, TOTP, Factor, Switches, apply_pool_mfa_config

BLOCKS: dict[Factor, tuple[str, dict[str, Any]]] = {
    SMS: ("SmsMfaConfiguration", {}),
    TOTP: ("SoftwareTokenMfaConfiguration", {"Enabled": True}),
    EMAIL: ("EmailMfaConfiguration", {"Message": "Your code is {####}", "Subject": "Code"}),
}
RECOVERY = (
    None,
    [{"Name": "verified_email", "Priority": 1}],
    [{"Name": "verified_email", "Priority": 1}, {"Name": "verified_phone_number", "Priority": 2}],
)


def configs() -> list[dict[str, Any]]:
    out = []
    for sms, developer, tier, recovery, security in product(
        (False, True), (False, True), ("LITE", "ESSENTIALS", "PLUS"), RECOVERY, ("OFF", "ENFORCED")
    ):
        config: dict[str, Any] = {"UserPoolTier": tier, "UserPoolAddOns": {"AdvancedSecurityMode": security}}
        if sms:
            config["SmsConfiguration"] = {"SnsCallerArn": "arn:aws:iam::123456789012:role/sms"}
        if developer:
            arn = "arn:aws:ses:us-east-1:123456789012:identity/example.com"
            config["EmailConfiguration"] = {"EmailSendingAccount": "DEVELOPER", "SourceArn": arn}
        if recovery is not None:
            config["AccountRecoverySetting"] = {"RecoveryMechanisms": recovery}
        out.append(config)
    return out


SWITCHES = [
    Switches(),
    Switches(legacy_plans=True),
    Switches(email_only_recovery_check=False),
]


def refusal(factor: Factor, config: dict[str, Any], switches: Switches) -> str | None:
    key, block = BLOCKS[factor]
    try:
        apply_pool_mfa_config(config, {"MfaConfiguration": "OPTIONAL", key: block}, switches)
    except CognitoError as err:
        return err.message
    return None


@pytest.mark.parametrize("switches", SWITCHES)
@pytest.mark.parametrize("factor", [SMS, TOTP, EMAIL])
def test_panels_match_the_api(factor: Factor, switches: Switches) -> None:
    for config in configs():
        missing = prereqs.missing(factor, config, switches)
        refused = refusal(factor, config, switches)
        if refused is None:
            assert missing == [], (config, missing)
        else:
            assert missing, (config, refused)
            assert missing[0].api_message == refused


def test_each_panel_links_to_a_pool_page_form() -> None:
    from userpool.console.pool_settings import SECTIONS

    config = configs()[0]  # LITE, no SMS, Cognito's sender: everything missing
    needs = prereqs.missing(EMAIL, config, Switches()) + prereqs.missing(SMS, config, Switches())
    assert {n.rule for n in needs} == {"E2", "E2b", "E4"}
    assert all(n.section in SECTIONS for n in needs)
