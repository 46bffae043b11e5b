"""The decision-table builder: every user state, `decide`'s outcome, the seed article's rows."""

from __future__ import annotations

import csv
import io

import pytest

from userpool.console import table
from userpool.console.table import Row
from userpool.domain.mfa import EMAIL, SMS, TOTP, Challenge, Denial, Factor, PoolMfa, Switches, Tokens

ALL_ON = PoolMfa(mode="ON", sms=True, totp=True, email=True)
NO_EMAIL = PoolMfa(mode="ON", sms=True, totp=True)


def rows(pool: PoolMfa, *, include_refused: bool = False) -> list[Row]:
    return table.build(pool, model="observed", switches=Switches(), include_refused=include_refused)


def find(
    found: list[Row],
    *,
    email: bool,
    phone: bool,
    totp: bool = False,
    enabled: tuple[Factor, ...] = (),
    preferred: Factor | None = None,
) -> Row:
    for row in found:
        s = row.state
        if (s.email, s.phone, s.totp, set(s.enabled), s.preferred) == (
            email,
            phone,
            totp,
            set(enabled),
            preferred,
        ):
            return row
    raise AssertionError("no such row")


def test_every_state_once() -> None:
    states = list(table.user_states())
    assert len(states) == 160  # 2^3 attribute/token combinations x 20 (enabled, preferred) pairs
    assert len(set(states)) == len(states)
    assert all(s.preferred is None or s.preferred in s.enabled for s in states)


def test_states_the_api_refuses_are_left_out_unless_asked_for() -> None:
    assert len(rows(ALL_ON)) == 54
    everything = rows(ALL_ON, include_refused=True)
    assert len(everything) == 160
    row = find(everything, email=True, phone=False, enabled=(SMS,))
    assert row.refused == "User does not have delivery config set to turn on SMS_MFA"


@pytest.mark.parametrize(
    ("email", "phone", "enabled", "preferred", "expected"),
    [
        # Seed article table 1 (pool: email, SMS and TOTP on); MFA spec §10.
        (True, False, (), None, "Email code"),
        (True, False, (EMAIL,), None, "Email code"),
        (True, True, (SMS,), None, "Email code"),
        (True, True, (EMAIL, SMS), EMAIL, "Email code"),
        (True, True, (EMAIL, SMS), SMS, "SMS code"),
    ],
)
def test_seed_table_1(
    email: bool, phone: bool, enabled: tuple[Factor, ...], preferred: Factor | None, expected: str
) -> None:
    row = find(rows(ALL_ON), email=email, phone=phone, enabled=enabled, preferred=preferred)
    assert table.outcome(row.decision.step) == expected


@pytest.mark.parametrize(
    ("phone", "enabled", "preferred", "expected"),
    [
        # Seed article table 2 (pool: SMS and TOTP on, no email); every user has a TOTP token.
        (False, (), None, "TOTP code"),
        (True, (), None, "choose: SMS, TOTP"),  # the seed's "NG" row: R6 (switch several_implicit)
        (True, (SMS,), None, "SMS code"),
        (True, (TOTP,), TOTP, "TOTP code"),
        (True, (SMS, TOTP), SMS, "SMS code"),
    ],
)
def test_seed_table_2(
    phone: bool, enabled: tuple[Factor, ...], preferred: Factor | None, expected: str
) -> None:
    row = find(rows(NO_EMAIL), email=True, phone=phone, totp=True, enabled=enabled, preferred=preferred)
    assert table.outcome(row.decision.step) == expected


def test_defaults_and_disagreements_are_marked() -> None:
    row = find(rows(ALL_ON), email=True, phone=True)
    assert row.decision.rules == ("R3",)
    assert row.decision.by_default
    assert row.disagree
    assert row.other.model == "documented"


def test_pool_off_means_tokens_everywhere() -> None:
    assert {table.outcome(r.decision.step) for r in rows(PoolMfa())} == {"no MFA (tokens)"}


def test_outcome_labels() -> None:
    assert table.outcome(Tokens()) == "no MFA (tokens)"
    assert table.outcome(Challenge("MFA_SETUP", can_setup=(SMS, EMAIL))) == "set up: SMS, Email"
    assert table.outcome(Challenge("SELECT_MFA_TYPE", can_choose=(SMS, TOTP))) == "choose: SMS, TOTP"
    assert table.outcome(Challenge("DEVICE_SRP_AUTH")) == "remembered device"
    assert table.outcome(Denial("MFAMethodNotFoundException", "x")) == (
        "sign-in refused (MFAMethodNotFoundException)"
    )


def test_csv() -> None:
    found = rows(ALL_ON)
    parsed = list(csv.reader(io.StringIO(table.to_csv(found))))
    assert tuple(parsed[0]) == table.CSV_HEADER
    assert len(parsed) == len(found) + 1
    first = dict(zip(table.CSV_HEADER, parsed[1], strict=True))
    assert first["email attribute"] == "yes"
    assert first["next sign-in"] == table.outcome(found[0].decision.step)
    assert first["rules"] == " ".join(found[0].decision.rules)


def test_preference_request_sets_the_state_up() -> None:
    state = table.UserState(True, True, False, (SMS, EMAIL), EMAIL)
    assert state.preference_request() == {
        "SMSMfaSettings": {"Enabled": True, "PreferredMfa": False},
        "EmailMfaSettings": {"Enabled": True, "PreferredMfa": True},
    }
