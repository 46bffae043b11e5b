"""A server on PostgreSQL keeps answering after PostgreSQL dropped its connections (a restart):
each call's transaction finds a dropped connection at its `BEGIN`, before anything has run, and
begins again on a new one (store/db.py), so no call fails for it."""

from __future__ import annotations

import uuid

import boto3
import pytest
import sqlalchemy as sa
from botocore.config import Config

from tests.conftest import drop_postgres_sessions, served

pytestmark = pytest.mark.postgres


def test_calls_after_postgresql_dropped_the_servers_connections(postgres_url: str) -> None:
    with served(postgres_url, "postgres") as live:
        idp = boto3.client(  # no retries: botocore would call again after a 500
            "cognito-idp",
            endpoint_url=live.url,
            region_name="us-east-1",
            aws_access_key_id="AKIDEXAMPLE",
            aws_secret_access_key="secret",
            config=Config(retries={"total_max_attempts": 1}),
        )
        pool_id = idp.create_user_pool(PoolName="restart")["UserPool"]["Id"]
        client_id = idp.create_user_pool_client(
            UserPoolId=pool_id,
            ClientName="c",
            ExplicitAuthFlows=["ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"],
        )["UserPoolClient"]["ClientId"]
        name = f"u{uuid.uuid4().hex[:8]}"
        idp.admin_create_user(UserPoolId=pool_id, Username=name, MessageAction="SUPPRESS")
        idp.admin_set_user_password(UserPoolId=pool_id, Username=name, Password="Passw0rd!x", Permanent=True)

        dropped = drop_postgres_sessions(str(sa.make_url(postgres_url).database))
        assert dropped  # the server's pooled connections, among others

        assert idp.admin_get_user(UserPoolId=pool_id, Username=name)["Username"] == name  # reads
        idp.admin_update_user_attributes(  # writes
            UserPoolId=pool_id, Username=name, UserAttributes=[{"Name": "name", "Value": "After"}]
        )
        signed_in = idp.initiate_auth(
            ClientId=client_id,
            AuthFlow="USER_PASSWORD_AUTH",
            AuthParameters={"USERNAME": name, "PASSWORD": "Passw0rd!x"},
        )
        assert "IdToken" in signed_in["AuthenticationResult"]
        found = idp.admin_get_user(UserPoolId=pool_id, Username=name)["UserAttributes"]
        assert {"Name": "name", "Value": "After"} in found
