"""Password sign-in, tokens, refresh and revocation through boto3, with tokens checked by
independent JOSE libraries (PyJWT and joserfc) against the served JWKS."""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Any

import httpx
import jwt
import pytest
from botocore.exceptions import ClientError
from joserfc import jwt as jose_jwt
from joserfc.jwk import KeySet

from tests.conftest import Running, served
from tests.wire.helpers import PASSWORD, error_of, secret_hash
from userpool.clock import ShiftedClock

FLOWS = ["ALLOW_USER_PASSWORD_AUTH", "ALLOW_ADMIN_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"]


def make_pool(idp: Any, **client_options: Any) -> tuple[str, str]:
    pool_id = idp.create_user_pool(PoolName="signin")["UserPool"]["Id"]
    options = {"ExplicitAuthFlows": FLOWS, **client_options}
    client = idp.create_user_pool_client(UserPoolId=pool_id, ClientName="app", **options)
    return pool_id, client["UserPoolClient"]["ClientId"]


def make_user(idp: Any, pool_id: str, username: str = "alice", **attrs: str) -> None:
    attributes = [{"Name": k, "Value": v} for k, v in {"email": f"{username}@example.com", **attrs}.items()]
    idp.admin_create_user(
        UserPoolId=pool_id, Username=username, UserAttributes=attributes, MessageAction="SUPPRESS"
    )
    idp.admin_set_user_password(UserPoolId=pool_id, Username=username, Password=PASSWORD, Permanent=True)


def sign_in(idp: Any, client_id: str, username: str = "alice", password: str = PASSWORD) -> dict[str, Any]:
    reply = idp.initiate_auth(
        ClientId=client_id,
        AuthFlow="USER_PASSWORD_AUTH",
        AuthParameters={"USERNAME": username, "PASSWORD": password},
    )
    result: dict[str, Any] = reply["AuthenticationResult"]
    return result


def test_tokens_verify_against_the_served_jwks(running: Running, idp: Any) -> None:
    pool_id, client_id = make_pool(idp)
    make_user(idp, pool_id, email_verified="true", name="Alice")
    result = sign_in(idp, client_id)
    assert result["TokenType"] == "Bearer"
    assert result["ExpiresIn"] == 3600
    issuer = f"{running.url}/{pool_id}"
    discovery = httpx.get(f"{issuer}/.well-known/openid-configuration").json()
    assert discovery["issuer"] == issuer
    jwks = httpx.get(discovery["jwks_uri"]).json()
    assert [sorted(k) for k in jwks["keys"]] == [["alg", "e", "kid", "kty", "n", "use"]] * 2

    # PyJWT, with the key picked by kid from the served JWKS.
    keys = {k["kid"]: jwt.PyJWK(k) for k in jwks["keys"]}
    access_kid = jwt.get_unverified_header(result["AccessToken"])["kid"]
    access = jwt.decode(result["AccessToken"], keys[access_kid], algorithms=["RS256"], issuer=issuer)
    id_kid = jwt.get_unverified_header(result["IdToken"])["kid"]
    assert id_kid != access_kid  # ID and access tokens are signed with different keys (core spec §4.1)
    ident = jwt.decode(
        result["IdToken"], keys[id_kid], algorithms=["RS256"], issuer=issuer, audience=client_id
    )

    # joserfc, independently.
    key_set = KeySet.import_key_set(jwks)
    assert jose_jwt.decode(result["IdToken"], key_set).claims["sub"] == ident["sub"]

    assert access["token_use"] == "access"
    assert access["client_id"] == client_id
    assert access["scope"] == "aws.cognito.signin.user.admin"
    assert access["username"] == "alice"
    assert "aud" not in access
    assert ident["token_use"] == "id"
    assert ident["cognito:username"] == "alice"
    assert ident["email"] == "alice@example.com"
    assert ident["email_verified"] is True
    assert ident["name"] == "Alice"
    for claim in ("origin_jti", "event_id", "auth_time"):
        assert access[claim] == ident[claim]
    assert access["jti"] != ident["jti"]
    assert access["iat"] == access["auth_time"]
    assert access["exp"] == access["iat"] + 3600
    header = json.loads(base64.urlsafe_b64decode(result["AccessToken"].split(".")[0] + "=="))
    assert list(header) == ["kid", "alg"]


def test_refresh_keeps_the_origin(idp: Any) -> None:
    pool_id, client_id = make_pool(idp)
    make_user(idp, pool_id)
    first = sign_in(idp, client_id)
    again = idp.initiate_auth(
        ClientId=client_id,
        AuthFlow="REFRESH_TOKEN_AUTH",
        AuthParameters={"REFRESH_TOKEN": first["RefreshToken"]},
    )["AuthenticationResult"]
    assert "RefreshToken" not in again
    before = jwt.decode(first["AccessToken"], options={"verify_signature": False})
    after = jwt.decode(again["AccessToken"], options={"verify_signature": False})
    assert after["origin_jti"] == before["origin_jti"]
    assert after["auth_time"] == before["auth_time"]
    assert after["jti"] != before["jti"]
    assert idp.get_user(AccessToken=again["AccessToken"])["Username"] == "alice"


def test_wrong_password_unknown_user_and_existence_errors(idp: Any) -> None:
    pool_id, client_id = make_pool(idp)
    make_user(idp, pool_id)
    with pytest.raises(ClientError) as err:
        sign_in(idp, client_id, password="Wrong-Horse-1")
    assert error_of(err) == ("NotAuthorizedException", "Incorrect username or password.")
    with pytest.raises(ClientError) as err:
        sign_in(idp, client_id, username="nobody")
    assert error_of(err) == ("UserNotFoundException", "User does not exist.")
    hiding = idp.create_user_pool_client(
        UserPoolId=pool_id, ClientName="hiding", ExplicitAuthFlows=FLOWS, PreventUserExistenceErrors="ENABLED"
    )["UserPoolClient"]["ClientId"]
    with pytest.raises(ClientError) as err:
        sign_in(idp, hiding, username="nobody")
    assert error_of(err) == ("NotAuthorizedException", "Incorrect username or password.")


def test_lockout_after_five_failures(idp: Any, clock: ShiftedClock) -> None:
    pool_id, client_id = make_pool(idp)
    make_user(idp, pool_id)
    clock.freeze()  # the first lock lasts one second: keep it from ending mid-test
    for _ in range(5):
        with pytest.raises(ClientError):
            sign_in(idp, client_id, password="Wrong-Horse-1")
    with pytest.raises(ClientError) as err:
        sign_in(idp, client_id)  # the right password is refused while locked (core spec §14)
    assert error_of(err) == ("NotAuthorizedException", "Password attempts exceeded")
    clock.advance(2)
    assert sign_in(idp, client_id)["AccessToken"]


def test_flow_not_enabled(idp: Any) -> None:
    pool_id, client_id = make_pool(idp, ExplicitAuthFlows=["ALLOW_REFRESH_TOKEN_AUTH", "ALLOW_USER_SRP_AUTH"])
    make_user(idp, pool_id)
    with pytest.raises(ClientError) as err:
        sign_in(idp, client_id)
    assert error_of(err) == (
        "InvalidParameterException",
        "USER_PASSWORD_AUTH flow not enabled for this client",
    )
    with pytest.raises(ClientError) as err:
        idp.admin_initiate_auth(
            UserPoolId=pool_id,
            ClientId=client_id,
            AuthFlow="ADMIN_USER_PASSWORD_AUTH",
            AuthParameters={"USERNAME": "alice", "PASSWORD": PASSWORD},
        )
    assert error_of(err) == ("InvalidParameterException", "Auth flow not enabled for this client")


def test_secret_hash_is_checked(idp: Any) -> None:
    pool_id, client_id = make_pool(idp, GenerateSecret=True)
    secret = idp.describe_user_pool_client(UserPoolId=pool_id, ClientId=client_id)["UserPoolClient"][
        "ClientSecret"
    ]
    make_user(idp, pool_id)
    params = {"USERNAME": "alice", "PASSWORD": PASSWORD}
    with pytest.raises(ClientError) as err:
        idp.initiate_auth(ClientId=client_id, AuthFlow="USER_PASSWORD_AUTH", AuthParameters=params)
    assert error_of(err) == (
        "NotAuthorizedException",
        f"Client {client_id} is configured with secret but SECRET_HASH was not received",
    )
    with pytest.raises(ClientError) as err:
        idp.initiate_auth(
            ClientId=client_id,
            AuthFlow="USER_PASSWORD_AUTH",
            AuthParameters={**params, "SECRET_HASH": "AAAA"},
        )
    assert error_of(err) == ("NotAuthorizedException", f"Unable to verify secret hash for client {client_id}")
    good = {**params, "SECRET_HASH": secret_hash(secret, "alice", client_id)}
    result = idp.initiate_auth(ClientId=client_id, AuthFlow="USER_PASSWORD_AUTH", AuthParameters=good)
    refreshed = idp.initiate_auth(
        ClientId=client_id,
        AuthFlow="REFRESH_TOKEN_AUTH",
        AuthParameters={
            "REFRESH_TOKEN": result["AuthenticationResult"]["RefreshToken"],
            "SECRET_HASH": secret_hash(secret, "alice", client_id),
        },
    )
    assert refreshed["AuthenticationResult"]["AccessToken"]


def test_new_password_required(idp: Any) -> None:
    pool_id, client_id = make_pool(idp)
    idp.admin_create_user(
        UserPoolId=pool_id, Username="bob", TemporaryPassword="Temp-Pass-123", MessageAction="SUPPRESS"
    )
    challenge = idp.initiate_auth(
        ClientId=client_id,
        AuthFlow="USER_PASSWORD_AUTH",
        AuthParameters={"USERNAME": "bob", "PASSWORD": "Temp-Pass-123"},
    )
    assert challenge["ChallengeName"] == "NEW_PASSWORD_REQUIRED"
    assert challenge["ChallengeParameters"]["USER_ID_FOR_SRP"] == "bob"
    assert json.loads(challenge["ChallengeParameters"]["requiredAttributes"]) == []
    with pytest.raises(ClientError) as err:
        idp.respond_to_auth_challenge(
            ClientId=client_id,
            ChallengeName="NEW_PASSWORD_REQUIRED",
            Session=challenge["Session"],
            ChallengeResponses={"USERNAME": "bob", "NEW_PASSWORD": "short"},
        )
    assert error_of(err) == (
        "InvalidPasswordException",
        "Password did not conform with policy: Password not long enough",
    )
    done = idp.respond_to_auth_challenge(
        ClientId=client_id,
        ChallengeName="NEW_PASSWORD_REQUIRED",
        Session=challenge["Session"],
        ChallengeResponses={"USERNAME": "bob", "NEW_PASSWORD": "Brand-New-Pass-1"},
    )
    assert done["AuthenticationResult"]["IdToken"]
    assert idp.admin_get_user(UserPoolId=pool_id, Username="bob")["UserStatus"] == "CONFIRMED"
    with pytest.raises(ClientError) as err:
        idp.respond_to_auth_challenge(
            ClientId=client_id,
            ChallengeName="NEW_PASSWORD_REQUIRED",
            Session=challenge["Session"],
            ChallengeResponses={"USERNAME": "bob", "NEW_PASSWORD": "Brand-New-Pass-2"},
        )
    assert error_of(err) == (
        "NotAuthorizedException",
        "Invalid session for the user, session can only be used once.",
    )


def test_global_sign_out_revokes_tokens(idp: Any) -> None:
    pool_id, client_id = make_pool(idp)
    make_user(idp, pool_id)
    result = sign_in(idp, client_id)
    idp.global_sign_out(AccessToken=result["AccessToken"])
    with pytest.raises(ClientError) as err:
        idp.get_user(AccessToken=result["AccessToken"])
    assert error_of(err) == ("NotAuthorizedException", "Access Token has been revoked")
    with pytest.raises(ClientError) as err:
        idp.initiate_auth(
            ClientId=client_id,
            AuthFlow="REFRESH_TOKEN_AUTH",
            AuthParameters={"REFRESH_TOKEN": result["RefreshToken"]},
        )
    assert error_of(err) == ("NotAuthorizedException", "Refresh Token has been revoked")
    assert sign_in(idp, client_id)["AccessToken"]  # a new sign-in works again


def test_revoke_token(idp: Any) -> None:
    pool_id, client_id = make_pool(idp)
    make_user(idp, pool_id)
    result = sign_in(idp, client_id)
    with pytest.raises(ClientError) as err:
        idp.revoke_token(Token=result["AccessToken"], ClientId=client_id)
    assert error_of(err)[0] == "UnsupportedTokenTypeException"
    idp.revoke_token(Token=result["RefreshToken"], ClientId=client_id)
    with pytest.raises(ClientError) as err:
        idp.get_user(AccessToken=result["AccessToken"])
    assert error_of(err) == ("NotAuthorizedException", "Access Token has been revoked")


def test_access_token_checks(idp: Any, clock: ShiftedClock) -> None:
    pool_id, client_id = make_pool(idp)
    make_user(idp, pool_id)
    result = sign_in(idp, client_id)
    head, body, sig = result["AccessToken"].split(".")
    tampered = ".".join([head, body, sig[:-4] + ("AAAA" if not sig.endswith("AAAA") else "BBBB")])
    for bad in (tampered, result["IdToken"], "not-a-token"):
        with pytest.raises(ClientError) as err:
            idp.get_user(AccessToken=bad)
        assert error_of(err) == ("NotAuthorizedException", "Invalid Access Token")
    clock.advance(3601)
    with pytest.raises(ClientError) as err:
        idp.get_user(AccessToken=result["AccessToken"])
    assert error_of(err) == ("NotAuthorizedException", "Access Token has expired")


def test_disabled_user(idp: Any) -> None:
    pool_id, client_id = make_pool(idp)
    make_user(idp, pool_id)
    result = sign_in(idp, client_id)
    idp.admin_disable_user(UserPoolId=pool_id, Username="alice")
    with pytest.raises(ClientError) as err:
        sign_in(idp, client_id)
    assert error_of(err) == ("NotAuthorizedException", "User is disabled.")
    with pytest.raises(ClientError) as err:
        idp.get_user(AccessToken=result["AccessToken"])
    assert error_of(err)[0] == "NotAuthorizedException"


def test_aws_issuer_option(tmp_path: Path) -> None:
    """`--aws-issuer`: tokens carry Cognito's own issuer, the discovery document says so, and the
    server still accepts its tokens (core spec §4.2)."""
    with served(f"sqlite:///{tmp_path / 'aws.db'}", "sqlite", aws_issuer=True) as live:
        idp = live.client()
        pool_id, client_id = make_pool(idp)
        make_user(idp, pool_id)
        result = sign_in(idp, client_id)
        issuer = f"https://cognito-idp.us-east-1.amazonaws.com/{pool_id}"
        discovery = httpx.get(f"{live.url}/{pool_id}/.well-known/openid-configuration").json()
        assert discovery["issuer"] == issuer
        jwks = httpx.get(f"{live.url}/{pool_id}/.well-known/jwks.json").json()
        key = {k["kid"]: jwt.PyJWK(k) for k in jwks["keys"]}[
            jwt.get_unverified_header(result["AccessToken"])["kid"]
        ]
        assert jwt.decode(result["AccessToken"], key, algorithms=["RS256"], issuer=issuer)["iss"] == issuer
        assert idp.get_user(AccessToken=result["AccessToken"])["Username"] == "alice"
