"""AdminCreateUser runs as a reader first and inserts the new user (and its invitation) in a
writing transaction right after (`dispatch.READS_FIRST`, `Context.write_after_reading`), so SQLite's one
writer is held for the inserts alone; where a check must hold until the insert (an alias another
user may take meanwhile) the call runs as a writer (`Context.require_writer`), and a username
taken between the read and the insert is the database's unique key's to refuse. Through boto3
against the server in this process: the statements each writing transaction ran are recorded."""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx
import pytest
from botocore.exceptions import ClientError

from tests.conftest import Running
from tests.wire.helpers import PASSWORD, attrs, error_of, fails, make_pool
from userpool.api import dispatch
from userpool.store import db


def test_a_plain_create_holds_the_writer_for_its_inserts_alone(idp: Any, written: list[str]) -> None:
    pool_id = make_pool(idp)
    written.clear()
    idp.admin_create_user(
        UserPoolId=pool_id,
        Username="plain",
        TemporaryPassword=PASSWORD,
        MessageAction="SUPPRESS",
        UserAttributes=attrs(email="plain@example.com", email_verified="true"),
    )
    # email and email_verified; `sub` is the users row's own (store/users.py `stored_attributes`)
    assert written == ["INSERT users"] + ["INSERT user_attributes"] * 2
    got = idp.admin_get_user(UserPoolId=pool_id, Username="plain")
    assert got["UserStatus"] == "FORCE_CHANGE_PASSWORD"
    assert {"Name": "email", "Value": "plain@example.com"} in got["UserAttributes"]


def test_an_invitation_is_inserted_with_the_user(running: Running, idp: Any, written: list[str]) -> None:
    pool_id = make_pool(idp)
    written.clear()
    idp.admin_create_user(
        UserPoolId=pool_id,
        Username="invited",
        DesiredDeliveryMediums=["EMAIL"],
        UserAttributes=attrs(email="invited@example.com"),
    )
    assert written == ["INSERT users", "INSERT user_attributes", "INSERT messages"]  # email
    found = httpx.get(f"{running.url}/_userpool/messages", params={"to": "invited@example.com"}).json()
    assert len(found["messages"]) == 1
    assert found["messages"][0]["purpose"] == "invitation"


def test_an_alias_is_checked_inside_the_writer(idp: Any, written: list[str]) -> None:
    pool_id = make_pool(idp, AliasAttributes=["email"])
    given = attrs(email="shared@example.com", email_verified="true")
    idp.admin_create_user(
        UserPoolId=pool_id, Username="first", MessageAction="SUPPRESS", UserAttributes=given
    )
    written.clear()
    code, message = fails(
        idp.admin_create_user,
        UserPoolId=pool_id,
        Username="second",
        MessageAction="SUPPRESS",
        UserAttributes=given,
    )
    assert (code, message) == ("AliasExistsException", "An account with the given email already exists.")
    assert "SELECT" in written  # the alias check ran in the writer
    assert not [statement for statement in written if statement.startswith("INSERT")]
    with pytest.raises(ClientError) as err:
        idp.admin_get_user(UserPoolId=pool_id, Username="second")
    assert error_of(err)[0] == "UserNotFoundException"


def test_one_of_many_concurrent_creates_of_a_username_wins(running: Running) -> None:
    """Each request has its own client (boto3 clients are not shared between threads); whichever
    reads first, the unique key lets one insert through and the others get Cognito's answer."""
    idp = running.client()
    pool_id = make_pool(idp)

    def create(n: int) -> str:
        own = running.client()
        try:
            own.admin_create_user(
                UserPoolId=pool_id,
                Username="Contended",
                MessageAction="SUPPRESS",
                UserAttributes=attrs(email=f"c{n}@example.com"),
            )
        except ClientError as err:
            return f"{err.response['Error']['Code']}:{err.response['Error']['Message']}"
        return "created"

    with ThreadPoolExecutor(8) as pool:
        outcomes = list(pool.map(create, range(8)))
    assert outcomes.count("created") == 1
    assert outcomes.count("UsernameExistsException:User account already exists") == 7
    listed = idp.list_users(UserPoolId=pool_id)["Users"]
    assert [user["Username"] for user in listed] == ["Contended"]


def test_a_username_taken_between_the_read_and_the_insert_is_refused(
    running: Running, idp: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The race made certain: right after the reading run found `Raced` free, and before its
    insert, another AdminCreateUser of `Raced` commits. The unique key refuses the insert, the
    call runs again as a writer and answers as Cognito does; the other user is kept unchanged."""
    if db.is_postgres(running.server.engine):
        pytest.skip("on PostgreSQL AdminCreateUser runs as a writer from the start")
    pool_id = make_pool(idp)
    real = dispatch._write_after_reading
    interloper = json.dumps(
        {
            "UserPoolId": pool_id,
            "Username": "Raced",
            "MessageAction": "SUPPRESS",
            "UserAttributes": attrs(email="first@example.com"),
        }
    ).encode()

    def racing(server: dispatch.Server, *args: Any) -> None:
        monkeypatch.setattr(dispatch, "_write_after_reading", real)  # once
        assert dispatch.invoke(server, "AdminCreateUser", interloper, region=None).status == 200
        real(server, *args)

    monkeypatch.setattr(dispatch, "_write_after_reading", racing)
    code, message = fails(
        idp.admin_create_user,
        UserPoolId=pool_id,
        Username="Raced",
        MessageAction="SUPPRESS",
        UserAttributes=attrs(email="second@example.com"),
    )
    assert (code, message) == ("UsernameExistsException", "User account already exists")
    got = idp.admin_get_user(UserPoolId=pool_id, Username="Raced")
    assert {"Name": "email", "Value": "first@example.com"} in got["UserAttributes"]
    assert len(idp.list_users(UserPoolId=pool_id)["Users"]) == 1
