"""Access: on a loopback address no credential; elsewhere the console, the admin operations and the
outbox need the credential the server was started with (console/access.py)."""

from __future__ import annotations

import base64
import uuid
from collections.abc import Iterator
from typing import Any

import boto3
import httpx
import pytest
from botocore.exceptions import ClientError

from tests.conftest import Running, served
from tests.console.test_http import csrf_of
from userpool.console import access, guard
from userpool.settings import Settings

CREDENTIAL = "console-credential-0123"
ALL_INTERFACES = "0.0.0.0"  # noqa: S104 (only a setting: the test servers listen on 127.0.0.1)


def basic(password: str, user: str = "admin") -> dict[str, str]:
    token = base64.b64encode(f"{user}:{password}".encode()).decode()
    return {"authorization": f"Basic {token}"}


# --------------------------------------------------------------------------- the check functions


@pytest.mark.parametrize(
    ("host", "loopback"),
    [
        ("127.0.0.1", True),
        ("127.1.2.3", True),
        ("::1", True),
        ("[::1]", True),
        ("localhost", True),
        (ALL_INTERFACES, False),
        ("::", False),
        ("192.168.1.10", False),
        ("example.com", False),
    ],
)
def test_is_loopback(host: str, loopback: bool) -> None:
    assert access.is_loopback(host) is loopback


def test_no_credential_needed_on_loopback() -> None:
    settings = Settings()
    assert not access.credential_required(settings)
    assert access.allowed(settings, None)


def test_elsewhere_only_the_configured_credential_passes() -> None:
    settings = Settings(bind_host=ALL_INTERFACES, console_credential=CREDENTIAL)
    assert access.credential_required(settings)
    assert access.allowed(settings, CREDENTIAL)
    assert not access.allowed(settings, None)
    assert not access.allowed(settings, CREDENTIAL + "x")
    assert not access.allowed(settings, "")


def test_elsewhere_without_a_configured_credential_nobody_passes() -> None:
    settings = Settings(bind_host="10.0.0.5")
    assert not access.allowed(settings, None)
    assert not access.allowed(settings, "anything")


def test_the_credential_is_not_in_the_settings_repr() -> None:
    assert CREDENTIAL not in repr(Settings(console_credential=CREDENTIAL))


def test_public_operations_are_the_models_no_auth_ones() -> None:
    assert guard.is_public_operation("InitiateAuth")
    assert guard.is_public_operation("SignUp")
    assert not guard.is_public_operation("AdminCreateUser")
    assert not guard.is_public_operation("CreateUserPool")
    assert not guard.is_public_operation("")
    assert not guard.is_public_operation("NoSuchOperation")


def test_header_parsing() -> None:
    signed = "AWS4-HMAC-SHA256 Credential=KEY123/20260101/us-east-1/cognito-idp/aws4_request, Signature=x"
    assert access.access_key_id(signed) == "KEY123"
    assert access.access_key_id("") is None
    assert access.basic_password(basic("p:w")["authorization"]) == "p:w"
    assert access.basic_password("Basic !!!") is None
    assert access.basic_password("Bearer abc") is None
    assert access.bearer_or_basic("Bearer abc") == "abc"


# --------------------------------------------------------------------------- a server bound elsewhere


@pytest.fixture(scope="module")
def exposed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Running]:
    """A server whose settings say it listens on 0.0.0.0 (it really listens on 127.0.0.1)."""
    url = f"sqlite:///{tmp_path_factory.mktemp('exposed') / 'userpool.db'}"
    with served(url, "sqlite", bind_host=ALL_INTERFACES, console_credential=CREDENTIAL) as live:
        yield live


def client(running: Running, key: str) -> Any:
    return boto3.client(
        "cognito-idp",
        endpoint_url=running.url,
        region_name="us-east-1",
        aws_access_key_id=key,
        aws_secret_access_key="unused",
    )


def test_admin_operations_need_the_credential(exposed: Running) -> None:
    with pytest.raises(ClientError) as err:
        client(exposed, "AKIDEXAMPLE").create_user_pool(PoolName="nope")
    assert err.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400
    assert err.value.response["Error"]["Code"] == "NotAuthorizedException"
    assert err.value.response["Error"]["Message"] == guard.API_REFUSAL
    # The envelope of every other error (core spec §1.3): its headers and a request id of its own.
    meta = err.value.response["ResponseMetadata"]
    assert meta["HTTPHeaders"]["content-type"] == "application/x-amz-json-1.1"
    assert meta["HTTPHeaders"]["x-amzn-errortype"] == "NotAuthorizedException:"
    assert meta["HTTPHeaders"]["x-amzn-errormessage"] == guard.API_REFUSAL
    assert str(uuid.UUID(meta["RequestId"])) == meta["RequestId"]
    pool = client(exposed, CREDENTIAL).create_user_pool(PoolName="yes")["UserPool"]
    assert pool["Name"] == "yes"


def test_public_operations_stay_open(exposed: Running) -> None:
    with pytest.raises(ClientError) as err:
        client(exposed, "AKIDEXAMPLE").initiate_auth(
            ClientId="1example23456789", AuthFlow="USER_PASSWORD_AUTH", AuthParameters={"USERNAME": "a"}
        )
    assert err.value.response["Error"]["Code"] == "ResourceNotFoundException"  # reached the operation


def test_the_outbox_needs_the_credential(exposed: Running) -> None:
    url = f"{exposed.url}/_userpool/messages"
    assert httpx.get(url).status_code == 401
    assert httpx.get(url, headers=basic("wrong")).status_code == 401
    assert httpx.get(url, headers=basic(CREDENTIAL)).status_code == 200
    assert httpx.get(url, headers={"authorization": f"Bearer {CREDENTIAL}"}).status_code == 200
    assert httpx.get(f"{exposed.url}/_userpool/health").status_code == 200


def test_the_console_asks_for_a_login(exposed: Running) -> None:
    reply = httpx.get(f"{exposed.url}/console/pools/x/users")
    assert reply.status_code == 303
    assert reply.headers["location"] == "/console/login?next=%2Fconsole%2Fpools%2Fx%2Fusers"
    assert httpx.post(f"{exposed.url}/console/pools", data={"PoolName": "x"}).status_code == 401


def test_the_login_form(exposed: Running) -> None:
    with httpx.Client(base_url=exposed.url) as browser:
        token = csrf_of(browser.get("/console/login").text)
        wrong = browser.post(
            "/console/login", data={"csrf": token, "credential": "nope", "next": "/console/"}
        )
        assert wrong.status_code == 401
        assert "not the console credential" in wrong.text
        right = browser.post(
            "/console/login", data={"csrf": token, "credential": CREDENTIAL, "next": "https://evil.example/"}
        )
        assert right.status_code == 303
        assert right.headers["location"] == "/console/"  # never an outside URL
        assert browser.get("/console/").status_code == 200
        token = csrf_of(browser.get("/console/").text)
        assert browser.post("/console/logout", data={"csrf": token}).status_code == 303
        assert browser.get("/console/").status_code == 303


def test_the_login_form_needs_its_csrf_token(exposed: Running) -> None:
    with httpx.Client(base_url=exposed.url) as browser:
        browser.get("/console/login")
        reply = browser.post("/console/login", data={"credential": CREDENTIAL})
        assert reply.status_code == 403


def test_http_basic_works_for_the_console(exposed: Running) -> None:
    assert httpx.get(f"{exposed.url}/console/", headers=basic(CREDENTIAL)).status_code == 200
    assert httpx.get(f"{exposed.url}/console/", headers=basic("wrong")).status_code == 303


def test_startup_refuses_an_exposed_server_without_a_credential(
    capsys: pytest.CaptureFixture[str], tmp_path: Any
) -> None:
    from userpool.cli import main

    assert access.startup_problem("127.0.0.1", None) is None
    assert access.startup_problem(ALL_INTERFACES, CREDENTIAL) is None
    assert access.startup_problem("127.0.0.1", "short") is not None
    db = f"sqlite:///{tmp_path / 'cli.db'}"
    assert main(["serve", "--host", ALL_INTERFACES, "--db", db]) == 2
    assert "--console-credential" in capsys.readouterr().err
