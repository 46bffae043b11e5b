"""Admin user operations through boto3 (core spec §6.5, §6.7, §10)."""

from __future__ import annotations

import re
from typing import Any

import pytest
from botocore.exceptions import ClientError

from tests.conftest import Running
from tests.wire.helpers import (
    NEW_PASSWORD,
    PASSWORD,
    access_token,
    admin_user,
    attr_dict,
    attrs,
    error_of,
    make_client,
    make_pool,
    sign_in,
)

UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


def test_create_user_invites_and_new_password_completes(running: Running, idp: Any) -> None:
    pool_id = make_pool(idp)
    client_id, _ = make_client(idp, pool_id)
    user = idp.admin_create_user(
        UserPoolId=pool_id,
        Username="carol",
        UserAttributes=attrs(email="carol@example.com", name="Carol"),
        DesiredDeliveryMediums=["EMAIL"],
    )["User"]
    assert user["Username"] == "carol"
    assert user["UserStatus"] == "FORCE_CHANGE_PASSWORD"
    assert user["Enabled"] is True
    assert [a["Name"] for a in user["Attributes"]] == ["sub", "email", "name"]
    assert user["UserCreateDate"] == user["UserLastModifiedDate"]

    invitation = running.messages(to="carol@example.com")[0]
    assert invitation["subject"] == "Your temporary password"
    temporary = invitation["code"]
    assert invitation["body"] == f"Your username is carol and temporary password is {temporary}. "

    challenge = sign_in(idp, client_id, "carol", temporary)
    assert challenge["ChallengeName"] == "NEW_PASSWORD_REQUIRED"
    done = idp.respond_to_auth_challenge(
        ClientId=client_id,
        ChallengeName="NEW_PASSWORD_REQUIRED",
        Session=challenge["Session"],
        ChallengeResponses={"USERNAME": "carol", "NEW_PASSWORD": NEW_PASSWORD},
    )
    assert "AccessToken" in done["AuthenticationResult"]
    got = idp.admin_get_user(UserPoolId=pool_id, Username="carol")
    assert got["UserStatus"] == "CONFIRMED"


def test_given_temporary_password_and_suppress(running: Running, idp: Any) -> None:
    pool_id = make_pool(idp)
    client_id, _ = make_client(idp, pool_id)
    idp.admin_create_user(
        UserPoolId=pool_id,
        Username="quiet",
        UserAttributes=attrs(email="quiet@example.com"),
        TemporaryPassword=PASSWORD,
        MessageAction="SUPPRESS",
    )
    assert running.messages(to="quiet@example.com") == []
    assert sign_in(idp, client_id, "quiet")["ChallengeName"] == "NEW_PASSWORD_REQUIRED"


def test_create_user_errors(idp: Any) -> None:
    pool_id = make_pool(idp)
    idp.admin_create_user(UserPoolId=pool_id, Username="dup", MessageAction="SUPPRESS")
    with pytest.raises(ClientError) as err:
        idp.admin_create_user(UserPoolId=pool_id, Username="dup", MessageAction="SUPPRESS")
    assert error_of(err) == ("UsernameExistsException", "User account already exists")
    with pytest.raises(ClientError) as err:
        idp.admin_create_user(UserPoolId=pool_id, Username="x", TemporaryPassword="short")
    assert error_of(err) == (
        "InvalidPasswordException",
        "Password did not conform with policy: Password not long enough",
    )
    with pytest.raises(ClientError) as err:
        idp.admin_create_user(UserPoolId=pool_id, Username="x", UserAttributes=attrs(email="nope"))
    assert error_of(err) == ("InvalidParameterException", "Invalid email address format.")
    with pytest.raises(ClientError) as err:
        idp.admin_create_user(UserPoolId=pool_id, Username="x", DesiredDeliveryMediums=["EMAIL"])
    assert error_of(err) == (
        "InvalidParameterException",
        "User has no attribute matching desired delivery mediums",
    )
    with pytest.raises(ClientError) as err:
        idp.admin_create_user(UserPoolId="us-east-1_nothere00", Username="x")
    assert error_of(err) == ("ResourceNotFoundException", "User pool us-east-1_nothere00 does not exist.")


def test_resend_invitation(running: Running, idp: Any) -> None:
    pool_id = make_pool(idp)
    client_id, _ = make_client(idp, pool_id)
    phone = "+15555550101"
    idp.admin_create_user(UserPoolId=pool_id, Username="dan", UserAttributes=attrs(phone_number=phone))
    first = running.last_code(phone)
    assert running.messages(to=phone)[0]["channel"] == "SMS"
    idp.admin_create_user(UserPoolId=pool_id, Username="dan", MessageAction="RESEND")
    second = running.last_code(phone)
    assert len(running.messages(to=phone)) == 2
    if first != second:
        with pytest.raises(ClientError) as err:
            sign_in(idp, client_id, "dan", first)
        assert error_of(err) == ("NotAuthorizedException", "Incorrect username or password.")
    assert sign_in(idp, client_id, "dan", second)["ChallengeName"] == "NEW_PASSWORD_REQUIRED"

    admin_user(idp, pool_id, "erin")
    with pytest.raises(ClientError) as err:
        idp.admin_create_user(UserPoolId=pool_id, Username="erin", MessageAction="RESEND")
    assert error_of(err) == (
        "UnsupportedUserStateException",
        "Resend not possible. erin status is not FORCE_CHANGE_PASSWORD.",
    )


def test_temporary_password_expires(idp: Any, clock: Any) -> None:
    pool_id = make_pool(idp)
    client_id, _ = make_client(idp, pool_id)
    idp.admin_create_user(
        UserPoolId=pool_id, Username="late", TemporaryPassword=PASSWORD, MessageAction="SUPPRESS"
    )
    clock.advance(8 * 86400)
    with pytest.raises(ClientError) as err:
        sign_in(idp, client_id, "late")
    assert error_of(err) == (
        "NotAuthorizedException",
        "Temporary password has expired and must be reset by an administrator.",
    )
    # AdminSetUserPassword(Permanent=false) restarts the validity (core spec §6.7).
    idp.admin_set_user_password(UserPoolId=pool_id, Username="late", Password=PASSWORD, Permanent=False)
    assert sign_in(idp, client_id, "late")["ChallengeName"] == "NEW_PASSWORD_REQUIRED"


def test_username_attribute_pool(running: Running, idp: Any) -> None:
    pool_id = make_pool(idp, UsernameAttributes=["email"])
    client_id, _ = make_client(idp, pool_id)
    user = idp.admin_create_user(
        UserPoolId=pool_id, Username="fay@example.com", TemporaryPassword=PASSWORD, MessageAction="SUPPRESS"
    )["User"]
    values = attr_dict(user["Attributes"])
    assert user["Username"] == values["sub"]
    assert UUID.fullmatch(user["Username"])
    assert values["email"] == "fay@example.com"
    assert idp.admin_get_user(UserPoolId=pool_id, Username="fay@example.com")["Username"] == values["sub"]
    assert sign_in(idp, client_id, "fay@example.com")["ChallengeName"] == "NEW_PASSWORD_REQUIRED"
    with pytest.raises(ClientError) as err:
        idp.admin_create_user(UserPoolId=pool_id, Username="fay@example.com", MessageAction="SUPPRESS")
    assert error_of(err) == ("UsernameExistsException", "An account with the given email already exists.")
    with pytest.raises(ClientError) as err:
        idp.admin_create_user(UserPoolId=pool_id, Username="fay", MessageAction="SUPPRESS")
    assert error_of(err) == ("InvalidParameterException", "Username should be an email.")


def test_alias_pool_and_force_alias_creation(idp: Any) -> None:
    pool_id = make_pool(idp, AliasAttributes=["email"])
    client_id, _ = make_client(idp, pool_id)
    with pytest.raises(ClientError) as err:
        idp.admin_create_user(UserPoolId=pool_id, Username="gus@example.com")
    assert error_of(err) == (
        "InvalidParameterException",
        "Username cannot be of email format, since user pool is configured for email alias.",
    )
    admin_user(idp, pool_id, "gus", email="shared@example.com", email_verified="true")
    assert sign_in(idp, client_id, "shared@example.com")["AuthenticationResult"]
    verified = attrs(email="shared@example.com", email_verified="true")
    with pytest.raises(ClientError) as err:
        idp.admin_create_user(
            UserPoolId=pool_id, Username="hal", UserAttributes=verified, MessageAction="SUPPRESS"
        )
    assert error_of(err) == ("AliasExistsException", "An account with the given email already exists.")
    idp.admin_create_user(
        UserPoolId=pool_id,
        Username="hal",
        UserAttributes=verified,
        MessageAction="SUPPRESS",
        ForceAliasCreation=True,
    )
    idp.admin_set_user_password(UserPoolId=pool_id, Username="hal", Password=PASSWORD, Permanent=True)
    gus = attr_dict(idp.admin_get_user(UserPoolId=pool_id, Username="gus")["UserAttributes"])
    assert gus["email_verified"] == "false"
    token = access_token(idp, client_id, "shared@example.com")
    assert idp.get_user(AccessToken=token)["Username"] == "hal"


def test_get_and_delete_user(idp: Any) -> None:
    pool_id = make_pool(idp)
    admin_user(idp, pool_id, "ivy", email="ivy@example.com")
    got = idp.admin_get_user(UserPoolId=pool_id, Username="ivy")
    assert got["Username"] == "ivy"
    assert got["UserStatus"] == "CONFIRMED"
    assert got["UserAttributes"][0]["Name"] == "sub"
    assert "MFAOptions" not in got and "UserMFASettingList" not in got and "PreferredMfaSetting" not in got
    # The sub names the user too (core spec §6.2).
    sub = got["UserAttributes"][0]["Value"]
    assert idp.admin_get_user(UserPoolId=pool_id, Username=sub)["Username"] == "ivy"
    idp.admin_delete_user(UserPoolId=pool_id, Username="ivy")
    for call in (idp.admin_get_user, idp.admin_delete_user):
        with pytest.raises(ClientError) as err:
            call(UserPoolId=pool_id, Username="ivy")
        assert error_of(err) == ("UserNotFoundException", "User does not exist.")


def test_set_user_password(idp: Any) -> None:
    pool_id = make_pool(idp)
    client_id, _ = make_client(idp, pool_id)
    idp.admin_create_user(UserPoolId=pool_id, Username="jay", MessageAction="SUPPRESS")
    idp.admin_set_user_password(UserPoolId=pool_id, Username="jay", Password=PASSWORD, Permanent=True)
    assert idp.admin_get_user(UserPoolId=pool_id, Username="jay")["UserStatus"] == "CONFIRMED"
    assert "AuthenticationResult" in sign_in(idp, client_id, "jay")
    idp.admin_set_user_password(UserPoolId=pool_id, Username="jay", Password=NEW_PASSWORD, Permanent=False)
    assert idp.admin_get_user(UserPoolId=pool_id, Username="jay")["UserStatus"] == "FORCE_CHANGE_PASSWORD"
    with pytest.raises(ClientError) as err:
        idp.admin_set_user_password(
            UserPoolId=pool_id, Username="jay", Password="alllowercase1!", Permanent=True
        )
    assert error_of(err) == (
        "InvalidPasswordException",
        "Password did not conform with policy: Password must have uppercase characters",
    )


def test_update_and_delete_attributes(running: Running, idp: Any) -> None:
    pool_id = make_pool(
        idp,
        AutoVerifiedAttributes=["email"],
        Schema=[{"Name": "name", "AttributeDataType": "String", "Required": True}],
    )
    admin_user(idp, pool_id, "kim", email="kim@example.com", email_verified="true", name="Kim")
    idp.admin_update_user_attributes(
        UserPoolId=pool_id, Username="kim", UserAttributes=attrs(email="kim2@example.com")
    )
    values = attr_dict(idp.admin_get_user(UserPoolId=pool_id, Username="kim")["UserAttributes"])
    assert (values["email"], values["email_verified"]) == ("kim2@example.com", "false")
    assert running.messages(to="kim2@example.com")[0]["subject"] == "Your verification code"
    # Setting the flag with the value: changed at once and no message (core spec §7.6).
    idp.admin_update_user_attributes(
        UserPoolId=pool_id,
        Username="kim",
        UserAttributes=attrs(email="kim3@example.com", email_verified="true"),
    )
    values = attr_dict(idp.admin_get_user(UserPoolId=pool_id, Username="kim")["UserAttributes"])
    assert (values["email"], values["email_verified"]) == ("kim3@example.com", "true")
    assert running.messages(to="kim3@example.com") == []

    idp.admin_delete_user_attributes(UserPoolId=pool_id, Username="kim", UserAttributeNames=["email"])
    values = attr_dict(idp.admin_get_user(UserPoolId=pool_id, Username="kim")["UserAttributes"])
    assert "email" not in values and "email_verified" not in values
    with pytest.raises(ClientError) as err:
        idp.admin_delete_user_attributes(UserPoolId=pool_id, Username="kim", UserAttributeNames=["name"])
    assert error_of(err) == (
        "InvalidParameterException",
        "Attributes did not conform to the schema: name: The attribute is required",
    )
    with pytest.raises(ClientError) as err:
        idp.admin_update_user_attributes(
            UserPoolId=pool_id, Username="kim", UserAttributes=attrs(**{"custom:x": "1"})
        )
    assert error_of(err) == (
        "InvalidParameterException",
        "Attributes did not conform to the schema: Type for attribute {custom:x} could not be determined",
    )


def test_disable_revokes_and_enable(idp: Any) -> None:
    pool_id = make_pool(idp)
    client_id, _ = make_client(idp, pool_id)
    admin_user(idp, pool_id, "lee")
    token = access_token(idp, client_id, "lee")
    idp.admin_disable_user(UserPoolId=pool_id, Username="lee")
    assert idp.admin_get_user(UserPoolId=pool_id, Username="lee")["Enabled"] is False
    with pytest.raises(ClientError) as err:
        sign_in(idp, client_id, "lee")
    assert error_of(err) == ("NotAuthorizedException", "User is disabled.")
    with pytest.raises(ClientError) as err:
        idp.get_user(AccessToken=token)
    assert error_of(err) == ("NotAuthorizedException", "Access Token has been revoked")
    idp.admin_enable_user(UserPoolId=pool_id, Username="lee")
    assert "AuthenticationResult" in sign_in(idp, client_id, "lee")


def test_reset_user_password(running: Running, idp: Any) -> None:
    pool_id = make_pool(idp)
    client_id, _ = make_client(idp, pool_id)
    admin_user(idp, pool_id, "mae", email="mae@example.com", email_verified="true")
    idp.admin_reset_user_password(UserPoolId=pool_id, Username="mae")
    assert idp.admin_get_user(UserPoolId=pool_id, Username="mae")["UserStatus"] == "RESET_REQUIRED"
    message = running.messages(to="mae@example.com")[0]
    assert message["body"] == f"Your password reset code is {message['code']}"
    with pytest.raises(ClientError) as err:
        sign_in(idp, client_id, "mae")
    assert error_of(err) == ("PasswordResetRequiredException", "Password reset required for the user")
    idp.confirm_forgot_password(
        ClientId=client_id, Username="mae", ConfirmationCode=message["code"], Password=NEW_PASSWORD
    )
    assert idp.admin_get_user(UserPoolId=pool_id, Username="mae")["UserStatus"] == "CONFIRMED"
    assert "AuthenticationResult" in sign_in(idp, client_id, "mae", NEW_PASSWORD)

    admin_user(idp, pool_id, "ned", email="ned@example.com")  # email not verified
    with pytest.raises(ClientError) as err:
        idp.admin_reset_user_password(UserPoolId=pool_id, Username="ned")
    assert error_of(err) == (
        "InvalidParameterException",
        "Cannot reset password for the user as there is no registered/verified email or phone_number",
    )
    idp.admin_create_user(UserPoolId=pool_id, Username="oz", MessageAction="SUPPRESS")
    with pytest.raises(ClientError) as err:
        idp.admin_reset_user_password(UserPoolId=pool_id, Username="oz")
    assert error_of(err) == ("NotAuthorizedException", "User password cannot be reset in the current state.")


def test_admin_confirm_sign_up(idp: Any) -> None:
    pool_id = make_pool(idp)
    client_id, _ = make_client(idp, pool_id)
    idp.sign_up(ClientId=client_id, Username="pat", Password=PASSWORD)
    assert idp.admin_get_user(UserPoolId=pool_id, Username="pat")["UserStatus"] == "UNCONFIRMED"
    idp.admin_confirm_sign_up(UserPoolId=pool_id, Username="pat")
    assert idp.admin_get_user(UserPoolId=pool_id, Username="pat")["UserStatus"] == "CONFIRMED"
    with pytest.raises(ClientError) as err:
        idp.admin_confirm_sign_up(UserPoolId=pool_id, Username="pat")
    assert error_of(err) == (
        "NotAuthorizedException",
        "User cannot be confirmed. Current status is CONFIRMED",
    )


def test_case_insensitive_pool(idp: Any) -> None:
    pool_id = make_pool(idp, UsernameConfiguration={"CaseSensitive": False})
    client_id, _ = make_client(idp, pool_id)
    admin_user(idp, pool_id, "MiXed")
    assert idp.admin_get_user(UserPoolId=pool_id, Username="mixed")["Username"] == "MiXed"
    assert "AuthenticationResult" in sign_in(idp, client_id, "MIXED")
    with pytest.raises(ClientError) as err:
        idp.admin_create_user(UserPoolId=pool_id, Username="mixed", MessageAction="SUPPRESS")
    assert error_of(err) == ("UsernameExistsException", "User account already exists")

    sensitive = make_pool(idp)
    admin_user(idp, sensitive, "Solo")
    with pytest.raises(ClientError) as err:
        idp.admin_get_user(UserPoolId=sensitive, Username="solo")
    assert error_of(err) == ("UserNotFoundException", "User does not exist.")
