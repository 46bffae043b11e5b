"""The seed article's 12 rows (MFA spec §10, both tables) reproduced end to end through boto3: the
pool and the user are configured through the API, the user signs in with USER_PASSWORD_AUTH, gets
the challenge the table names (with its ChallengeParameters), answers it with the code from the
outbox or a pyotp TOTP code, and receives tokens. Rows the spec calls unreachable are refused.

All rows are written against the default "observed" model (R1-R9, MFA spec §5.3)."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

import pytest
from botocore.exceptions import ClientError

from tests.wire.helpers import access_token, error_of
from tests.wire.mfa_helpers import (
    EMAIL,
    SMS,
    TOTP,
    Flow,
    email_address,
    masked_email,
    masked_phone,
    mfa_client,
    mfa_pool,
    new_user,
    next_totp,
    phone_number,
    register_totp,
    set_mfa,
    set_preference,
    tokens_of,
)
from userpool import cli
from userpool.clock import ShiftedClock

_BLOCK = {SMS: "SMSMfaSettings", TOTP: "SoftwareTokenMfaSettings", EMAIL: "EmailMfaSettings"}


@dataclass(frozen=True)
class Row:
    """One seed row: the user's phone, the per-user settings the console showed (None: never
    saved), the preferred method, and the challenge the seed saw."""

    id: str
    phone: bool
    settings: dict[str, bool] | None
    preferred: str | None
    expected: str
    choices: list[str] = field(default_factory=list)


def preference_blocks(row: Row) -> dict[str, dict[str, bool]]:
    """What saving the user's MFA settings in the console sends: one block per factor of the table."""
    return {
        _BLOCK[factor]: {"Enabled": enabled, "PreferredMfa": factor == row.preferred}
        for factor, enabled in (row.settings or {}).items()
    }


@dataclass
class Setup:
    flow: Flow
    username: str
    email: str
    phone: str | None
    secret: str | None = None


def answer_challenge(
    running: Any, clock: ShiftedClock, setup: Setup, reply: dict[str, Any]
) -> dict[str, Any]:
    """Answer SMS_MFA / EMAIL_OTP with the delivered code, SOFTWARE_TOKEN_MFA with pyotp."""
    name = reply["ChallengeName"]
    if name == SMS:
        assert setup.phone is not None
        return setup.flow.answer(reply, setup.username, SMS_MFA_CODE=running.last_code(setup.phone))
    if name == EMAIL:
        return setup.flow.answer(reply, setup.username, EMAIL_OTP_CODE=running.last_code(setup.email))
    assert name == TOTP and setup.secret is not None
    return setup.flow.answer(reply, setup.username, SOFTWARE_TOKEN_MFA_CODE=next_totp(clock, setup.secret))


def expected_parameters(setup: Setup, row: Row) -> dict[str, str]:
    """MFA spec §6.2: the exact ChallengeParameters of each challenge."""
    params = {"USER_ID_FOR_SRP": setup.username}
    if row.expected == SMS:
        assert setup.phone is not None
        params |= {
            "CODE_DELIVERY_DELIVERY_MEDIUM": "SMS",
            "CODE_DELIVERY_DESTINATION": masked_phone(setup.phone),
        }
    elif row.expected == EMAIL:
        params |= {
            "CODE_DELIVERY_DELIVERY_MEDIUM": "EMAIL",
            "CODE_DELIVERY_DESTINATION": masked_email(setup.email),
        }
    elif row.expected == TOTP:
        params["FRIENDLY_DEVICE_NAME"] = "Pixel"
    else:
        params["MFAS_CAN_CHOOSE"] = json.dumps(row.choices, separators=(",", ":"))
    return params


def explained(running: Any, capsys: pytest.CaptureFixture[str], setup: Setup) -> dict[str, Any]:
    """`userpool explain --json` for the user, run through the CLI's own entry point."""
    url = running.server.engine.url.render_as_string(hide_password=False)
    capsys.readouterr()
    args = ["explain", "--db", url, "--pool", setup.flow.pool_id, "--user", setup.username, "--json"]
    assert cli.main(args) == 0
    found: dict[str, Any] = json.loads(capsys.readouterr().out)
    return found


def sign_in_as_the_seed_did(
    running: Any, clock: ShiftedClock, setup: Setup, row: Row, capsys: pytest.CaptureFixture[str]
) -> None:
    """`userpool explain` names the challenge first; then the sign-in gets exactly that one."""
    explanation = explained(running, capsys, setup)
    assert explanation["decision"]["outcome"].split()[:2] == ["challenge", row.expected]
    reply = setup.flow.start(setup.username)
    assert reply["ChallengeName"] == row.expected
    assert reply["ChallengeParameters"] == expected_parameters(setup, row)
    if row.expected == "SELECT_MFA_TYPE":
        reply = setup.flow.answer(reply, setup.username, ANSWER=SMS)
        assert reply["ChallengeName"] == SMS
    tokens_of(answer_challenge(running, clock, setup, reply))


# --------------------------------------------------------------------------- table 1

# Pool factors email, SMS and TOTP; MfaConfiguration ON; the user has an email and no TOTP token.
TABLE_1 = [
    Row("1-1", phone=False, settings=None, preferred=None, expected=EMAIL),
    Row("1-2", phone=False, settings={EMAIL: True, SMS: False}, preferred=None, expected=EMAIL),
    Row("1-4", phone=True, settings={EMAIL: True, SMS: False}, preferred=None, expected=EMAIL),
    Row("1-5", phone=True, settings={EMAIL: False, SMS: True}, preferred=None, expected=EMAIL),
    Row("1-6", phone=True, settings={EMAIL: True, SMS: True}, preferred=EMAIL, expected=EMAIL),
    Row("1-7", phone=True, settings={EMAIL: True, SMS: True}, preferred=SMS, expected=SMS),
]


def table_1_setup(running: Any, idp: Any, row_id: str, phone: bool) -> Setup:
    pool_id = mfa_pool(idp)
    set_mfa(idp, pool_id, "ON", sms=True, totp=True, email=True)
    client_id = mfa_client(idp, pool_id)
    username = f"seed{row_id.replace('-', '')}"
    email = email_address(username)
    number = phone_number() if phone else None
    new_user(idp, pool_id, username, email=email, **({"phone_number": number} if number else {}))
    return Setup(Flow(idp, pool_id, client_id), username, email, number)


@pytest.mark.parametrize("row", TABLE_1, ids=[r.id for r in TABLE_1])
def test_table_1(
    running: Any, idp: Any, clock: ShiftedClock, row: Row, capsys: pytest.CaptureFixture[str]
) -> None:
    setup = table_1_setup(running, idp, row.id, row.phone)
    if row.settings is not None:
        set_preference(idp, setup.flow.pool_id, setup.username, **preference_blocks(row))
    sign_in_as_the_seed_did(running, clock, setup, row, capsys)


def test_table_1_row_1_3_sms_without_phone_is_refused(
    running: Any, idp: Any, clock: ShiftedClock, capsys: pytest.CaptureFixture[str]
) -> None:
    """Row 1-3 (email only, SMS MFA ON) cannot be built: SMS needs a phone_number (MFA spec §4.2).
    The user stays as in row 1-1 and gets EMAIL_OTP."""
    setup = table_1_setup(running, idp, "1-3", phone=False)
    with pytest.raises(ClientError) as err:
        set_preference(
            idp,
            setup.flow.pool_id,
            setup.username,
            EmailMfaSettings={"Enabled": False, "PreferredMfa": False},
            SMSMfaSettings={"Enabled": True, "PreferredMfa": False},
        )
    assert error_of(err) == (
        "InvalidParameterException",
        "User does not have delivery config set to turn on SMS_MFA",
    )
    sign_in_as_the_seed_did(running, clock, setup, TABLE_1[0], capsys)


# --------------------------------------------------------------------------- table 2

# Pool factors SMS and TOTP (no email); MfaConfiguration ON; the user has an email and a verified
# TOTP token.
TABLE_2 = [
    Row("2-1", phone=False, settings=None, preferred=None, expected=TOTP),
    Row("2-2", phone=True, settings=None, preferred=None, expected="SELECT_MFA_TYPE", choices=[SMS, TOTP]),
    Row("2-3", phone=True, settings={SMS: True, TOTP: False}, preferred=None, expected=SMS),
    Row("2-4", phone=True, settings={SMS: False, TOTP: True}, preferred=TOTP, expected=TOTP),
    Row("2-5", phone=True, settings={SMS: True, TOTP: True}, preferred=SMS, expected=SMS),
]


def table_2_setup(running: Any, idp: Any, clock: ShiftedClock, row: Row) -> Setup:
    """The token is registered while the pool is OPTIONAL (no MFA for a user without settings), then
    the pool is switched to ON; OPTIONAL -> ON keeps user settings (MFA spec §2.5)."""
    pool_id = mfa_pool(idp)
    set_mfa(idp, pool_id, "OPTIONAL", sms=True, totp=True)
    client_id = mfa_client(idp, pool_id)
    username = f"seed{row.id.replace('-', '')}"
    email = email_address(username)
    number = phone_number() if row.phone else None
    new_user(idp, pool_id, username, email=email, **({"phone_number": number} if number else {}))
    secret = register_totp(idp, clock, access_token(idp, client_id, username))
    set_mfa(idp, pool_id, "ON", sms=True, totp=True)
    return Setup(Flow(idp, pool_id, client_id), username, email, number, secret)


@pytest.mark.parametrize("row", TABLE_2, ids=[r.id for r in TABLE_2])
def test_table_2(
    running: Any, idp: Any, clock: ShiftedClock, row: Row, capsys: pytest.CaptureFixture[str]
) -> None:
    setup = table_2_setup(running, idp, clock, row)
    if row.settings is not None:
        set_preference(idp, setup.flow.pool_id, setup.username, **preference_blocks(row))
    sign_in_as_the_seed_did(running, clock, setup, row, capsys)


def test_table_2_row_2_2_fixed_by_saving_settings(
    running: Any, idp: Any, clock: ShiftedClock, capsys: pytest.CaptureFixture[str]
) -> None:
    """Row 2-2's fix in the seed: saving the user's MFA settings (SMS on) moves it to row 2-3."""
    row = TABLE_2[1]
    setup = table_2_setup(running, idp, clock, row)
    set_preference(idp, setup.flow.pool_id, setup.username, **preference_blocks(TABLE_2[2]))
    sign_in_as_the_seed_did(running, clock, setup, TABLE_2[2], capsys)
