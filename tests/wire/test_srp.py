"""SRP sign-in end to end (core spec §9, §12, §14; MFA spec §5.1): pycognito's client against the
server, USER_SRP_AUTH on InitiateAuth and AdminInitiateAuth, CUSTOM_AUTH with SRP_A, every MFA
challenge after the verifier, and every bad input of issue 4. Remembered devices: test_devices.py."""

from __future__ import annotations

import base64
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from botocore.exceptions import ClientError
from pycognito import Cognito
from pycognito.aws_srp import AWSSRP, N_HEX
from pycognito.exceptions import SMSMFAChallengeException, SoftwareTokenMFAChallengeException

from tests.conftest import Running
from tests.wire.helpers import NEW_PASSWORD, PASSWORD, access_token, error_of, secret_hash
from tests.wire.mfa_helpers import (
    email_address,
    masked_email,
    new_user,
    next_totp,
    phone_number,
    register_totp,
    set_mfa,
    set_preference,
    tokens_of,
)
from tests.wire.srp_helpers import (
    SRP_FLOWS,
    claims,
    initiate,
    live_clock,
    respond,
    srp_client,
    srp_pool,
    srp_sign_in,
    verifier_answer,
)
from userpool.clock import ShiftedClock

__all__ = ["live_clock"]  # the fixture, imported for pytest

N = int(N_HEX, 16)  # pycognito's group prime, the one Cognito uses (core spec §9.1)
INCORRECT = ("NotAuthorizedException", "Incorrect username or password.")
ON = {"Enabled": True, "PreferredMfa": True}
pytestmark = pytest.mark.usefixtures("live_clock")


def cognito(running: Running, pool_id: str, client_id: str, username: str, **options: Any) -> Cognito:
    """pycognito's high-level client, pointed at the server by its boto3 `endpoint_url` (it then
    also fetches the JWKS from `<endpoint>/<pool id>/.well-known/jwks.json`, our issuer's)."""
    kwargs = {"endpoint_url": running.url, "aws_access_key_id": "AKIDEXAMPLE", "aws_secret_access_key": "x"}
    return Cognito(
        pool_id,
        client_id,
        username=username,
        user_pool_region="us-east-1",
        boto3_client_kwargs=kwargs,
        **options,
    )


def refused(err: pytest.ExceptionInfo[ClientError]) -> None:
    assert error_of(err) == INCORRECT
    assert "AuthenticationResult" not in err.value.response


# --------------------------------------------------------------------------- sign-in


def test_pycognito_signs_in_with_the_right_password(running: Running, idp: Any) -> None:
    pool_id, client_id = srp_pool(idp)
    new_user(idp, pool_id, "alice")
    user = cognito(running, pool_id, client_id, "alice")
    user.authenticate(password=PASSWORD)
    assert user.access_claims["username"] == "alice"
    assert user.id_claims["cognito:username"] == "alice"
    assert user.refresh_token
    user.renew_access_token()  # the refresh token works too (no device tracking here)
    assert user.access_claims["token_use"] == "access"


def test_pycognito_is_refused_a_wrong_password(running: Running, idp: Any) -> None:
    pool_id, client_id = srp_pool(idp)
    new_user(idp, pool_id, "alice")
    with pytest.raises(ClientError) as err:
        cognito(running, pool_id, client_id, "alice").authenticate(password="Wrong-Horse-1")
    refused(err)


def test_the_challenge_parameters(idp: Any) -> None:
    """Core spec §9.3 [OBS SRP-CAP]: SALT 32 hex digits starting 1-7, SRP_B unpadded hex below N,
    a Base64 SECRET_BLOCK, USERNAME and USER_ID_FOR_SRP the internal username; a Session too."""
    pool_id, client_id = srp_pool(idp, UsernameAttributes=["email"])
    email = email_address("srp")
    new_user(idp, pool_id, email, email=email)
    sub = idp.admin_get_user(UserPoolId=pool_id, Username=email)["Username"]
    reply, _ = initiate(idp, client_id, srp_client(idp, pool_id, client_id, email))
    params = reply["ChallengeParameters"]
    assert reply["ChallengeName"] == "PASSWORD_VERIFIER"
    assert set(params) == {"SALT", "SRP_B", "SECRET_BLOCK", "USERNAME", "USER_ID_FOR_SRP"}
    assert len(params["SALT"]) == 32 and params["SALT"][0] in "1234567"
    assert 0 < int(params["SRP_B"], 16) < N and params["SRP_B"] == params["SRP_B"].lower()
    assert base64.b64decode(params["SECRET_BLOCK"], validate=True)
    assert params["USERNAME"] == params["USER_ID_FOR_SRP"] == sub
    assert 20 <= len(reply["Session"]) <= 2048


def test_email_username_pool_signs_in(idp: Any) -> None:
    """USER_ID_FOR_SRP is the sub in a UsernameAttributes pool; the email signs in (§9.2, §6.2)."""
    pool_id, client_id = srp_pool(idp, UsernameAttributes=["email"])
    email = email_address("mail")
    new_user(idp, pool_id, email, email=email)
    result = tokens_of(srp_sign_in(idp, client_id, srp_client(idp, pool_id, client_id, email)))
    assert claims(result["AccessToken"])["username"] == claims(result["IdToken"])["sub"]


def test_session_passed_through(idp: Any) -> None:
    """Clients that pass the step-1 Session back (the JavaScript SDK) are answered the same way."""
    pool_id, client_id = srp_pool(idp)
    new_user(idp, pool_id, "alice")
    aws = srp_client(idp, pool_id, client_id, "alice")
    reply, params = initiate(idp, client_id, aws)
    answer = verifier_answer(aws, reply, params)
    tokens_of(respond(idp, client_id, "PASSWORD_VERIFIER", answer, reply["Session"]))


def test_admin_initiate_auth_srp(idp: Any) -> None:
    pool_id, client_id = srp_pool(idp)
    new_user(idp, pool_id, "alice")
    aws = srp_client(idp, pool_id, client_id, "alice")
    params = aws.get_auth_params()
    reply = idp.admin_initiate_auth(
        UserPoolId=pool_id, ClientId=client_id, AuthFlow="USER_SRP_AUTH", AuthParameters=params
    )
    answer = verifier_answer(aws, reply, params)
    result = idp.admin_respond_to_auth_challenge(
        UserPoolId=pool_id, ClientId=client_id, ChallengeName="PASSWORD_VERIFIER", ChallengeResponses=answer
    )
    assert claims(tokens_of(result)["AccessToken"])["username"] == "alice"


def test_client_with_secret(running: Running, idp: Any) -> None:
    pool_id, _ = srp_pool(idp)
    new_user(idp, pool_id, "alice")
    app = idp.create_user_pool_client(
        UserPoolId=pool_id, ClientName="secret", GenerateSecret=True, ExplicitAuthFlows=SRP_FLOWS
    )["UserPoolClient"]
    user = cognito(running, pool_id, app["ClientId"], "alice", client_secret=app["ClientSecret"])
    user.authenticate(password=PASSWORD)
    aws = srp_client(idp, pool_id, app["ClientId"], "alice")
    with pytest.raises(ClientError) as err:
        initiate(idp, app["ClientId"], aws)
    assert error_of(err) == (
        "NotAuthorizedException",
        f"Client {app['ClientId']} is configured with secret but SECRET_HASH was not received",
    )
    params = {
        **aws.get_auth_params(),
        "SECRET_HASH": secret_hash(app["ClientSecret"], "alice", app["ClientId"]),
    }
    reply = idp.initiate_auth(ClientId=app["ClientId"], AuthFlow="USER_SRP_AUTH", AuthParameters=params)
    with pytest.raises(ClientError) as err:  # the verifier needs the hash as well
        respond(idp, app["ClientId"], "PASSWORD_VERIFIER", verifier_answer(aws, reply, params))
    assert error_of(err)[0] == "NotAuthorizedException"


# --------------------------------------------------------------------------- users that can't sign in


def test_unknown_user_legacy_and_enabled(idp: Any) -> None:
    """Core spec §9.3, §12: LEGACY names the missing user at step 1; ENABLED answers a simulated
    challenge, stable per username, and refuses the verifier."""
    pool_id, client_id = srp_pool(idp)
    with pytest.raises(ClientError) as err:
        initiate(idp, client_id, srp_client(idp, pool_id, client_id, "nobody"))
    assert error_of(err) == ("UserNotFoundException", "User does not exist.")
    hiding = idp.create_user_pool_client(
        UserPoolId=pool_id,
        ClientName="hiding",
        ExplicitAuthFlows=SRP_FLOWS,
        PreventUserExistenceErrors="ENABLED",
    )["UserPoolClient"]["ClientId"]
    aws = srp_client(idp, pool_id, hiding, "nobody")
    first, params = initiate(idp, hiding, aws)
    second, _ = initiate(idp, hiding, srp_client(idp, pool_id, hiding, "Nobody"))
    for key in ("SALT", "USER_ID_FOR_SRP"):
        assert first["ChallengeParameters"][key] == second["ChallengeParameters"][key]
    assert first["ChallengeParameters"]["SRP_B"] != second["ChallengeParameters"]["SRP_B"]
    assert len(first["ChallengeParameters"]["USER_ID_FOR_SRP"]) == 36
    with pytest.raises(ClientError) as err:
        respond(idp, hiding, "PASSWORD_VERIFIER", verifier_answer(aws, first, params))
    refused(err)


def test_status_rules_after_the_proof(idp: Any) -> None:
    """Core spec §9.4 step 8 [INF Q12]: a wrong proof is refused first; a right one meets the status
    rules of the password flow."""
    pool_id, client_id = srp_pool(idp)
    idp.sign_up(ClientId=client_id, Username="unconfirmed", Password=PASSWORD)
    with pytest.raises(ClientError) as err:
        srp_sign_in(idp, client_id, srp_client(idp, pool_id, client_id, "unconfirmed", "Wrong-Horse-1"))
    refused(err)
    with pytest.raises(ClientError) as err:
        srp_sign_in(idp, client_id, srp_client(idp, pool_id, client_id, "unconfirmed"))
    assert error_of(err) == ("UserNotConfirmedException", "User is not confirmed.")
    new_user(idp, pool_id, "disabled")
    idp.admin_disable_user(UserPoolId=pool_id, Username="disabled")
    with pytest.raises(ClientError) as err:
        srp_sign_in(idp, client_id, srp_client(idp, pool_id, client_id, "disabled"))
    assert error_of(err) == ("NotAuthorizedException", "User is disabled.")


def test_new_password_required_after_srp(idp: Any) -> None:
    pool_id, client_id = srp_pool(idp)
    idp.admin_create_user(
        UserPoolId=pool_id, Username="temp", TemporaryPassword=PASSWORD, MessageAction="SUPPRESS"
    )
    reply = srp_sign_in(idp, client_id, srp_client(idp, pool_id, client_id, "temp"))
    assert reply["ChallengeName"] == "NEW_PASSWORD_REQUIRED"
    answer = {"USERNAME": "temp", "NEW_PASSWORD": NEW_PASSWORD}
    tokens_of(respond(idp, client_id, "NEW_PASSWORD_REQUIRED", answer, reply["Session"]))
    tokens_of(srp_sign_in(idp, client_id, srp_client(idp, pool_id, client_id, "temp", NEW_PASSWORD)))


def test_wrong_srp_passwords_lock_the_user(idp: Any, clock: ShiftedClock) -> None:
    """Core spec §14: SRP verifier failures count like USER_PASSWORD_AUTH ones; the lock refuses the
    right password, through either flow."""
    pool_id, client_id = srp_pool(idp)
    new_user(idp, pool_id, "alice")
    clock.freeze()
    for _ in range(5):
        with pytest.raises(ClientError) as err:
            srp_sign_in(idp, client_id, srp_client(idp, pool_id, client_id, "alice", "Wrong-Horse-1"))
        refused(err)
    with pytest.raises(ClientError) as err:
        srp_sign_in(idp, client_id, srp_client(idp, pool_id, client_id, "alice"))
    assert error_of(err) == ("NotAuthorizedException", "Password attempts exceeded")
    clock.advance(2)  # still frozen: 2 s after the failures, the first 1-second lock is over
    tokens_of(srp_sign_in(idp, client_id, srp_client(idp, pool_id, client_id, "alice")))


# --------------------------------------------------------------------------- bad input


@pytest.mark.parametrize(
    "srp_a",
    ["0", N_HEX, format(2 * N, "x"), "1" * 1025, "xyz", "0x1234", "-12", "12 34"],
    ids=["zero", "N", "2N", "too-long", "not-hex", "0x", "negative", "space"],
)
def test_malformed_srp_a(idp: Any, srp_a: str) -> None:
    """Core spec §9.3 [INF]: A ≡ 0 mod N, a value longer than any A, or not plain hex."""
    pool_id, client_id = srp_pool(idp)
    new_user(idp, pool_id, "alice")
    with pytest.raises(ClientError) as err:
        idp.initiate_auth(
            ClientId=client_id, AuthFlow="USER_SRP_AUTH", AuthParameters={"USERNAME": "alice", "SRP_A": srp_a}
        )
    refused(err)


def test_missing_parameters(idp: Any) -> None:
    pool_id, client_id = srp_pool(idp)
    new_user(idp, pool_id, "alice")
    with pytest.raises(ClientError) as err:
        idp.initiate_auth(ClientId=client_id, AuthFlow="USER_SRP_AUTH", AuthParameters={"USERNAME": "alice"})
    assert error_of(err) == ("InvalidParameterException", "Missing required parameter SRP_A")
    aws = srp_client(idp, pool_id, client_id, "alice")
    reply, params = initiate(idp, client_id, aws)
    answer = verifier_answer(aws, reply, params)
    del answer["PASSWORD_CLAIM_SIGNATURE"]
    with pytest.raises(ClientError) as err:
        respond(idp, client_id, "PASSWORD_VERIFIER", answer)
    assert error_of(err) == (
        "InvalidParameterException",
        "Missing required parameter PASSWORD_CLAIM_SIGNATURE",
    )


def test_replayed_secret_block(idp: Any) -> None:
    """A SECRET_BLOCK is single use: after tokens, and after a wrong answer."""
    pool_id, client_id = srp_pool(idp)
    new_user(idp, pool_id, "alice")
    aws = srp_client(idp, pool_id, client_id, "alice")
    reply, params = initiate(idp, client_id, aws)
    answer = verifier_answer(aws, reply, params)
    tokens_of(respond(idp, client_id, "PASSWORD_VERIFIER", answer))
    with pytest.raises(ClientError) as err:
        respond(idp, client_id, "PASSWORD_VERIFIER", answer)
    refused(err)
    reply, params = initiate(idp, client_id, aws)
    wrong = verifier_answer(srp_client(idp, pool_id, client_id, "alice", "Wrong-Horse-1"), reply, params)
    with pytest.raises(ClientError) as err:
        respond(idp, client_id, "PASSWORD_VERIFIER", wrong)
    refused(err)
    with pytest.raises(ClientError) as err:  # the right answer comes too late for that block
        respond(idp, client_id, "PASSWORD_VERIFIER", verifier_answer(aws, reply, params))
    refused(err)


def test_foreign_secret_block(idp: Any) -> None:
    """A block is bound to the client and to the user it was issued to."""
    pool_id, client_id = srp_pool(idp)
    other_client = idp.create_user_pool_client(
        UserPoolId=pool_id, ClientName="other", ExplicitAuthFlows=SRP_FLOWS
    )
    other_id = other_client["UserPoolClient"]["ClientId"]
    new_user(idp, pool_id, "alice")
    new_user(idp, pool_id, "bob")
    aws = srp_client(idp, pool_id, client_id, "alice")
    reply, params = initiate(idp, client_id, aws)
    with pytest.raises(ClientError) as err:
        respond(idp, other_id, "PASSWORD_VERIFIER", verifier_answer(aws, reply, params))
    refused(err)
    bob = srp_client(idp, pool_id, client_id, "bob")
    reply, params = initiate(idp, client_id, bob)
    answer = {**verifier_answer(bob, reply, params), "USERNAME": "alice"}
    with pytest.raises(ClientError) as err:
        respond(idp, client_id, "PASSWORD_VERIFIER", answer)
    refused(err)
    tokens_of(srp_sign_in(idp, client_id, aws))


def test_timestamp_format_and_freshness(idp: Any) -> None:
    """Core spec §9.4 steps 6-7: an unparseable TIMESTAMP is InvalidParameterException (the block
    stays usable); a well-formed one outside 5 minutes is refused."""
    pool_id, client_id = srp_pool(idp)
    new_user(idp, pool_id, "alice")
    aws = srp_client(idp, pool_id, client_id, "alice")
    reply, params = initiate(idp, client_id, aws)
    answer = verifier_answer(aws, reply, params)
    for bad in ("2026-03-05T08:00:00Z", "Sat Mar 5 08:00:00 GMT 2022", "Sat Mar 32 08:00:00 UTC 2022", "now"):
        with pytest.raises(ClientError) as err:
            respond(idp, client_id, "PASSWORD_VERIFIER", {**answer, "TIMESTAMP": bad})
        assert error_of(err) == ("InvalidParameterException", "Invalid TIMESTAMP format")
    tokens_of(respond(idp, client_id, "PASSWORD_VERIFIER", answer))
    stale = AWSSRP.get_cognito_formatted_timestamp(datetime.now(UTC) - timedelta(minutes=10))
    reply, params = initiate(idp, client_id, aws)
    challenge = reply["ChallengeParameters"]
    with pytest.raises(ClientError) as err:  # signed as sent, so only the age is wrong
        respond(idp, client_id, "PASSWORD_VERIFIER", _signed_at(aws, challenge, params, stale))
    refused(err)


def _signed_at(aws: Any, challenge: dict[str, str], params: dict[str, str], timestamp: str) -> dict[str, str]:
    """pycognito's answer with another TIMESTAMP signed in."""
    original = aws.get_cognito_formatted_timestamp
    aws.get_cognito_formatted_timestamp = lambda _now: timestamp
    try:
        answer: dict[str, str] = aws.process_challenge(challenge, params)
    finally:
        aws.get_cognito_formatted_timestamp = original
    assert answer["TIMESTAMP"] == timestamp
    return answer


def test_claim_signature_for_another_user(idp: Any) -> None:
    """Bob knows his own password and answers alice's challenge with a proof for himself."""
    pool_id, client_id = srp_pool(idp)
    new_user(idp, pool_id, "alice")
    new_user(idp, pool_id, "bob")
    bob = srp_client(idp, pool_id, client_id, "bob")
    params = {"USERNAME": "alice", "SRP_A": bob.get_auth_params()["SRP_A"]}
    reply = idp.initiate_auth(ClientId=client_id, AuthFlow="USER_SRP_AUTH", AuthParameters=params)
    as_bob = {**reply["ChallengeParameters"], "USER_ID_FOR_SRP": "bob", "USERNAME": "alice"}
    with pytest.raises(ClientError) as err:
        respond(idp, client_id, "PASSWORD_VERIFIER", bob.process_challenge(as_bob, params))
    refused(err)


# --------------------------------------------------------------------------- CUSTOM_AUTH


def test_custom_auth_with_srp_a(idp: Any) -> None:
    """MFA spec §5.1: CUSTOM_AUTH starting with SRP_A is the SRP exchange."""
    pool_id, client_id = srp_pool(idp)
    new_user(idp, pool_id, "alice")
    aws = srp_client(idp, pool_id, client_id, "alice")
    params = {**aws.get_auth_params(), "CHALLENGE_NAME": "SRP_A"}
    reply = idp.initiate_auth(ClientId=client_id, AuthFlow="CUSTOM_AUTH", AuthParameters=params)
    assert reply["ChallengeName"] == "PASSWORD_VERIFIER"
    tokens_of(respond(idp, client_id, "PASSWORD_VERIFIER", verifier_answer(aws, reply, params)))


def test_custom_auth_without_srp_a(idp: Any) -> None:
    pool_id, client_id = srp_pool(idp)
    new_user(idp, pool_id, "alice")
    with pytest.raises(ClientError) as err:
        idp.initiate_auth(
            ClientId=client_id,
            AuthFlow="CUSTOM_AUTH",
            AuthParameters={"USERNAME": "alice", "PASSWORD": PASSWORD},
        )
    assert error_of(err) == (
        "InvalidParameterException",
        "Custom auth lambda trigger is not configured for the user pool.",
    )


# --------------------------------------------------------------------------- MFA after SRP


def test_sms_mfa_after_srp(running: Running, idp: Any) -> None:
    pool_id, client_id = srp_pool(idp)
    set_mfa(idp, pool_id, "ON", sms=True)
    phone = phone_number()
    new_user(idp, pool_id, "alice", phone_number=phone)
    user = cognito(running, pool_id, client_id, "alice")
    with pytest.raises(SMSMFAChallengeException) as challenge:
        user.authenticate(password=PASSWORD)
    assert challenge.value.get_tokens()["ChallengeParameters"]["CODE_DELIVERY_DELIVERY_MEDIUM"] == "SMS"
    user.respond_to_sms_mfa_challenge(running.last_code(phone))
    assert user.access_claims["username"] == "alice"


def test_totp_mfa_after_srp(running: Running, idp: Any) -> None:
    pool_id, client_id = srp_pool(idp)
    set_mfa(idp, pool_id, "OPTIONAL", totp=True)
    new_user(idp, pool_id, "alice")
    secret = register_totp(idp, running.clock, access_token(idp, client_id, "alice"))
    set_preference(idp, pool_id, "alice", SoftwareTokenMfaSettings=ON)
    user = cognito(running, pool_id, client_id, "alice")
    with pytest.raises(SoftwareTokenMFAChallengeException):
        user.authenticate(password=PASSWORD)
    user.respond_to_software_token_mfa_challenge(next_totp(running.clock, secret))
    assert user.access_claims["username"] == "alice"


def test_email_mfa_after_srp(running: Running, idp: Any) -> None:
    pool_id, client_id = srp_pool(idp)
    set_mfa(idp, pool_id, "ON", email=True)
    email = email_address("srp-mail")
    new_user(idp, pool_id, "alice", email=email)
    reply = srp_sign_in(idp, client_id, srp_client(idp, pool_id, client_id, "alice"))
    assert reply["ChallengeName"] == "EMAIL_OTP"
    assert reply["ChallengeParameters"]["CODE_DELIVERY_DESTINATION"] == masked_email(email)
    answer = {"USERNAME": "alice", "EMAIL_OTP_CODE": running.last_code(email)}
    tokens_of(respond(idp, client_id, "EMAIL_OTP", answer, reply["Session"]))


def test_select_and_setup_after_custom_srp(running: Running, idp: Any) -> None:
    """SELECT_MFA_TYPE and MFA_SETUP follow the verifier of CUSTOM_AUTH + SRP_A as well."""
    pool_id, client_id = srp_pool(idp)
    set_mfa(idp, pool_id, "ON", sms=True, totp=True)
    new_user(idp, pool_id, "nophone")
    aws = srp_client(idp, pool_id, client_id, "nophone")
    params = {**aws.get_auth_params(), "CHALLENGE_NAME": "SRP_A"}
    reply = idp.initiate_auth(ClientId=client_id, AuthFlow="CUSTOM_AUTH", AuthParameters=params)
    setup = respond(idp, client_id, "PASSWORD_VERIFIER", verifier_answer(aws, reply, params))
    assert setup["ChallengeName"] == "MFA_SETUP"
    secret = idp.associate_software_token(Session=setup["Session"])
    verified = idp.verify_software_token(
        Session=secret["Session"], UserCode=next_totp(running.clock, secret["SecretCode"])
    )
    tokens_of(respond(idp, client_id, "MFA_SETUP", {"USERNAME": "nophone"}, verified["Session"]))
    phone = phone_number()
    idp.admin_update_user_attributes(
        UserPoolId=pool_id, Username="nophone", UserAttributes=[{"Name": "phone_number", "Value": phone}]
    )
    idp.admin_set_user_mfa_preference(
        UserPoolId=pool_id,
        Username="nophone",
        SMSMfaSettings={"Enabled": True, "PreferredMfa": False},
        SoftwareTokenMfaSettings={"Enabled": True, "PreferredMfa": False},
    )
    choose = srp_sign_in(idp, client_id, srp_client(idp, pool_id, client_id, "nophone"))
    assert choose["ChallengeName"] == "SELECT_MFA_TYPE"
    sms = respond(
        idp, client_id, "SELECT_MFA_TYPE", {"USERNAME": "nophone", "ANSWER": "SMS_MFA"}, choose["Session"]
    )
    answer = {"USERNAME": "nophone", "SMS_MFA_CODE": running.last_code(phone)}
    tokens_of(respond(idp, client_id, "SMS_MFA", answer, sms["Session"]))
