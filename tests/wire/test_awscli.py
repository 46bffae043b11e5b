"""The AWS CLI (v1, from the venv) against the server: the sign-up, sign-in, password, invitation,
group and sign-out journey, with --endpoint-url and with AWS_ENDPOINT_URL_COGNITO_IDENTITY_PROVIDER."""

from __future__ import annotations

import json
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jwt
import pytest

from tests.conftest import Running
from tests.wire.helpers import FLOWS, PASSWORD, secret_hash

AWS = Path(sys.executable).parent / "aws"


@dataclass
class Aws:
    """`aws cognito-idp ...` with nothing from the machine's AWS configuration."""

    running: Running
    home: Path

    def env(self, **extra: str) -> dict[str, str]:
        empty = self.home / "empty"
        empty.touch()
        return {
            "PATH": str(AWS.parent),
            "HOME": str(self.home),
            "AWS_ACCESS_KEY_ID": "AKIDEXAMPLE",
            "AWS_SECRET_ACCESS_KEY": "secret",
            "AWS_CONFIG_FILE": str(empty),
            "AWS_SHARED_CREDENTIALS_FILE": str(empty),
            **extra,
        }

    def invoke(self, *args: str, endpoint: bool = True, **env: str) -> subprocess.CompletedProcess[str]:
        command = [str(AWS), "cognito-idp", *args, "--region", "us-east-1", "--output", "json"]
        if endpoint:
            command += ["--endpoint-url", self.running.url]
        return subprocess.run(
            command, capture_output=True, text=True, timeout=60, env=self.env(**env), check=False
        )

    def __call__(self, *args: str) -> dict[str, Any]:
        done = self.invoke(*args)
        assert done.returncode == 0, done.stderr
        found: dict[str, Any] = json.loads(done.stdout) if done.stdout.strip() else {}
        return found

    def fails(self, *args: str) -> str:
        done = self.invoke(*args)
        assert done.returncode != 0, done.stdout
        return done.stderr.strip()


@dataclass
class App:
    pool_id: str
    client_id: str
    secret: str

    def secret_hash(self, username: str) -> str:
        return secret_hash(self.secret, username, self.client_id)

    def auth(self, username: str, password: str) -> str:
        return as_json(USERNAME=username, PASSWORD=password, SECRET_HASH=self.secret_hash(username))


def as_json(**values: str) -> str:
    return json.dumps(values)


def claims_of(token: str) -> dict[str, Any]:
    found: dict[str, Any] = jwt.decode(token, options={"verify_signature": False})
    return found


@pytest.fixture
def aws(running: Running, tmp_path: Path) -> Aws:
    if running.engine_name != "sqlite":
        pytest.skip("the AWS CLI journey runs once, on SQLite")
    return Aws(running, tmp_path)


@pytest.fixture
def app(aws: Aws) -> App:
    pool = aws("create-user-pool", "--pool-name", "cli", "--auto-verified-attributes", "email")
    pool_id = pool["UserPool"]["Id"]
    client = aws(
        "create-user-pool-client",
        *("--user-pool-id", pool_id, "--client-name", "cli-app", "--generate-secret"),
        *("--explicit-auth-flows", *FLOWS),
    )["UserPoolClient"]
    assert client["ClientSecret"]
    return App(pool_id, client["ClientId"], client["ClientSecret"])


def sign_in(aws: Aws, app: App, username: str, password: str) -> dict[str, Any]:
    reply = aws(
        "initiate-auth",
        *("--client-id", app.client_id, "--auth-flow", "USER_PASSWORD_AUTH"),
        *("--auth-parameters", app.auth(username, password)),
    )
    result: dict[str, Any] = reply["AuthenticationResult"]
    return result


def sign_up_and_confirm(aws: Aws, app: App, running: Running, username: str, email: str) -> None:
    reply = aws(
        "sign-up",
        *("--client-id", app.client_id, "--secret-hash", app.secret_hash(username)),
        *("--username", username, "--password", PASSWORD),
        *("--user-attributes", f"Name=email,Value={email}"),
    )
    assert reply["UserConfirmed"] is False
    assert reply["CodeDeliveryDetails"]["DeliveryMedium"] == "EMAIL"
    aws(
        "confirm-sign-up",
        *("--client-id", app.client_id, "--secret-hash", app.secret_hash(username)),
        *("--username", username, "--confirmation-code", running.last_code(email)),
    )


def test_sign_up_passwords_and_sign_out(aws: Aws, app: App, running: Running) -> None:
    sign_up_and_confirm(aws, app, running, "erin", "erin@example.com")
    tokens = sign_in(aws, app, "erin", PASSWORD)
    me = aws("get-user", "--access-token", tokens["AccessToken"])
    assert me["Username"] == "erin"
    assert {"Name": "email", "Value": "erin@example.com"} in me["UserAttributes"]

    changed = "Changed-Horse-2"
    aws(
        "change-password",
        *("--previous-password", PASSWORD, "--proposed-password", changed),
        *("--access-token", tokens["AccessToken"]),
    )
    forgot = aws(
        "forgot-password",
        *("--client-id", app.client_id, "--secret-hash", app.secret_hash("erin"), "--username", "erin"),
    )
    assert forgot["CodeDeliveryDetails"]["Destination"] == "e***@e***.com"
    final = "Final-Horse-3"
    aws(
        "confirm-forgot-password",
        *("--client-id", app.client_id, "--secret-hash", app.secret_hash("erin"), "--username", "erin"),
        *("--confirmation-code", running.last_code("erin@example.com"), "--password", final),
    )
    assert "Incorrect username or password." in aws.fails(
        "initiate-auth",
        *("--client-id", app.client_id, "--auth-flow", "USER_PASSWORD_AUTH"),
        *("--auth-parameters", app.auth("erin", changed)),
    )
    fresh = sign_in(aws, app, "erin", final)

    aws("global-sign-out", "--access-token", fresh["AccessToken"])
    refresh = as_json(REFRESH_TOKEN=fresh["RefreshToken"], SECRET_HASH=app.secret_hash("erin"))
    error = aws.fails(
        "initiate-auth",
        *("--client-id", app.client_id, "--auth-flow", "REFRESH_TOKEN_AUTH"),
        *("--auth-parameters", refresh),
    )
    assert "(NotAuthorizedException) when calling the InitiateAuth operation" in error


def test_invited_user_sets_a_password_and_joins_a_group(aws: Aws, app: App) -> None:
    aws(
        "admin-create-user",
        *("--user-pool-id", app.pool_id, "--username", "frank"),
        *("--user-attributes", "Name=email,Value=frank@example.com", "Name=email_verified,Value=true"),
        *("--temporary-password", "Temp-Horse-9", "--message-action", "SUPPRESS"),
    )
    challenge = aws(
        "initiate-auth",
        *("--client-id", app.client_id, "--auth-flow", "USER_PASSWORD_AUTH"),
        *("--auth-parameters", app.auth("frank", "Temp-Horse-9")),
    )
    assert challenge["ChallengeName"] == "NEW_PASSWORD_REQUIRED"
    answer = as_json(USERNAME="frank", NEW_PASSWORD=PASSWORD, SECRET_HASH=app.secret_hash("frank"))
    done = aws(
        "respond-to-auth-challenge",
        *("--client-id", app.client_id, "--challenge-name", "NEW_PASSWORD_REQUIRED"),
        *("--session", challenge["Session"], "--challenge-responses", answer),
    )
    assert "AccessToken" in done["AuthenticationResult"]

    aws("create-group", "--user-pool-id", app.pool_id, "--group-name", "editors")
    aws(
        "admin-add-user-to-group",
        *("--user-pool-id", app.pool_id, "--username", "frank", "--group-name", "editors"),
    )
    tokens = sign_in(aws, app, "frank", PASSWORD)
    assert claims_of(tokens["IdToken"])["cognito:groups"] == ["editors"]


def test_endpoint_from_the_environment(aws: Aws, running: Running) -> None:
    pool_id = running.client().create_user_pool(PoolName="by-env")["UserPool"]["Id"]
    done = aws.invoke(
        "list-user-pools",
        "--max-results",
        "60",
        endpoint=False,
        AWS_ENDPOINT_URL_COGNITO_IDENTITY_PROVIDER=running.url,
    )
    assert done.returncode == 0, done.stderr
    assert pool_id in [p["Id"] for p in json.loads(done.stdout)["UserPools"]]
