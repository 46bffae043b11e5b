"""Self-service with a client id through boto3: SignUp, ConfirmSignUp, ResendConfirmationCode,
ForgotPassword, ConfirmForgotPassword (core spec §6.4, §7.1-7.3, §12, §14)."""

from __future__ import annotations

from typing import Any

import pytest
from botocore.exceptions import ClientError

from tests.conftest import Running
from tests.wire.helpers import (
    NEW_PASSWORD,
    PASSWORD,
    admin_user,
    attr_dict,
    attrs,
    email_pool,
    error_of,
    make_client,
    make_pool,
    secret_hash,
    sign_in,
    wrong,
)

MISMATCH = ("CodeMismatchException", "Invalid verification code provided, please try again.")
EXPIRED = ("ExpiredCodeException", "Invalid code provided, please request a code again.")
LIMIT = ("LimitExceededException", "Attempt limit exceeded, please try after some time.")
NOT_FOUND = ("UserNotFoundException", "Username/client id combination not found.")


def test_sign_up_confirm_sign_in(running: Running, idp: Any) -> None:
    pool_id, client_id = email_pool(idp)
    reply = idp.sign_up(
        ClientId=client_id, Username="amy", Password=PASSWORD, UserAttributes=attrs(email="amy@example.com")
    )
    assert reply["UserConfirmed"] is False
    assert reply["CodeDeliveryDetails"] == {
        "Destination": "a***@e***.com",
        "DeliveryMedium": "EMAIL",
        "AttributeName": "email",
    }
    message = running.messages(to="amy@example.com")[0]
    assert message["body"] == f"Your verification code is {message['code']}. "
    with pytest.raises(ClientError) as err:
        sign_in(idp, client_id, "amy")
    assert error_of(err) == ("UserNotConfirmedException", "User is not confirmed.")
    idp.confirm_sign_up(
        ClientId=client_id, Username="amy", ConfirmationCode=running.last_code("amy@example.com")
    )
    got = idp.admin_get_user(UserPoolId=pool_id, Username="amy")
    assert got["UserStatus"] == "CONFIRMED"
    values = attr_dict(got["UserAttributes"])
    assert values["sub"] == reply["UserSub"]
    assert values["email_verified"] == "true"
    assert "AuthenticationResult" in sign_in(idp, client_id, "amy")
    with pytest.raises(ClientError) as err:
        idp.confirm_sign_up(ClientId=client_id, Username="amy", ConfirmationCode="123456")
    assert error_of(err) == (
        "NotAuthorizedException",
        "User cannot be confirmed. Current status is CONFIRMED",
    )


def test_sign_up_without_auto_verification_sends_nothing(running: Running, idp: Any) -> None:
    pool_id = make_pool(idp)
    client_id, _ = make_client(idp, pool_id)
    reply = idp.sign_up(
        ClientId=client_id, Username="bo", Password=PASSWORD, UserAttributes=attrs(email="bo@x.com")
    )
    assert "CodeDeliveryDetails" not in reply
    assert running.messages(to="bo@x.com") == []
    with pytest.raises(ClientError) as err:
        idp.resend_confirmation_code(ClientId=client_id, Username="bo")
    assert error_of(err) == (
        "InvalidParameterException",
        "Cannot resend codes. Auto verification not turned on.",
    )


def test_sign_up_errors(idp: Any) -> None:
    required = [{"Name": "name", "AttributeDataType": "String", "Required": True}]
    pool_id = make_pool(idp, Schema=required)
    client_id, _ = make_client(idp, pool_id)
    idp.sign_up(ClientId=client_id, Username="cy", Password=PASSWORD, UserAttributes=attrs(name="Cy"))
    missing = "Attributes did not conform to the schema: name: The attribute is required"
    no_upper = "Password did not conform with policy: Password must have uppercase characters"
    cases: list[tuple[dict[str, Any], tuple[str, str]]] = [
        ({"Username": "cy", "UserAttributes": attrs(name="Cy")},
         ("UsernameExistsException", "User already exists")),
        ({"Username": "dee"}, ("InvalidParameterException", missing)),
        ({"Username": "dee", "Password": "weakpass", "UserAttributes": attrs(name="D")},
         ("InvalidPasswordException", no_upper)),
        ({"Username": "dee", "UserAttributes": attrs(name="D", email_verified="true")},
         ("NotAuthorizedException", "A client attempted to write unauthorized attribute")),
    ]  # fmt: skip
    for params, expected in cases:
        with pytest.raises(ClientError) as err:
            idp.sign_up(ClientId=client_id, **{"Password": PASSWORD, **params})
        assert error_of(err) == expected, params
    with pytest.raises(ClientError) as err:  # passwordless sign-in is not available here
        idp.sign_up(ClientId=client_id, Username="nopw", UserAttributes=attrs(name="N"))
    assert error_of(err) == ("InvalidParameterException", "Password is required for this user pool.")
    closed = make_pool(idp, AdminCreateUserConfig={"AllowAdminCreateUserOnly": True})
    closed_client, _ = make_client(idp, closed)
    with pytest.raises(ClientError) as err:
        idp.sign_up(ClientId=closed_client, Username="eve", Password=PASSWORD)
    assert error_of(err) == ("NotAuthorizedException", "SignUp is not permitted for this user pool")


def test_confirmation_code_rules(running: Running, idp: Any, clock: Any) -> None:
    _pool_id, client_id = email_pool(idp)
    idp.sign_up(
        ClientId=client_id, Username="fin", Password=PASSWORD, UserAttributes=attrs(email="fin@x.com")
    )
    old = running.last_code("fin@x.com")
    resent = idp.resend_confirmation_code(ClientId=client_id, Username="fin")
    assert resent["CodeDeliveryDetails"]["Destination"] == "f***@x***.com"
    new = running.last_code("fin@x.com")
    if old != new:  # a resend supersedes the older code (core spec §6.8)
        with pytest.raises(ClientError) as err:
            idp.confirm_sign_up(ClientId=client_id, Username="fin", ConfirmationCode=old)
        assert error_of(err) == EXPIRED
    with pytest.raises(ClientError) as err:
        idp.confirm_sign_up(ClientId=client_id, Username="fin", ConfirmationCode=wrong(new))
    assert error_of(err) == MISMATCH
    clock.advance(25 * 3600)
    with pytest.raises(ClientError) as err:
        idp.confirm_sign_up(ClientId=client_id, Username="fin", ConfirmationCode=new)
    assert error_of(err) == EXPIRED
    idp.resend_confirmation_code(ClientId=client_id, Username="fin")
    idp.confirm_sign_up(ClientId=client_id, Username="fin", ConfirmationCode=running.last_code("fin@x.com"))
    with pytest.raises(ClientError) as err:
        idp.resend_confirmation_code(ClientId=client_id, Username="fin")
    assert error_of(err) == ("InvalidParameterException", "User is already confirmed.")


def test_wrong_code_and_send_limits(running: Running, idp: Any) -> None:
    _pool_id, client_id = email_pool(idp)
    idp.sign_up(
        ClientId=client_id, Username="gil", Password=PASSWORD, UserAttributes=attrs(email="gil@x.com")
    )
    code = running.last_code("gil@x.com")
    for _ in range(5):
        with pytest.raises(ClientError) as err:
            idp.confirm_sign_up(ClientId=client_id, Username="gil", ConfirmationCode=wrong(code))
        assert error_of(err) == MISMATCH
    with pytest.raises(ClientError) as err:
        idp.confirm_sign_up(ClientId=client_id, Username="gil", ConfirmationCode=code)
    assert error_of(err) == LIMIT
    for _ in range(4):  # the sign-up itself was the first send of the hour
        idp.resend_confirmation_code(ClientId=client_id, Username="gil")
    with pytest.raises(ClientError) as err:
        idp.resend_confirmation_code(ClientId=client_id, Username="gil")
    assert error_of(err) == LIMIT


def test_unknown_users_legacy_and_enabled(idp: Any) -> None:
    pool_id, legacy = email_pool(idp)
    enabled, _ = make_client(idp, pool_id, PreventUserExistenceErrors="ENABLED")
    for call, extra in (
        (idp.confirm_sign_up, {"ConfirmationCode": "123456"}),
        (idp.resend_confirmation_code, {}),
        (idp.forgot_password, {}),
        (idp.confirm_forgot_password, {"ConfirmationCode": "123456", "Password": PASSWORD}),
    ):
        with pytest.raises(ClientError) as err:
            call(ClientId=legacy, Username="ghost", **extra)
        assert error_of(err) == NOT_FOUND
    for call in (idp.resend_confirmation_code, idp.forgot_password):
        details = call(ClientId=enabled, Username="ghost@example.com")["CodeDeliveryDetails"]
        assert details == {
            "Destination": "g***@e***.com",
            "DeliveryMedium": "EMAIL",
            "AttributeName": "email",
        }
    for call, extra in (
        (idp.confirm_sign_up, {"ConfirmationCode": "123456"}),
        (idp.confirm_forgot_password, {"ConfirmationCode": "123456", "Password": PASSWORD}),
    ):
        with pytest.raises(ClientError) as err:
            call(ClientId=enabled, Username="ghost", **extra)
        assert error_of(err) == MISMATCH


def test_secret_hash(running: Running, idp: Any) -> None:
    pool_id = make_pool(idp, AutoVerifiedAttributes=["email"])
    client_id, secret = make_client(idp, pool_id, GenerateSecret=True)
    assert secret is not None
    base = {
        "ClientId": client_id,
        "Username": "hoy",
        "Password": PASSWORD,
        "UserAttributes": attrs(email="hoy@x.com"),
    }
    with pytest.raises(ClientError) as err:
        idp.sign_up(**base)
    assert error_of(err) == (
        "NotAuthorizedException",
        f"Client {client_id} is configured with secret but SECRET_HASH was not received",
    )
    with pytest.raises(ClientError) as err:
        idp.sign_up(**base, SecretHash=secret_hash(secret, "other", client_id))
    assert error_of(err) == ("NotAuthorizedException", f"Unable to verify secret hash for client {client_id}")
    digest = secret_hash(secret, "hoy", client_id)
    idp.sign_up(**base, SecretHash=digest)
    code = running.last_code("hoy@x.com")
    idp.confirm_sign_up(ClientId=client_id, Username="hoy", ConfirmationCode=code, SecretHash=digest)
    assert "AuthenticationResult" in sign_in(idp, client_id, "hoy", SECRET_HASH=digest)


def test_forgot_password_flow(running: Running, idp: Any, clock: Any) -> None:
    pool_id = make_pool(idp)
    client_id, _ = make_client(idp, pool_id)
    admin_user(idp, pool_id, "ida", email="ida@example.com", email_verified="true")
    sent = idp.forgot_password(ClientId=client_id, Username="ida")["CodeDeliveryDetails"]
    assert sent == {"Destination": "i***@e***.com", "DeliveryMedium": "EMAIL", "AttributeName": "email"}
    assert "AuthenticationResult" in sign_in(idp, client_id, "ida")  # still works until confirmed
    code = running.last_code("ida@example.com")
    with pytest.raises(ClientError) as err:
        idp.confirm_forgot_password(
            ClientId=client_id, Username="ida", ConfirmationCode=wrong(code), Password=NEW_PASSWORD
        )
    assert error_of(err) == MISMATCH
    with pytest.raises(ClientError) as err:
        idp.confirm_forgot_password(
            ClientId=client_id, Username="ida", ConfirmationCode=code, Password="weak"
        )
    assert error_of(err)[0] == "InvalidPasswordException"
    idp.confirm_forgot_password(
        ClientId=client_id, Username="ida", ConfirmationCode=code, Password=NEW_PASSWORD
    )
    assert "AuthenticationResult" in sign_in(idp, client_id, "ida", NEW_PASSWORD)
    with pytest.raises(ClientError) as err:
        sign_in(idp, client_id, "ida")
    assert error_of(err) == ("NotAuthorizedException", "Incorrect username or password.")
    with pytest.raises(ClientError) as err:  # used
        idp.confirm_forgot_password(
            ClientId=client_id, Username="ida", ConfirmationCode=code, Password=PASSWORD
        )
    assert error_of(err) == EXPIRED
    idp.forgot_password(ClientId=client_id, Username="ida")
    clock.advance(3601)  # reset codes live one hour (core spec §6.8)
    with pytest.raises(ClientError) as err:
        idp.confirm_forgot_password(
            ClientId=client_id,
            Username="ida",
            ConfirmationCode=running.last_code("ida@example.com"),
            Password=PASSWORD,
        )
    assert error_of(err) == EXPIRED


def test_forgot_password_refusals(idp: Any) -> None:
    pool_id = make_pool(idp)
    client_id, _ = make_client(idp, pool_id)
    admin_user(idp, pool_id, "jo", email="jo@example.com")  # unverified
    with pytest.raises(ClientError) as err:
        idp.forgot_password(ClientId=client_id, Username="jo")
    assert error_of(err) == (
        "InvalidParameterException",
        "Cannot reset password for the user as there is no registered/verified email or phone_number",
    )
    with pytest.raises(ClientError) as err:  # no code was requested
        idp.confirm_forgot_password(
            ClientId=client_id, Username="jo", ConfirmationCode="123456", Password=PASSWORD
        )
    assert error_of(err) == EXPIRED
    idp.admin_create_user(UserPoolId=pool_id, Username="kit", MessageAction="SUPPRESS")
    with pytest.raises(ClientError) as err:
        idp.forgot_password(ClientId=client_id, Username="kit")
    assert error_of(err) == ("NotAuthorizedException", "User password cannot be reset in the current state.")
    admin_user(idp, pool_id, "lu", email="lu@example.com", email_verified="true")
    idp.admin_disable_user(UserPoolId=pool_id, Username="lu")
    with pytest.raises(ClientError) as err:
        idp.forgot_password(ClientId=client_id, Username="lu")
    assert error_of(err) == ("NotAuthorizedException", "User is disabled.")
    admin_only = make_pool(
        idp, AccountRecoverySetting={"RecoveryMechanisms": [{"Name": "admin_only", "Priority": 1}]}
    )
    admin_client, _ = make_client(idp, admin_only)
    admin_user(idp, admin_only, "mo", email="mo@example.com", email_verified="true")
    with pytest.raises(ClientError) as err:
        idp.forgot_password(ClientId=admin_client, Username="mo")
    assert error_of(err) == ("NotAuthorizedException", "Contact administrator to reset password.")


def test_recovery_channel_choice(running: Running, idp: Any) -> None:
    both = {"email": "nia@example.com", "email_verified": "true", "phone_number": "+15555550123",
            "phone_number_verified": "true"}  # fmt: skip
    legacy = make_pool(idp)
    client_id, _ = make_client(idp, legacy)
    admin_user(idp, legacy, "nia", **both)
    # MFA spec §3.3: without AccountRecoverySetting, verified phone first.
    sent = idp.forgot_password(ClientId=client_id, Username="nia")["CodeDeliveryDetails"]
    assert sent == {"Destination": "+*******0123", "DeliveryMedium": "SMS", "AttributeName": "phone_number"}
    assert running.messages(to="+15555550123")[0]["channel"] == "SMS"
    mechanisms = [{"Name": "verified_email", "Priority": 1}, {"Name": "verified_phone_number", "Priority": 2}]
    ordered = make_pool(idp, AccountRecoverySetting={"RecoveryMechanisms": mechanisms})
    ordered_client, _ = make_client(idp, ordered)
    admin_user(idp, ordered, "nia", **both)
    sent = idp.forgot_password(ClientId=ordered_client, Username="nia")["CodeDeliveryDetails"]
    assert sent["AttributeName"] == "email"


def test_username_attribute_pool_sign_up(running: Running, idp: Any) -> None:
    pool_id = make_pool(idp, UsernameAttributes=["email"], AutoVerifiedAttributes=["email"])
    client_id, _ = make_client(idp, pool_id)
    reply = idp.sign_up(ClientId=client_id, Username="oli@example.com", Password=PASSWORD)
    idp.confirm_sign_up(
        ClientId=client_id, Username="oli@example.com", ConfirmationCode=running.last_code("oli@example.com")
    )
    got = idp.admin_get_user(UserPoolId=pool_id, Username="oli@example.com")
    assert got["Username"] == reply["UserSub"]
    assert attr_dict(got["UserAttributes"])["email_verified"] == "true"
    assert "AuthenticationResult" in sign_in(idp, client_id, "oli@example.com")
    with pytest.raises(ClientError) as err:
        idp.sign_up(ClientId=client_id, Username="oli@example.com", Password=PASSWORD)
    assert error_of(err) == ("UsernameExistsException", "An account with the given email already exists.")
    with pytest.raises(ClientError) as err:
        idp.sign_up(ClientId=client_id, Username="oli", Password=PASSWORD)
    assert error_of(err) == ("InvalidParameterException", "Username should be an email.")


def test_alias_conflict_at_confirmation(running: Running, idp: Any) -> None:
    pool_id = make_pool(idp, AliasAttributes=["email"], AutoVerifiedAttributes=["email"])
    client_id, _ = make_client(idp, pool_id)
    shared = attrs(email="same@example.com")
    for name in ("pia", "quin", "rex"):
        idp.sign_up(ClientId=client_id, Username=name, Password=PASSWORD, UserAttributes=shared)
        running_code = running.last_code("same@example.com")
        if name == "pia":
            idp.confirm_sign_up(ClientId=client_id, Username=name, ConfirmationCode=running_code)
        elif name == "quin":
            with pytest.raises(ClientError) as err:
                idp.confirm_sign_up(ClientId=client_id, Username=name, ConfirmationCode=running_code)
            assert error_of(err) == ("AliasExistsException", "An account with the email already exists.")
        else:
            idp.confirm_sign_up(
                ClientId=client_id, Username=name, ConfirmationCode=running_code, ForceAliasCreation=True
            )
    pia = attr_dict(idp.admin_get_user(UserPoolId=pool_id, Username="pia")["UserAttributes"])
    assert pia["email_verified"] == "false"
    token = sign_in(idp, client_id, "same@example.com")["AuthenticationResult"]["AccessToken"]
    assert idp.get_user(AccessToken=token)["Username"] == "rex"


def test_case_insensitive_sign_up(running: Running, idp: Any) -> None:
    pool_id = make_pool(idp, UsernameConfiguration={"CaseSensitive": False}, AutoVerifiedAttributes=["email"])
    client_id, _ = make_client(idp, pool_id)
    idp.sign_up(
        ClientId=client_id, Username="Sam", Password=PASSWORD, UserAttributes=attrs(email="sam@x.com")
    )
    with pytest.raises(ClientError) as err:
        idp.sign_up(ClientId=client_id, Username="sAM", Password=PASSWORD)
    assert error_of(err) == ("UsernameExistsException", "User already exists")
    idp.confirm_sign_up(ClientId=client_id, Username="SAM", ConfirmationCode=running.last_code("sam@x.com"))
    assert "AuthenticationResult" in sign_in(idp, client_id, "sam")
