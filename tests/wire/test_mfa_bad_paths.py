"""MFA sign-in bad paths through boto3, each with the MFA spec's exact exception and message: wrong
codes (§6.5), sessions that are expired, reused, foreign or forged (§6.4), the wrong challenge
(§6.1), software-token registration errors (§7) and lockout (§6.6). Successful journeys are in
test_mfa_journeys.py."""

from __future__ import annotations

import secrets
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import Running, served
from tests.wire.helpers import access_token, fails, wrong
from tests.wire.mfa_helpers import (
    EMAIL,
    EXPIRED,
    INVALID,
    REPLAYED,
    SMS,
    TOTP,
    USED,
    WRONG_TOTP,
    Flow,
    email_address,
    mfa_client,
    mfa_pool,
    new_user,
    next_totp,
    phone_number,
    register_totp,
    set_mfa,
    tokens_of,
    totp_code,
    user_attributes,
)
from userpool.clock import ShiftedClock
from userpool.domain.mfa import Switches

WRONG_CODE = ("CodeMismatchException", "Invalid code or auth state for the user.")
LOCKED = ("NotAuthorizedException", "Password attempts exceeded")
ONE_OF = ("InvalidParameterException", "Exactly one of AccessToken and Session must be provided.")
VERIFY_MISMATCH = ("EnableSoftwareTokenMFAException", "Code mismatch and fail enable Software Token MFA")
NO_TOKEN = ("SoftwareTokenMFANotFoundException", "Software Token MFA does not exist for the user.")


def sms_user(idp: Any, username: str = "sam", admin: bool = False, **client: Any) -> tuple[Flow, str]:
    """An ON pool with the SMS factor and a user with an unverified phone: SMS_MFA (R5)."""
    pool_id = mfa_pool(idp)
    set_mfa(idp, pool_id, "ON", sms=True)
    phone = phone_number()
    new_user(idp, pool_id, username, phone_number=phone)
    return Flow(idp, pool_id, mfa_client(idp, pool_id, **client), admin), phone


def email_user(idp: Any, username: str = "eli") -> tuple[Flow, str]:
    """An ON pool with the email factor and a user with an unverified email: EMAIL_OTP (R3)."""
    pool_id = mfa_pool(idp)
    set_mfa(idp, pool_id, "ON", email=True)
    email = email_address(username)
    new_user(idp, pool_id, username, email=email)
    return Flow(idp, pool_id, mfa_client(idp, pool_id)), email


def totp_user(idp: Any, clock: ShiftedClock, username: str = "tom") -> tuple[Flow, str]:
    """An ON pool with TOTP only and a user who verified a token: SOFTWARE_TOKEN_MFA (R5)."""
    pool_id = mfa_pool(idp)
    set_mfa(idp, pool_id, "OPTIONAL", totp=True)
    flow = Flow(idp, pool_id, mfa_client(idp, pool_id))
    new_user(idp, pool_id, username)
    secret = register_totp(idp, clock, access_token(idp, flow.client_id, username))
    set_mfa(idp, pool_id, "ON", totp=True)
    return flow, secret


# --------------------------------------------------------------------------- wrong codes


@pytest.mark.parametrize("admin", [False, True], ids=["public", "admin"])
def test_wrong_sms_code_then_right_one(running: Running, idp: Any, admin: bool) -> None:
    """A wrong code keeps the session (MFA spec §6.4); the right one marks the phone verified (§6.3)."""
    flow, phone = sms_user(idp, admin=admin)
    reply = flow.start("sam")
    code = running.last_code(phone)
    assert fails(flow.answer, reply, "sam", SMS_MFA_CODE=wrong(code)) == WRONG_CODE
    assert user_attributes(idp, flow.pool_id, "sam").get("phone_number_verified") != "true"
    tokens_of(flow.answer(reply, "sam", SMS_MFA_CODE=code))
    assert user_attributes(idp, flow.pool_id, "sam")["phone_number_verified"] == "true"


def test_wrong_email_code_then_right_one(running: Running, idp: Any) -> None:
    flow, email = email_user(idp)
    reply = flow.start("eli")
    code = running.last_code(email)
    assert fails(flow.answer, reply, "eli", EMAIL_OTP_CODE=wrong(code)) == WRONG_CODE
    assert user_attributes(idp, flow.pool_id, "eli").get("email_verified") != "true"
    tokens_of(flow.answer(reply, "eli", EMAIL_OTP_CODE=code))
    assert user_attributes(idp, flow.pool_id, "eli")["email_verified"] == "true"


def test_wrong_totp_then_right_one(running: Running, idp: Any, clock: ShiftedClock) -> None:
    flow, secret = totp_user(idp, clock)
    reply = flow.start("tom")
    code = next_totp(clock, secret)
    assert fails(flow.answer, reply, "tom", SOFTWARE_TOKEN_MFA_CODE=wrong(code)) == WRONG_TOTP
    tokens_of(flow.answer(reply, "tom", SOFTWARE_TOKEN_MFA_CODE=code))


def test_replayed_totp(running: Running, idp: Any, clock: ShiftedClock) -> None:
    """The same time step signs in once (MFA spec §6.5, §7.3)."""
    flow, secret = totp_user(idp, clock)
    code = next_totp(clock, secret)
    tokens_of(flow.answer(flow.start("tom"), "tom", SOFTWARE_TOKEN_MFA_CODE=code))
    again = flow.start("tom")
    assert fails(flow.answer, again, "tom", SOFTWARE_TOKEN_MFA_CODE=code) == REPLAYED
    tokens_of(flow.answer(again, "tom", SOFTWARE_TOKEN_MFA_CODE=next_totp(clock, secret)))


def test_the_code_that_verified_the_token_cannot_sign_in(
    running: Running, idp: Any, clock: ShiftedClock
) -> None:
    flow, secret = totp_user(idp, clock)
    reply = flow.start("tom")
    assert fails(flow.answer, reply, "tom", SOFTWARE_TOKEN_MFA_CODE=totp_code(clock, secret)) == REPLAYED


def test_answer_for_another_challenge(running: Running, idp: Any) -> None:
    """MFA spec §6.1 [OBS GH-amplify-js-13962]: the pending challenge decides."""
    flow, phone = sms_user(idp)
    reply = flow.start("sam")
    code = running.last_code(phone)
    for other, key in ((TOTP, "SOFTWARE_TOKEN_MFA_CODE"), (EMAIL, "EMAIL_OTP_CODE"), ("MFA_SETUP", "EMAIL")):
        assert fails(flow.answer, reply, "sam", other, **{key: code}) == WRONG_CODE
    tokens_of(flow.answer(reply, "sam", SMS_MFA_CODE=code))


# --------------------------------------------------------------------------- sessions


def test_expired_session(running: Running, idp: Any, clock: ShiftedClock) -> None:
    """AuthSessionValidity, default 3 minutes (MFA spec §1, §6.4); the code dies with it."""
    flow, phone = sms_user(idp)
    reply = flow.start("sam")
    clock.advance(3 * 60 + 1)
    assert fails(flow.answer, reply, "sam", SMS_MFA_CODE=running.last_code(phone)) == EXPIRED


def test_session_validity_follows_the_client(running: Running, idp: Any, clock: ShiftedClock) -> None:
    flow, phone = sms_user(idp, AuthSessionValidity=15)
    reply = flow.start("sam")
    clock.advance(14 * 60)
    tokens_of(flow.answer(reply, "sam", SMS_MFA_CODE=running.last_code(phone)))
    reply = flow.start("sam")
    clock.advance(15 * 60 + 1)
    assert fails(flow.answer, reply, "sam", SMS_MFA_CODE=running.last_code(phone)) == EXPIRED


def test_reused_session(running: Running, idp: Any) -> None:
    flow, phone = sms_user(idp)
    reply = flow.start("sam")
    code = running.last_code(phone)
    tokens_of(flow.answer(reply, "sam", SMS_MFA_CODE=code))
    assert fails(flow.answer, reply, "sam", SMS_MFA_CODE=code) == USED


@pytest.mark.parametrize("admin", [False, True], ids=["public", "admin"])
def test_session_from_another_client(running: Running, idp: Any, admin: bool) -> None:
    flow, phone = sms_user(idp, admin=admin)
    other = Flow(idp, flow.pool_id, mfa_client(idp, flow.pool_id), admin)
    reply = flow.start("sam")
    code = running.last_code(phone)
    assert fails(other.answer, reply, "sam", SMS_MFA_CODE=code) == INVALID
    tokens_of(flow.answer(reply, "sam", SMS_MFA_CODE=code))


def test_session_of_another_user(running: Running, idp: Any) -> None:
    flow, phone = sms_user(idp)
    new_user(idp, flow.pool_id, "mallory", phone_number=phone_number())
    reply = flow.start("sam")
    code = running.last_code(phone)
    assert fails(flow.answer, reply, "mallory", SMS_MFA_CODE=code) == INVALID
    tokens_of(flow.answer(reply, "sam", SMS_MFA_CODE=code))


def forgeries(session: str) -> list[str]:
    """Sessions that were never issued: random, the real one altered, cut, or extended."""
    flipped = session[:-1] + ("A" if session[-1] != "A" else "B")
    return [secrets.token_urlsafe(192), "A" * 300, flipped, session[:100], session + "AA"]


def test_forged_sessions_never_yield_tokens(running: Running, idp: Any) -> None:
    flow, phone = sms_user(idp)
    reply = flow.start("sam")
    code = running.last_code(phone)
    for forged in forgeries(reply["Session"]):
        assert fails(flow.answer, {**reply, "Session": forged}, "sam", SMS_MFA_CODE=code) == INVALID
        assert fails(idp.associate_software_token, Session=forged) == INVALID
        assert fails(idp.verify_software_token, Session=forged, UserCode="123456") == INVALID
    tokens_of(flow.answer(reply, "sam", SMS_MFA_CODE=code))


# --------------------------------------------------------------------------- software tokens


def setup_session(idp: Any) -> tuple[Flow, dict[str, Any]]:
    """An ON pool with TOTP only and a user without a token: MFA_SETUP (R7)."""
    pool_id = mfa_pool(idp)
    set_mfa(idp, pool_id, "ON", totp=True)
    flow = Flow(idp, pool_id, mfa_client(idp, pool_id))
    new_user(idp, pool_id, "una")
    reply = flow.start("una")
    assert reply["ChallengeName"] == "MFA_SETUP"
    return flow, reply


def test_token_or_session_exactly_one(running: Running, idp: Any) -> None:
    """Associate/VerifySoftwareToken take an AccessToken or a Session, not both, not neither (§7.1)."""
    pool_id = mfa_pool(idp)
    set_mfa(idp, pool_id, "OPTIONAL", totp=True)
    new_user(idp, pool_id, "otto")
    both = {"AccessToken": access_token(idp, mfa_client(idp, pool_id), "otto")}
    both["Session"] = setup_session(idp)[1]["Session"]
    assert fails(idp.associate_software_token) == ONE_OF
    assert fails(idp.associate_software_token, **both) == ONE_OF
    assert fails(idp.verify_software_token, UserCode="123456") == ONE_OF
    assert fails(idp.verify_software_token, UserCode="123456", **both) == ONE_OF


def test_sms_session_cannot_set_up_a_token(running: Running, idp: Any) -> None:
    """A session of another challenge is the wrong purpose (MFA spec §6.4 [OBS GH-amplify-js-6461])."""
    flow, _ = sms_user(idp)
    set_mfa(idp, flow.pool_id, "ON", sms=True, totp=True)
    reply = flow.start("sam")
    assert reply["ChallengeName"] == SMS
    assert fails(idp.associate_software_token, Session=reply["Session"]) == INVALID
    assert fails(idp.verify_software_token, Session=reply["Session"], UserCode="123456") == INVALID


def test_used_setup_session(running: Running, idp: Any) -> None:
    """Each setup step returns a fresh session; the one before it is spent (MFA spec §6.4)."""
    _, reply = setup_session(idp)
    idp.associate_software_token(Session=reply["Session"])
    assert fails(idp.associate_software_token, Session=reply["Session"]) == USED


def test_verify_wrong_code_by_session(running: Running, idp: Any, clock: ShiftedClock) -> None:
    flow, reply = setup_session(idp)
    associated = idp.associate_software_token(Session=reply["Session"])
    code = totp_code(clock, associated["SecretCode"])
    bad = fails(idp.verify_software_token, Session=associated["Session"], UserCode=wrong(code))
    assert bad == VERIFY_MISMATCH
    verified = idp.verify_software_token(Session=associated["Session"], UserCode=code)
    tokens_of(flow.answer({**reply, "Session": verified["Session"]}, "una"))


def test_verify_wrong_code_by_access_token(running: Running, idp: Any, clock: ShiftedClock) -> None:
    pool_id = mfa_pool(idp)
    set_mfa(idp, pool_id, "OPTIONAL", totp=True)
    client_id = mfa_client(idp, pool_id)
    new_user(idp, pool_id, "vic")
    token = access_token(idp, client_id, "vic")
    secret = idp.associate_software_token(AccessToken=token)["SecretCode"]
    code = totp_code(clock, secret)
    assert fails(idp.verify_software_token, AccessToken=token, UserCode=wrong(code)) == VERIFY_MISMATCH
    assert idp.verify_software_token(AccessToken=token, UserCode=code)["Status"] == "SUCCESS"


def test_verify_without_an_associated_token(running: Running, idp: Any) -> None:
    """MFA spec §7.2: VerifySoftwareToken with no pending secret (AssociateSoftwareToken never
    called) is SoftwareTokenMFANotFoundException, whatever the code."""
    pool_id = mfa_pool(idp)
    set_mfa(idp, pool_id, "OPTIONAL", totp=True)
    client_id = mfa_client(idp, pool_id)
    new_user(idp, pool_id, "wes")
    token = access_token(idp, client_id, "wes")
    assert fails(idp.verify_software_token, AccessToken=token, UserCode="123456") == NO_TOKEN


# --------------------------------------------------------------------------- lockout


def test_lockout_after_five_wrong_codes(running: Running, idp: Any, clock: ShiftedClock) -> None:
    """Wrong MFA codes feed the password-failure counter (MFA spec §6.6): the fifth locks the user
    for one second; RespondToAuthChallenge and InitiateAuth then refuse, even the right code."""
    flow, phone = sms_user(idp)
    clock.freeze()  # the first lock lasts one second: keep it from ending mid-test
    reply = flow.start("sam")
    code = running.last_code(phone)
    for _ in range(5):
        assert fails(flow.answer, reply, "sam", SMS_MFA_CODE=wrong(code)) == WRONG_CODE
    assert fails(flow.answer, reply, "sam", SMS_MFA_CODE=code) == LOCKED
    assert fails(flow.start, "sam") == LOCKED
    clock.advance(2)
    tokens_of(flow.answer(reply, "sam", SMS_MFA_CODE=code))


def test_lockout_counts_across_sign_ins(running: Running, idp: Any, clock: ShiftedClock) -> None:
    """A correct password does not wipe the MFA failures of an unfinished sign-in: only a finished
    sign-in resets the counter (MFA spec §6.6)."""
    flow, phone = sms_user(idp)
    clock.freeze()
    reply = flow.start("sam")
    for _ in range(3):
        assert fails(flow.answer, reply, "sam", SMS_MFA_CODE=wrong(running.last_code(phone))) == WRONG_CODE
    reply = flow.start("sam")
    code = running.last_code(phone)
    for _ in range(2):
        assert fails(flow.answer, reply, "sam", SMS_MFA_CODE=wrong(code)) == WRONG_CODE
    assert fails(flow.answer, reply, "sam", SMS_MFA_CODE=code) == LOCKED


def test_wrong_totp_codes_lock_too(running: Running, idp: Any, clock: ShiftedClock) -> None:
    flow, secret = totp_user(idp, clock)
    clock.freeze()
    reply = flow.start("tom")
    code = next_totp(clock, secret)
    for _ in range(5):
        assert fails(flow.answer, reply, "tom", SOFTWARE_TOKEN_MFA_CODE=wrong(code)) == WRONG_TOTP
    assert fails(flow.answer, reply, "tom", SOFTWARE_TOKEN_MFA_CODE=code) == LOCKED


# --------------------------------------------------------------------------- the user changes


def test_user_disabled_while_challenged(running: Running, idp: Any) -> None:
    flow, phone = sms_user(idp)
    reply = flow.start("sam")
    idp.admin_disable_user(UserPoolId=flow.pool_id, Username="sam")
    code = running.last_code(phone)
    assert fails(flow.answer, reply, "sam", SMS_MFA_CODE=code) == (
        "NotAuthorizedException",
        "User is disabled.",
    )


def test_mfa_setup_email_must_be_an_email(running: Running, idp: Any) -> None:
    pool_id = mfa_pool(idp)
    set_mfa(idp, pool_id, "ON", totp=True, email=True)
    flow = Flow(idp, pool_id, mfa_client(idp, pool_id))
    new_user(idp, pool_id, "gus")
    reply = flow.start("gus")
    bad = fails(flow.answer, reply, "gus", EMAIL="not-an-email")
    assert bad == ("InvalidParameterException", "Invalid email address format.")
    assert "email" not in user_attributes(idp, pool_id, "gus")
    assert flow.answer(reply, "gus", EMAIL=email_address("gus"))["ChallengeName"] == EMAIL


def test_email_code_does_not_take_another_accounts_alias(running: Running, idp: Any) -> None:
    """In an email-alias pool, a code answered for an email another account signs in with leaves
    it unverified (the alias stays where it is) and still completes the sign-in [INF]."""
    pool_id = mfa_pool(idp, AliasAttributes=["email"])
    set_mfa(idp, pool_id, "ON", email=True)
    flow = Flow(idp, pool_id, mfa_client(idp, pool_id))
    email = email_address("shared")
    new_user(idp, pool_id, "owner", email=email, email_verified="true")
    new_user(idp, pool_id, "other", email=email)
    reply = flow.start("other")
    tokens_of(flow.answer(reply, "other", EMAIL_OTP_CODE=running.last_code(email)))
    assert user_attributes(idp, pool_id, "other").get("email_verified") != "true"
    reply = flow.start(email)  # the alias still names its owner
    assert reply["ChallengeParameters"]["USER_ID_FOR_SRP"] == "owner"


def test_wrong_code_ends_the_session_when_switched(tmp_path: Path) -> None:
    """Switch `session_survives_wrong_code=False` (MFA spec Q8): a wrong code spends the session."""
    switches = Switches(session_survives_wrong_code=False)
    with served(f"sqlite:///{tmp_path / 'q8.db'}", "sqlite", switches=switches) as live:
        idp = live.client()
        flow, phone = sms_user(idp)
        reply = flow.start("sam")
        code = live.last_code(phone)
        assert fails(flow.answer, reply, "sam", SMS_MFA_CODE=wrong(code)) == WRONG_CODE
        assert fails(flow.answer, reply, "sam", SMS_MFA_CODE=code) == USED
