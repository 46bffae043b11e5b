"""User pools through boto3 against a running server."""

from __future__ import annotations

import re
from typing import Any

import pytest
import sqlalchemy as sa
from botocore.exceptions import ClientError

from tests.conftest import Running
from userpool.store.db import transaction
from userpool.store.tables import user_attributes, users


def test_create_and_describe_pool(idp: Any) -> None:
    created = idp.create_user_pool(PoolName="shop")["UserPool"]
    assert re.fullmatch(r"us-east-1_[0-9A-Za-z]{9}", created["Id"])
    described = idp.describe_user_pool(UserPoolId=created["Id"])["UserPool"]
    assert described["Name"] == "shop"
    assert described["MfaConfiguration"] == "OFF"
    assert described["Policies"]["PasswordPolicy"]["MinimumLength"] == 8
    assert described["Arn"].endswith(f":userpool/{created['Id']}")
    names = [a["Name"] for a in described["SchemaAttributes"]]
    assert names[:3] == ["sub", "name", "given_name"]


def test_region_comes_from_the_credential_scope(running: Running) -> None:
    pool = running.client("eu-west-1").create_user_pool(PoolName="eu")["UserPool"]
    assert pool["Id"].startswith("eu-west-1_")


def test_unknown_pool(idp: Any) -> None:
    with pytest.raises(ClientError) as err:
        idp.describe_user_pool(UserPoolId="us-east-1_nothere00")
    assert err.value.response["Error"] == {
        "Code": "ResourceNotFoundException",
        "Message": "User pool us-east-1_nothere00 does not exist.",
    }
    assert err.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400


def test_list_pools_pages(idp: Any) -> None:
    for i in range(3):
        idp.create_user_pool(PoolName=f"page-{i}")
    seen: list[str] = []
    token = None
    while True:
        kwargs: dict[str, Any] = {"MaxResults": 2}
        if token:
            kwargs["NextToken"] = token
        page = idp.list_user_pools(**kwargs)
        seen += [p["Id"] for p in page["UserPools"]]
        token = page.get("NextToken")
        if not token:
            break
    assert len(seen) == len(set(seen)) >= 3


def test_deletion_protection(idp: Any) -> None:
    pool = idp.create_user_pool(PoolName="kept", DeletionProtection="ACTIVE")["UserPool"]
    with pytest.raises(ClientError) as err:
        idp.delete_user_pool(UserPoolId=pool["Id"])
    assert err.value.response["Error"]["Code"] == "InvalidParameterException"
    idp.update_user_pool(UserPoolId=pool["Id"], DeletionProtection="INACTIVE")
    idp.delete_user_pool(UserPoolId=pool["Id"])
    with pytest.raises(ClientError):
        idp.describe_user_pool(UserPoolId=pool["Id"])


def test_deleting_a_pool_leaves_none_of_its_users_rows(running: Running) -> None:
    """DeleteUserPool takes its users and their attributes along, on both engines (PostgreSQL holds
    no foreign key on attribute rows: tables.py), and leaves another pool's users alone."""
    idp = running.client()
    gone, kept = (idp.create_user_pool(PoolName=name)["UserPool"]["Id"] for name in ("gone", "kept"))
    for pool_id in (gone, kept):
        for n in range(3):
            attributes = [{"Name": "email", "Value": f"u{n}@example.com"}, {"Name": "name", "Value": "N"}]
            idp.admin_create_user(
                UserPoolId=pool_id, Username=f"u{n}", UserAttributes=attributes, MessageAction="SUPPRESS"
            )
    idp.delete_user_pool(UserPoolId=gone)
    with transaction(running.server.engine, read_only=True) as conn:
        left = {
            table.name: conn.execute(
                sa.select(table.c.pool_id, sa.func.count())
                .where(table.c.pool_id.in_([gone, kept]))
                .group_by(table.c.pool_id)
            ).all()
            for table in (users, user_attributes)
        }
    assert left == {"users": [(kept, 3)], "user_attributes": [(kept, 6)]}
    assert [u["Username"] for u in idp.list_users(UserPoolId=kept)["Users"]] == ["u0", "u1", "u2"]
