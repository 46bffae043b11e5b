"""The rule catalogue of the MFA decision: id, summary, source, and the settings each rule reads.

Ids follow the MFA spec: R1-R9 (§5.3/§5.4), DG1-DG6 (§5.7 items 1-6, letters for branches);
F0, R0, RD and R1b name the spec's unnumbered steps (§5.1, §5.4 rows 1 and 11, §5.3 last bullet).
`userpool explain` prints these texts next to the decision.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["RULES", "Rule"]

_ATTRS = ("user.phone_number", "user.email", "user.software_token")
_EXPLICIT = ("UserMFASettingList", "MFAOptions")


@dataclass(frozen=True)
class Rule:
    id: str
    summary: str
    source: str
    reads: tuple[str, ...]


def _rule(rule_id: str, summary: str, source: str, *reads: str) -> tuple[str, Rule]:
    return rule_id, Rule(rule_id, summary, source, reads)


RULES: dict[str, Rule] = dict(
    [
        _rule(
            "F0",
            "this first factor is not followed by MFA selection",
            "MFA spec §5.1 [DOC DG-MFA; OBS GH-amplify-js-12887; INF Q3]",
            "first_factor",
            "MfaConfiguration",
            "switch.mfa_after_passwordless",
        ),
        _rule("R0", "pool MFA is OFF: tokens", "MFA spec §5.4 row 1, §2.5 [DOC BM]", "MfaConfiguration"),
        _rule(
            "RD",
            "remembered device and ChallengeRequiredOnNewDevice: DEVICE_SRP_AUTH, MFA skipped",
            "MFA spec §5.6, §5.4 row 11 [DOC API-DEV, BM]",
            "ChallengeRequiredOnNewDevice",
            "device_remembered",
        ),
        _rule(
            "R1",
            "the usable preferred factor wins",
            "MFA spec §5.3 R1 [DOC BM SetUserMFAPreference]",
            "PreferredMfaSetting",
            "pool.factors",
            *_ATTRS,
        ),
        _rule(
            "R1b",
            "the preferred factor cannot be received and nothing else applies: MFAMethodNotFound",
            "MFA spec §5.3 last bullet, Q9 [INF]",
            "PreferredMfaSetting",
            "pool.factors",
            *_ATTRS,
            "switch.preferred_unusable_denies",
        ),
        _rule(
            "R2",
            "several factors explicitly activated, none preferred: SELECT_MFA_TYPE",
            "MFA spec §5.3 R2 [DOC BM]",
            *_EXPLICIT,
            "PreferredMfaSetting",
            "switch.choose_includes_implicit_email",
        ),
        _rule(
            "R3",
            "ON pool: an available email factor takes precedence",
            "MFA spec §5.3 R3 [OBS SEED T1-1, T1-5; RP-EMAIL]",
            "MfaConfiguration",
            "pool.factors",
            "user.email",
            *_EXPLICIT,
            "switch.email_precedence",
        ),
        _rule(
            "R4",
            "ON pool: the one explicitly activated factor",
            "MFA spec §5.3 R4 [OBS SEED T2-3]",
            "MfaConfiguration",
            *_EXPLICIT,
        ),
        _rule(
            "R5",
            "ON pool: the one implicit factor",
            "MFA spec §5.3 R5 [OBS GH-amplify-js-11258, SEED T2-1]",
            "MfaConfiguration",
            "pool.factors",
            *_ATTRS,
        ),
        _rule(
            "R6",
            "ON pool: several implicit factors, nothing activated",
            "MFA spec §5.3 R6 [OBS GH-amplify-js-4646], Q10",
            "MfaConfiguration",
            "pool.factors",
            *_ATTRS,
            "switch.several_implicit",
        ),
        _rule(
            "R7",
            "ON pool: nothing usable: MFA_SETUP with the pool's factors",
            "MFA spec §5.3 R7 [DOC BM ChallengeName MFA_SETUP]",
            "MfaConfiguration",
            "pool.factors",
            *_ATTRS,
        ),
        _rule(
            "R8",
            "OPTIONAL pool: the one explicitly activated factor",
            "MFA spec §5.3 R8 [DOC BM]",
            "MfaConfiguration",
            *_EXPLICIT,
        ),
        _rule(
            "R9",
            "OPTIONAL pool: nothing activated: tokens",
            "MFA spec §5.3 R9 [DOC BM MfaConfiguration]",
            "MfaConfiguration",
            *_EXPLICIT,
        ),
        _rule(
            "DG1",
            "OPTIONAL pool: MFA only with a registered TOTP token or a preferred factor",
            "MFA spec §5.7 item 1 [DOC DG-MFA]",
            "MfaConfiguration",
            "user.software_token",
            *_EXPLICIT,
            "AccountRecoverySetting",
        ),
        _rule(
            "DG2",
            "a factor enabled and preferred wins",
            "MFA spec §5.7 item 2 [DOC DG-MFA]",
            "PreferredMfaSetting",
            "UserMFASettingList",
            *_ATTRS,
        ),
        _rule(
            "DG3",
            "TOTP registered: TOTP plus SMS/email factors that are not the primary recovery channel",
            "MFA spec §5.7 item 3 [DOC DG-MFA]",
            "user.software_token",
            "pool.factors",
            "user.phone_number",
            "user.email",
            "AccountRecoverySetting",
        ),
        _rule(
            "DG4a",
            "one delivery attribute, and it is the primary recovery channel: sign-in fails",
            "MFA spec §5.7 item 4 [DOC DG-MFA]",
            *_ATTRS,
            "AccountRecoverySetting",
        ),
        _rule(
            "DG4b",
            "one delivery attribute whose factor the pool enables: that factor",
            "MFA spec §5.7 item 4 [DOC DG-MFA]",
            *_ATTRS,
            "pool.factors",
            "AccountRecoverySetting",
        ),
        _rule(
            "DG4c",
            "no usable delivery factor, pool enables TOTP: MFA_SETUP [SOFTWARE_TOKEN_MFA]",
            "MFA spec §5.7 items 4-5 [DOC DG-MFA; INF for item 5]",
            *_ATTRS,
            "pool.factors",
            "AccountRecoverySetting",
        ),
        _rule(
            "DG4d",
            "no usable delivery factor and no TOTP in the pool: sign-in fails",
            "MFA spec §5.7 items 4-5 [DOC DG-MFA; INF for item 5]",
            *_ATTRS,
            "pool.factors",
            "AccountRecoverySetting",
        ),
        _rule(
            "DG5",
            "both delivery attributes: drop the primary recovery channel, choose among the rest",
            "MFA spec §5.7 item 5 [DOC DG-MFA]",
            *_ATTRS,
            "pool.factors",
            "AccountRecoverySetting",
        ),
        _rule(
            "DG6",
            "no attribute, no TOTP: MFA_SETUP with the pool's factors minus the primary recovery option",
            "MFA spec §5.7 item 6 [DOC DG-MFA]",
            *_ATTRS,
            "pool.factors",
            "AccountRecoverySetting",
        ),
    ]
)
