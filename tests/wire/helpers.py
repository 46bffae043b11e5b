"""Small builders the user and account wire tests share: pools, clients, users, SECRET_HASH."""

from __future__ import annotations

import base64
import hashlib
import hmac
from typing import Any

import pytest
from botocore.exceptions import ClientError

PASSWORD = "Correct-Horse-1"
NEW_PASSWORD = "Battery-Staple-2"
FLOWS = ["ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"]


def error_of(err: pytest.ExceptionInfo[ClientError]) -> tuple[str, str]:
    e = err.value.response["Error"]
    return e["Code"], e["Message"]


def fails(call: Any, *args: Any, **kwargs: Any) -> tuple[str, str]:
    """The (code, message) of the ClientError `call` must raise."""
    with pytest.raises(ClientError) as err:
        call(*args, **kwargs)
    return error_of(err)


def wrong(code: str) -> str:
    """A six-digit code that is not `code`."""
    return f"{(int(code) + 1) % 1_000_000:06d}"


def make_pool(idp: Any, **options: Any) -> str:
    pool_id: str = idp.create_user_pool(PoolName="users", **options)["UserPool"]["Id"]
    return pool_id


def make_client(idp: Any, pool_id: str, **options: Any) -> tuple[str, str | None]:
    """A client allowing password sign-in; returns (client id, secret or None)."""
    settings = {"ExplicitAuthFlows": FLOWS, **options}
    client = idp.create_user_pool_client(UserPoolId=pool_id, ClientName="app", **settings)["UserPoolClient"]
    return client["ClientId"], client.get("ClientSecret")


def email_pool(idp: Any, **options: Any) -> tuple[str, str]:
    """A pool that auto-verifies email, with a password client."""
    pool_id = make_pool(idp, AutoVerifiedAttributes=["email"], **options)
    client_id, _ = make_client(idp, pool_id)
    return pool_id, client_id


def secret_hash(secret: str, username: str, client_id: str) -> str:
    """core spec §3.4: Base64(HMAC-SHA256(secret, username ‖ clientId))."""
    mac = hmac.new(secret.encode(), (username + client_id).encode(), hashlib.sha256).digest()
    return base64.b64encode(mac).decode()


def attrs(**values: str) -> list[dict[str, str]]:
    return [{"Name": k, "Value": v} for k, v in values.items()]


def attr_dict(items: list[dict[str, str]]) -> dict[str, str]:
    return {a["Name"]: a["Value"] for a in items}


def admin_user(idp: Any, pool_id: str, username: str, password: str = PASSWORD, **values: str) -> None:
    """A CONFIRMED user with a permanent password, no invitation."""
    idp.admin_create_user(
        UserPoolId=pool_id, Username=username, UserAttributes=attrs(**values), MessageAction="SUPPRESS"
    )
    idp.admin_set_user_password(UserPoolId=pool_id, Username=username, Password=password, Permanent=True)


def sign_in(
    idp: Any, client_id: str, username: str, password: str = PASSWORD, **extra: str
) -> dict[str, Any]:
    reply = idp.initiate_auth(
        ClientId=client_id,
        AuthFlow="USER_PASSWORD_AUTH",
        AuthParameters={"USERNAME": username, "PASSWORD": password, **extra},
    )
    result: dict[str, Any] = reply
    return result


def access_token(idp: Any, client_id: str, username: str, password: str = PASSWORD) -> str:
    token: str = sign_in(idp, client_id, username, password)["AuthenticationResult"]["AccessToken"]
    return token
