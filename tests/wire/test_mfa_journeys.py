"""MFA sign-in journeys end to end through boto3 (MFA spec §5, §6, §7): SELECT_MFA_TYPE, MFA_SETUP by
TOTP and by email, MFA after NEW_PASSWORD_REQUIRED, each through the public and the admin
operations, and email MFA codes delivered by a real SMTP server. The bad paths are in
test_mfa_bad_paths.py."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from botocore.exceptions import ClientError

from tests.conftest import Running
from tests.wire.conftest import Inbox
from tests.wire.helpers import NEW_PASSWORD, PASSWORD, access_token, attrs, error_of
from tests.wire.mfa_helpers import (
    EMAIL,
    EMAIL_SUBJECT,
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
    totp_code,
    user_attributes,
)
from userpool.clock import ShiftedClock

ON = {"Enabled": True, "PreferredMfa": False}


def as_list(*factors: str) -> str:
    """A JSON list inside a string, as Cognito writes MFAS_CAN_CHOOSE / MFAS_CAN_SETUP (§0.3)."""
    return json.dumps(list(factors), separators=(",", ":"))


@pytest.fixture(params=["public", "admin"])
def admin(request: pytest.FixtureRequest) -> bool:
    """Each journey runs through InitiateAuth/RespondToAuthChallenge and the Admin pair."""
    return bool(request.param == "admin")


def make_flow(idp: Any, mode: str, *, admin: bool = False, **factors: bool) -> Flow:
    pool_id = mfa_pool(idp)
    set_mfa(idp, pool_id, mode, **factors)
    return Flow(idp, pool_id, mfa_client(idp, pool_id), admin)


# --------------------------------------------------------------------------- SELECT_MFA_TYPE


def three_factor_user(idp: Any, clock: ShiftedClock, admin: bool) -> tuple[Flow, str, str, str, str]:
    """An OPTIONAL pool with every factor; a user with a phone, an email and a verified token, all
    three enabled and none preferred: R2 offers the choice (MFA spec §5.3)."""
    flow = make_flow(idp, "OPTIONAL", admin=admin, sms=True, totp=True, email=True)
    email, phone = email_address("sel"), phone_number()
    new_user(idp, flow.pool_id, "sel", email=email, phone_number=phone)
    secret = register_totp(idp, clock, access_token(idp, flow.client_id, "sel"))
    set_preference(
        idp, flow.pool_id, "sel", SMSMfaSettings=ON, SoftwareTokenMfaSettings=ON, EmailMfaSettings=ON
    )
    return flow, "sel", email, phone, secret


@pytest.mark.parametrize("answer", [SMS, TOTP, EMAIL, "EMAIL_MFA"])
def test_select_mfa_type_each_answer(
    running: Running, idp: Any, clock: ShiftedClock, admin: bool, answer: str
) -> None:
    flow, username, email, phone, secret = three_factor_user(idp, clock, admin)
    reply = flow.start(username)
    assert reply["ChallengeName"] == "SELECT_MFA_TYPE"
    assert reply["ChallengeParameters"] == {
        "MFAS_CAN_CHOOSE": as_list(SMS, TOTP, EMAIL),
        "USER_ID_FOR_SRP": username,
    }
    chosen = flow.answer(reply, username, ANSWER=answer)
    assert chosen["Session"] != reply["Session"]
    params = {"USER_ID_FOR_SRP": username}
    if answer == SMS:
        params |= {"CODE_DELIVERY_DELIVERY_MEDIUM": "SMS", "CODE_DELIVERY_DESTINATION": masked_phone(phone)}
        responses = {"SMS_MFA_CODE": running.last_code(phone)}
    elif answer == TOTP:
        params["FRIENDLY_DEVICE_NAME"] = "Pixel"
        responses = {"SOFTWARE_TOKEN_MFA_CODE": next_totp(clock, secret)}
    else:  # EMAIL_MFA is the API documentation's alias of EMAIL_OTP (MFA spec §6.2)
        params |= {"CODE_DELIVERY_DELIVERY_MEDIUM": "EMAIL", "CODE_DELIVERY_DESTINATION": masked_email(email)}
        responses = {"EMAIL_OTP_CODE": running.last_code(email)}
    assert chosen["ChallengeName"] == (EMAIL if answer == "EMAIL_MFA" else answer)
    assert chosen["ChallengeParameters"] == params
    tokens_of(flow.answer(chosen, username, **responses))


def test_select_answer_not_offered(running: Running, idp: Any, clock: ShiftedClock, admin: bool) -> None:
    """An ANSWER outside MFAS_CAN_CHOOSE: MFAMethodNotFoundException (MFA spec §5.3 [INF]); the
    session stays usable."""
    flow = make_flow(idp, "OPTIONAL", admin=admin, sms=True, totp=True)
    phone = phone_number()
    new_user(idp, flow.pool_id, "pick", email=email_address("pick"), phone_number=phone)
    register_totp(idp, clock, access_token(idp, flow.client_id, "pick"))
    set_preference(idp, flow.pool_id, "pick", SMSMfaSettings=ON, SoftwareTokenMfaSettings=ON)
    reply = flow.start("pick")
    assert reply["ChallengeParameters"]["MFAS_CAN_CHOOSE"] == as_list(SMS, TOTP)
    for bad in (EMAIL, "EMAIL_MFA", "PASSWORD"):
        with pytest.raises(ClientError) as err:
            flow.answer(reply, "pick", ANSWER=bad)
        assert error_of(err) == (
            "MFAMethodNotFoundException",
            "The selected MFA method is not available for the user.",
        )
    chosen = flow.answer(reply, "pick", ANSWER=SMS)
    tokens_of(flow.answer(chosen, "pick", SMS_MFA_CODE=running.last_code(phone)))


# --------------------------------------------------------------------------- MFA_SETUP


def setup_totp(idp: Any, clock: ShiftedClock, flow: Flow, reply: dict[str, Any], username: str) -> str:
    """MFA_SETUP by TOTP (MFA spec §6.2): Associate(Session) -> Verify(Session) -> MFA_SETUP."""
    associated = idp.associate_software_token(Session=reply["Session"])
    assert associated["Session"] != reply["Session"]
    secret: str = associated["SecretCode"]
    assert re.fullmatch(r"[A-Z2-7]{16,}", secret)
    verified = idp.verify_software_token(
        Session=associated["Session"], UserCode=totp_code(clock, secret), FriendlyDeviceName="Work phone"
    )
    assert verified["Status"] == "SUCCESS"
    tokens_of(flow.answer({**reply, "Session": verified["Session"]}, username))
    return secret


def test_mfa_setup_with_totp(running: Running, idp: Any, clock: ShiftedClock, admin: bool) -> None:
    flow = make_flow(idp, "ON", admin=admin, sms=True, totp=True)
    new_user(idp, flow.pool_id, "tess", email=email_address("tess"))
    reply = flow.start("tess")
    assert reply["ChallengeName"] == "MFA_SETUP"
    assert reply["ChallengeParameters"] == {"MFAS_CAN_SETUP": as_list(SMS, TOTP)}
    secret = setup_totp(idp, clock, flow, reply, "tess")

    again = flow.start("tess")
    assert again["ChallengeName"] == TOTP
    assert again["ChallengeParameters"] == {"FRIENDLY_DEVICE_NAME": "Work phone", "USER_ID_FOR_SRP": "tess"}
    tokens_of(flow.answer(again, "tess", SOFTWARE_TOKEN_MFA_CODE=next_totp(clock, secret)))


def test_mfa_setup_with_email(running: Running, idp: Any, admin: bool) -> None:
    """MFA_SETUP answered with EMAIL: EMAIL_OTP to that address, then tokens; the address is stored
    and verified (MFA spec §6.2)."""
    flow = make_flow(idp, "ON", admin=admin, totp=True, email=True)
    new_user(idp, flow.pool_id, "emma")
    reply = flow.start("emma")
    assert reply["ChallengeName"] == "MFA_SETUP"
    assert reply["ChallengeParameters"] == {"MFAS_CAN_SETUP": as_list(TOTP, EMAIL)}
    email = email_address("emma")
    otp = flow.answer(reply, "emma", EMAIL=email)
    assert otp["ChallengeName"] == EMAIL
    assert otp["ChallengeParameters"] == {
        "CODE_DELIVERY_DELIVERY_MEDIUM": "EMAIL",
        "CODE_DELIVERY_DESTINATION": masked_email(email),
        "USER_ID_FOR_SRP": "emma",
    }
    tokens_of(flow.answer(otp, "emma", EMAIL_OTP_CODE=running.last_code(email)))
    found = user_attributes(idp, flow.pool_id, "emma")
    assert (found["email"], found["email_verified"]) == (email, "true")

    again = flow.start("emma")
    assert again["ChallengeName"] == EMAIL
    tokens_of(flow.answer(again, "emma", EMAIL_OTP_CODE=running.last_code(email)))


def test_mfa_setup_not_complete(running: Running, idp: Any, clock: ShiftedClock) -> None:
    """MFA_SETUP answered before the token is verified (and without EMAIL) gives no tokens."""
    flow = make_flow(idp, "ON", totp=True)
    new_user(idp, flow.pool_id, "nina")
    reply = flow.start("nina")
    associated = idp.associate_software_token(Session=reply["Session"])
    with pytest.raises(ClientError) as err:
        flow.answer({**reply, "Session": associated["Session"]}, "nina")
    assert error_of(err)[0] == "InvalidParameterException"
    with pytest.raises(ClientError) as err:
        flow.answer({**reply, "Session": associated["Session"]}, "nina", EMAIL=email_address("nina"))
    assert error_of(err)[0] == "InvalidParameterException"  # the pool has no email factor


# --------------------------------------------------------------------------- NEW_PASSWORD_REQUIRED


def invited(idp: Any, pool_id: str, username: str, **values: str) -> None:
    idp.admin_create_user(
        UserPoolId=pool_id,
        Username=username,
        TemporaryPassword=PASSWORD,
        UserAttributes=attrs(**values),
        MessageAction="SUPPRESS",
    )


def test_new_password_then_sms(running: Running, idp: Any, admin: bool) -> None:
    """NEW_PASSWORD_REQUIRED is answered first, then MFA selection runs (MFA spec §5.1)."""
    flow = make_flow(idp, "ON", admin=admin, sms=True, totp=True)
    phone = phone_number()
    invited(idp, flow.pool_id, "newt", phone_number=phone)
    reply = flow.start("newt")
    assert reply["ChallengeName"] == "NEW_PASSWORD_REQUIRED"
    sms = flow.answer(reply, "newt", NEW_PASSWORD=NEW_PASSWORD)
    assert sms["ChallengeName"] == SMS
    assert sms["ChallengeParameters"]["CODE_DELIVERY_DESTINATION"] == masked_phone(phone)
    tokens_of(flow.answer(sms, "newt", SMS_MFA_CODE=running.last_code(phone)))
    again = flow.start("newt", NEW_PASSWORD)
    assert again["ChallengeName"] == SMS


def test_new_password_then_mfa_setup(running: Running, idp: Any, clock: ShiftedClock, admin: bool) -> None:
    """GH-amplify-js-6461: NEW_PASSWORD_REQUIRED -> MFA_SETUP -> TOTP -> tokens."""
    flow = make_flow(idp, "ON", admin=admin, sms=True, totp=True)
    invited(idp, flow.pool_id, "nora")
    reply = flow.start("nora")
    setup = flow.answer(reply, "nora", NEW_PASSWORD=NEW_PASSWORD)
    assert setup["ChallengeName"] == "MFA_SETUP"
    assert setup["ChallengeParameters"] == {"MFAS_CAN_SETUP": as_list(SMS, TOTP)}
    secret = setup_totp(idp, clock, flow, setup, "nora")
    again = flow.start("nora", NEW_PASSWORD)
    assert again["ChallengeName"] == TOTP
    tokens_of(flow.answer(again, "nora", SOFTWARE_TOKEN_MFA_CODE=next_totp(clock, secret)))


def test_user_id_for_srp_is_the_sub_with_email_usernames(running: Running, idp: Any) -> None:
    """USER_ID_FOR_SRP is the internal username: the sub when users sign in by email (MFA spec §6.2)."""
    pool_id = mfa_pool(idp, UsernameAttributes=["email"])
    set_mfa(idp, pool_id, "ON", sms=True)
    flow = Flow(idp, pool_id, mfa_client(idp, pool_id))
    email, phone = email_address("sub"), phone_number()
    new_user(idp, pool_id, email, phone_number=phone)
    sub = user_attributes(idp, pool_id, email)["sub"]
    reply = flow.start(email)
    assert reply["ChallengeParameters"]["USER_ID_FOR_SRP"] == sub
    tokens_of(flow.answer(reply, email, SMS_MFA_CODE=running.last_code(phone)))


# --------------------------------------------------------------------------- SMTP


def test_email_mfa_code_by_smtp(smtp_running: Running, inbox: tuple[Inbox, int]) -> None:
    """The EMAIL_OTP code read from the email a real SMTP server received completes the sign-in."""
    handler = inbox[0]
    idp = smtp_running.client()
    flow = make_flow(idp, "ON", email=True)
    email = email_address("mail")
    new_user(idp, flow.pool_id, "mail", email=email)
    reply = flow.start("mail")
    assert reply["ChallengeName"] == EMAIL
    handler.wait_for(1)
    mail_from, rcpt_tos, message = handler.received[0]
    assert (mail_from, rcpt_tos) == ("no-reply@example.com", [email])
    assert message["Subject"] == EMAIL_SUBJECT
    body = message.get_body(preferencelist=("plain",))
    assert body is not None
    found = re.fullmatch(r"Your sign-in code is (\d{6})", body.get_content().strip())
    assert found is not None
    tokens_of(flow.answer(reply, "mail", EMAIL_OTP_CODE=found.group(1)))
