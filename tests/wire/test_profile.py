"""Self-service with an access token through boto3: ChangePassword, GetUser, UpdateUserAttributes,
GetUserAttributeVerificationCode, VerifyUserAttribute, DeleteUser, DeleteUserAttributes
(core spec §7.4-7.7, §10, §14)."""

from __future__ import annotations

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

UNWRITABLE = ("NotAuthorizedException", "A client attempted to write unauthorized attribute")


def test_change_password(idp: Any) -> None:
    pool_id = make_pool(idp)
    client_id, _ = make_client(idp, pool_id)
    admin_user(idp, pool_id, "ann")
    token = access_token(idp, client_id, "ann")
    with pytest.raises(ClientError) as err:
        idp.change_password(AccessToken=token, PreviousPassword="Wrong-Pass-9", ProposedPassword=NEW_PASSWORD)
    assert error_of(err) == ("NotAuthorizedException", "Incorrect username or password.")
    with pytest.raises(ClientError) as err:
        idp.change_password(AccessToken=token, PreviousPassword=PASSWORD, ProposedPassword="short")
    assert error_of(err) == (
        "InvalidPasswordException",
        "Password did not conform with policy: Password not long enough",
    )
    idp.change_password(AccessToken=token, PreviousPassword=PASSWORD, ProposedPassword=NEW_PASSWORD)
    assert "AuthenticationResult" in sign_in(idp, client_id, "ann", NEW_PASSWORD)
    with pytest.raises(ClientError) as err:
        idp.change_password(
            AccessToken="not-a-token", PreviousPassword=PASSWORD, ProposedPassword=NEW_PASSWORD
        )
    assert error_of(err) == ("NotAuthorizedException", "Invalid Access Token")


def test_change_password_attempt_limit(idp: Any, clock: Any) -> None:
    pool_id = make_pool(idp)
    client_id, _ = make_client(idp, pool_id)
    admin_user(idp, pool_id, "ben")
    token = access_token(idp, client_id, "ben")
    for _ in range(5):
        with pytest.raises(ClientError) as err:
            idp.change_password(
                AccessToken=token, PreviousPassword="Wrong-Pass-9", ProposedPassword=NEW_PASSWORD
            )
        assert error_of(err)[1] == "Incorrect username or password."
    with pytest.raises(ClientError) as err:
        idp.change_password(AccessToken=token, PreviousPassword=PASSWORD, ProposedPassword=NEW_PASSWORD)
    assert error_of(err) == ("LimitExceededException", "Attempt limit exceeded, please try after some time.")
    clock.advance(16 * 60)
    token = access_token(idp, client_id, "ben")
    idp.change_password(AccessToken=token, PreviousPassword=PASSWORD, ProposedPassword=NEW_PASSWORD)


def test_get_user_shows_readable_attributes(idp: Any) -> None:
    pool_id = make_pool(idp)
    everything, _ = make_client(idp, pool_id)
    narrow, _ = make_client(idp, pool_id, ReadAttributes=["email"])
    admin_user(idp, pool_id, "cat", email="cat@example.com", name="Cat")
    full = idp.get_user(AccessToken=access_token(idp, everything, "cat"))
    assert full["Username"] == "cat"
    assert [a["Name"] for a in full["UserAttributes"]] == ["sub", "email", "name"]
    assert "MFAOptions" not in full and "UserMFASettingList" not in full
    limited = idp.get_user(AccessToken=access_token(idp, narrow, "cat"))
    assert [a["Name"] for a in limited["UserAttributes"]] == ["sub", "email"]


def test_update_attributes_and_verify(running: Running, idp: Any) -> None:
    pool_id = make_pool(idp, AutoVerifiedAttributes=["email"])
    client_id, _ = make_client(idp, pool_id)
    admin_user(idp, pool_id, "dot", email="dot@example.com", email_verified="true")
    token = access_token(idp, client_id, "dot")
    reply = idp.update_user_attributes(
        AccessToken=token, UserAttributes=attrs(email="dot2@example.com", name="Dot")
    )
    assert reply["CodeDeliveryDetailsList"] == [
        {"Destination": "d***@e***.com", "DeliveryMedium": "EMAIL", "AttributeName": "email"}
    ]
    values = attr_dict(idp.get_user(AccessToken=token)["UserAttributes"])
    assert (values["email"], values["email_verified"], values["name"]) == ("dot2@example.com", "false", "Dot")
    code = running.last_code("dot2@example.com")
    with pytest.raises(ClientError) as err:
        idp.verify_user_attribute(
            AccessToken=token, AttributeName="email", Code=f"{(int(code) + 1) % 10**6:06d}"
        )
    assert error_of(err) == ("CodeMismatchException", "Invalid verification code provided, please try again.")
    idp.get_user_attribute_verification_code(AccessToken=token, AttributeName="email")
    newer = running.last_code("dot2@example.com")
    idp.verify_user_attribute(AccessToken=token, AttributeName="email", Code=newer)
    assert attr_dict(idp.get_user(AccessToken=token)["UserAttributes"])["email_verified"] == "true"
    for bad in (attrs(email_verified="true"), attrs(sub="x")):
        with pytest.raises(ClientError) as err:
            idp.update_user_attributes(AccessToken=token, UserAttributes=bad)
        assert error_of(err) == UNWRITABLE
    with pytest.raises(ClientError) as err:
        idp.get_user_attribute_verification_code(AccessToken=token, AttributeName="name")
    assert error_of(err) == ("InvalidParameterException", "Invalid attribute name")


def test_verification_before_update(running: Running, idp: Any) -> None:
    pool_id = make_pool(
        idp,
        AutoVerifiedAttributes=["email"],
        UserAttributeUpdateSettings={"AttributesRequireVerificationBeforeUpdate": ["email"]},
    )
    client_id, _ = make_client(idp, pool_id)
    admin_user(idp, pool_id, "eli", email="eli@example.com", email_verified="true")
    token = access_token(idp, client_id, "eli")
    idp.update_user_attributes(AccessToken=token, UserAttributes=attrs(email="eli.new@example.com"))
    values = attr_dict(idp.get_user(AccessToken=token)["UserAttributes"])
    assert (values["email"], values["email_verified"]) == ("eli@example.com", "true")
    # A new code for the attribute goes to the pending value.
    sent = idp.get_user_attribute_verification_code(AccessToken=token, AttributeName="email")
    assert sent["CodeDeliveryDetails"]["Destination"] == "e***@e***.com"
    assert len(running.messages(to="eli.new@example.com")) == 2
    idp.verify_user_attribute(
        AccessToken=token, AttributeName="email", Code=running.last_code("eli.new@example.com")
    )
    values = attr_dict(idp.get_user(AccessToken=token)["UserAttributes"])
    assert (values["email"], values["email_verified"]) == ("eli.new@example.com", "true")


def test_verification_code_expires(running: Running, idp: Any, clock: Any) -> None:
    pool_id = make_pool(idp)
    client_id, _ = make_client(idp, pool_id)
    admin_user(idp, pool_id, "fox", email="fox@example.com")
    token = access_token(idp, client_id, "fox")
    idp.get_user_attribute_verification_code(AccessToken=token, AttributeName="email")
    code = running.last_code("fox@example.com")
    clock.advance(25 * 3600)
    token = access_token(idp, client_id, "fox")
    with pytest.raises(ClientError) as err:
        idp.verify_user_attribute(AccessToken=token, AttributeName="email", Code=code)
    assert error_of(err) == ("ExpiredCodeException", "Invalid code provided, please request a code again.")


def test_delete_attributes_and_user(idp: Any) -> None:
    pool_id = make_pool(idp)
    client_id, _ = make_client(idp, pool_id)
    admin_user(idp, pool_id, "gem", email="gem@example.com", email_verified="true", name="Gem")
    token = access_token(idp, client_id, "gem")
    idp.delete_user_attributes(AccessToken=token, UserAttributeNames=["email", "name"])
    values = attr_dict(idp.get_user(AccessToken=token)["UserAttributes"])
    assert set(values) == {"sub"}
    with pytest.raises(ClientError) as err:
        idp.delete_user_attributes(AccessToken=token, UserAttributeNames=["email_verified"])
    assert error_of(err) == UNWRITABLE
    idp.delete_user(AccessToken=token)
    with pytest.raises(ClientError) as err:
        idp.admin_get_user(UserPoolId=pool_id, Username="gem")
    assert error_of(err) == ("UserNotFoundException", "User does not exist.")
    with pytest.raises(ClientError) as err:
        idp.get_user(AccessToken=token)
    assert error_of(err) == ("UserNotFoundException", "User does not exist.")  # core spec §4.9
