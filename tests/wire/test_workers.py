"""`userpool serve --workers N`: several server processes on one port and one database, as the
benchmark runs it (bench/run.py). Every call is answered whichever worker takes it, and writes
from many clients at once all land (SQLite's writers queue on the database's lock)."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import boto3
from botocore.config import Config

from tests.wire.helpers import PASSWORD
from tests.wire.test_process import Launcher, launch  # noqa: F401  (the fixture)


def _client(url: str) -> Any:
    return boto3.client(
        "cognito-idp",
        endpoint_url=url,
        region_name="us-east-1",
        aws_access_key_id="AKIDEXAMPLE",
        aws_secret_access_key="secret",
        config=Config(max_pool_connections=8),
    )


def test_two_workers_share_one_sqlite_database(launch: Launcher, tmp_path: Path) -> None:  # noqa: F811
    server = launch(f"sqlite:///{tmp_path / 'workers.db'}", "--workers", "2")
    idp = _client(server.url)
    pool_id = idp.create_user_pool(PoolName="workers")["UserPool"]["Id"]
    client_id = idp.create_user_pool_client(
        UserPoolId=pool_id, ClientName="app", ExplicitAuthFlows=["ALLOW_USER_PASSWORD_AUTH"]
    )["UserPoolClient"]["ClientId"]

    def create(number: int) -> str:
        name = f"user{number:03d}"
        idp.admin_create_user(UserPoolId=pool_id, Username=name, MessageAction="SUPPRESS")
        idp.admin_set_user_password(UserPoolId=pool_id, Username=name, Password=PASSWORD, Permanent=True)
        return name

    with ThreadPoolExecutor(max_workers=6) as threads:
        names = list(threads.map(create, range(30)))

    listed = idp.list_users(UserPoolId=pool_id, Limit=60)["Users"]
    assert sorted(user["Username"] for user in listed) == names
    for name in names[:5]:  # a new connection each time: either worker may answer
        fresh = _client(server.url)
        result = fresh.initiate_auth(
            ClientId=client_id,
            AuthFlow="USER_PASSWORD_AUTH",
            AuthParameters={"USERNAME": name, "PASSWORD": PASSWORD},
        )["AuthenticationResult"]
        assert fresh.get_user(AccessToken=result["AccessToken"])["Username"] == name
    assert server.stop() in (0, -15)
