"""A password sign-in answered with SOFTWARE_TOKEN_MFA (or SELECT_MFA_TYPE) gets a sealed session
(store/sessions.py, crypto/sealed.py): the string carries the challenge's record, so the password
step writes nothing; the session is still single use, bound to its client and user, and dies
with its validity (MFA spec §6.4), with the same answers as a stored one. Through boto3."""

from __future__ import annotations

import base64
from typing import Any

from tests.conftest import Running
from tests.wire.helpers import fails
from tests.wire.mfa_helpers import (
    EXPIRED,
    INVALID,
    USED,
    WRONG_TOTP,
    Flow,
    mfa_client,
    next_totp,
    tokens_of,
    totp_code,
    totp_flow,
)
from userpool.clock import ShiftedClock


def test_the_password_step_writes_nothing(idp: Any, clock: ShiftedClock, written: list[str]) -> None:
    flow, secrets = totp_flow(idp, clock, "tom")
    written.clear()
    reply = flow.start("tom")
    assert reply["ChallengeName"] == "SOFTWARE_TOKEN_MFA"
    assert written == []
    assert reply["Session"].startswith("AYAB")  # as real ones do (MFA spec §6.4)
    assert 400 <= len(reply["Session"]) <= 2048
    tokens_of(flow.answer(reply, "tom", SOFTWARE_TOKEN_MFA_CODE=next_totp(clock, secrets["tom"])))
    assert written  # the answer marks the session used


def test_a_wrong_code_leaves_it_usable_and_a_right_one_uses_it(
    running: Running, idp: Any, clock: ShiftedClock
) -> None:
    flow, secrets = totp_flow(idp, clock, "tom")
    reply = flow.start("tom")
    wrong = "000000" if totp_code(clock, secrets["tom"]) != "000000" else "111111"
    assert fails(flow.answer, reply, "tom", SOFTWARE_TOKEN_MFA_CODE=wrong) == WRONG_TOTP
    code = next_totp(clock, secrets["tom"])
    tokens_of(flow.answer(reply, "tom", SOFTWARE_TOKEN_MFA_CODE=code))
    clock.advance(30)
    again = next_totp(clock, secrets["tom"])
    assert fails(flow.answer, reply, "tom", SOFTWARE_TOKEN_MFA_CODE=again) == USED


def test_another_spelling_of_a_used_session_is_not_a_new_one(
    running: Running, idp: Any, clock: ShiftedClock
) -> None:
    """Base64 leaves spare bits in the last character; another spelling of the same bytes is
    refused as a session never issued."""
    flow, secrets = totp_flow(idp, clock, "tom")
    reply = flow.start("tom")
    session = reply["Session"]
    tokens_of(flow.answer(reply, "tom", SOFTWARE_TOKEN_MFA_CODE=next_totp(clock, secrets["tom"])))
    body = session[4:]
    pad = "=" * (-len(body) % 4)
    data = base64.urlsafe_b64decode(body + pad)
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
    others = [
        "AYAB" + body[:-1] + char
        for char in alphabet
        if char != body[-1] and base64.urlsafe_b64decode(body[:-1] + char + pad) == data
    ]
    assert others  # the record's padding leaves spare bits (crypto/sealed.py)
    clock.advance(30)
    for other in others:
        code = next_totp(clock, secrets["tom"])
        assert fails(flow.answer, {**reply, "Session": other}, "tom", SOFTWARE_TOKEN_MFA_CODE=code) == INVALID


def test_expired(running: Running, idp: Any, clock: ShiftedClock) -> None:
    """AuthSessionValidity, default 3 minutes (MFA spec §1, §6.4)."""
    flow, secrets = totp_flow(idp, clock, "tom")
    reply = flow.start("tom")
    clock.advance(3 * 60 + 1)
    code = next_totp(clock, secrets["tom"])
    assert fails(flow.answer, reply, "tom", SOFTWARE_TOKEN_MFA_CODE=code) == EXPIRED


def test_bound_to_its_client_and_user(running: Running, idp: Any, clock: ShiftedClock) -> None:
    flow, secrets = totp_flow(idp, clock, "tom", "mallory")
    other = Flow(idp, flow.pool_id, mfa_client(idp, flow.pool_id))
    reply = flow.start("tom")
    code = next_totp(clock, secrets["tom"])
    assert fails(other.answer, reply, "tom", SOFTWARE_TOKEN_MFA_CODE=code) == INVALID
    mallory = next_totp(clock, secrets["mallory"])
    assert fails(flow.answer, reply, "mallory", SOFTWARE_TOKEN_MFA_CODE=mallory) == INVALID
    assert fails(idp.associate_software_token, Session=reply["Session"]) == INVALID  # not MFA_SETUP
    tokens_of(flow.answer(reply, "tom", SOFTWARE_TOKEN_MFA_CODE=code))


def test_forgeries_and_other_sealed_strings_never_yield_tokens(
    running: Running, idp: Any, clock: ShiftedClock
) -> None:
    flow, secrets = totp_flow(idp, clock, "tom")
    reply = flow.start("tom")
    session = reply["Session"]
    refresh = tokens_of(
        flow.answer(flow.start("tom"), "tom", SOFTWARE_TOKEN_MFA_CODE=next_totp(clock, secrets["tom"]))
    )["RefreshToken"]
    clock.advance(30)
    code = next_totp(clock, secrets["tom"])
    flipped = session[:-1] + ("A" if session[-1] != "A" else "B")
    middle = len(session) // 2
    changed = session[:middle] + ("A" if session[middle] != "A" else "B") + session[middle + 1 :]
    for forged in (flipped, changed, session[:100], session + "AA", "AYAB" + "A" * 400, refresh[:2048]):
        assert (
            fails(flow.answer, {**reply, "Session": forged}, "tom", SOFTWARE_TOKEN_MFA_CODE=code) == INVALID
        )
    tokens_of(flow.answer(reply, "tom", SOFTWARE_TOKEN_MFA_CODE=code))
