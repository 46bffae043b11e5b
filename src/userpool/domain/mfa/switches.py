# ruff: noqa: E501  (the switch table below is copied into the README as is)
"""The contested MFA rules, as named per-server switches (MFA spec §12 open questions, §2.3).

Every switch defaults to the MFA spec's choice. A switch exists because real AWS has not been
measured on that point: flip it when someone runs the experiment in the spec's §12 table.

| Switch | Default | What it decides | Spec |
| --- | --- | --- | --- |
| `email_precedence` | `True` | R3: in an ON pool, an available email factor beats a single explicitly enabled SMS/TOTP factor and implicit factors (seed row 1-5). Off: R4-R6 decide. | §5.3 R3, §10, Q1 |
| `choose_includes_implicit_email` | `False` | R2: with ≥2 explicitly enabled factors and an implicit (available, not enabled) email factor in an ON pool, also list `EMAIL_OTP` in `MFAS_CAN_CHOOSE`. | §5.3 R2, Q2 |
| `mfa_after_passwordless` | `False` | In OPTIONAL pools, run the MFA decision after an `EMAIL_OTP` / `SMS_OTP` first factor. | §5.1, §8.6, Q3 |
| `verify_software_token_enables` | `False` | `VerifySoftwareToken` also adds `SOFTWARE_TOKEN_MFA` to the user's enabled set (read by the TOTP operations, not by `decide`). | §7.2, Q4 |
| `pool_off_user_settings` | `"clear"` | Pool MFA turned OFF: `"clear"` wipes every user's enabled/preferred/legacy SMS settings (TOTP secrets and passkeys stay); `"hide"` keeps them but reports nothing while the pool is OFF. | §2.5, §4.5, Q5 |
| `email_only_recovery_check` | `True` | E9: `SetUserPoolMfaConfig` refuses email MFA while `AccountRecoverySetting` offers only `verified_email`. | §2.3 E9, §3.3, Q6 |
| `email_mfa_code_length` | `6` | Digits of an email MFA code sent after a password (read by the challenge sender). | §6.3, Q7 |
| `session_survives_wrong_code` | `True` | A wrong MFA code leaves the auth session usable until it expires or lockout starts (read by RespondToAuthChallenge). | §6.4, §6.6, Q8 |
| `preferred_unusable_denies` | `True` | A user whose `PreferredMfaSetting` names a factor they can no longer receive, where the rules would otherwise end in R7 (`MFA_SETUP`) or R9 (tokens), is refused with `MFAMethodNotFoundException` (rule R1b). | §5.3 last bullet, Q9 |
| `several_implicit` | `"SELECT_MFA_TYPE"` | R6: an ON-pool user with ≥2 implicit factors and nothing enabled gets `SELECT_MFA_TYPE`; `"MFA_METHOD_NOT_FOUND"` refuses instead (a literal reading of seed row 2-2 "NG"). | §5.3 R6, §10 row 2-2, Q10 |
| `recovery_phone_with_sms_check` | `False` | U5: Create/UpdateUserPool refuses `verified_phone_number` recovery in an ON pool with SMS MFA. | §2.3 U5 |
| `legacy_plans` | `False` | Pools predate feature plans: E2c (email MFA needs `AdvancedSecurityMode` ≠ OFF) replaces E2b (email MFA needs a tier above LITE). | §2.3 E2b/E2c |

Not a switch but a choice of the same kind: `decide(..., model="observed" | "documented")` picks R1-R9
(§5.3, default) or the Developer Guide's runtime description "Model DG" (§5.7) — spec Q11.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

__all__ = ["DEFAULT_SWITCHES", "Switches"]


@dataclass(frozen=True)
class Switches:
    """Per-server settings for the MFA rules real AWS has not settled (MFA spec §12).

    Each field's docstring names the rule it changes; the module docstring has the table.
    """

    email_precedence: bool = True
    """R3 [OBS SEED T1-1, T1-5; RP-EMAIL], Q1: email precedence in ON pools."""

    choose_includes_implicit_email: bool = False
    """R2, Q2: add an implicit email factor to `MFAS_CAN_CHOOSE` of the explicit choice."""

    mfa_after_passwordless: bool = False
    """§5.1, §8.6, Q3: MFA after an EMAIL_OTP/SMS_OTP first factor (OPTIONAL pools only)."""

    verify_software_token_enables: bool = False
    """§7.2, Q4: a verified software token is also enabled (for the TOTP operations)."""

    pool_off_user_settings: Literal["clear", "hide"] = "clear"
    """§2.5, Q5: what pool MFA OFF does to users' MFA settings."""

    email_only_recovery_check: bool = True
    """E9 [OBS SEED; GH-terraform-aws-41049], Q6: refuse email MFA with email-only recovery."""

    email_mfa_code_length: int = 6
    """§6.3, Q7: digits of an email MFA code (for the sender)."""

    session_survives_wrong_code: bool = True
    """§6.4, Q8: a wrong code does not consume the auth session (for RespondToAuthChallenge)."""

    preferred_unusable_denies: bool = True
    """R1b, §5.3, Q9: an unusable preferred factor with no fallback -> MFAMethodNotFoundException."""

    several_implicit: Literal["SELECT_MFA_TYPE", "MFA_METHOD_NOT_FOUND"] = "SELECT_MFA_TYPE"
    """R6 [OBS GH-amplify-js-4646], Q10: several implicit factors -> choose, or refuse."""

    recovery_phone_with_sms_check: bool = False
    """U5 [OBS GH-aws-cdk-11478]: refuse phone recovery in an ON pool with SMS MFA."""

    legacy_plans: bool = False
    """E2c [OBS SEED; DG-ASF-EMAIL]: gate email MFA on advanced security instead of the tier."""


DEFAULT_SWITCHES = Switches()
