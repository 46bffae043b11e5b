"""Groups and memberships through boto3, and group claims in tokens (core spec §11.2, §4.4)."""

from __future__ import annotations

from typing import Any

import jwt

from tests.wire.helpers import PASSWORD, fails

ROLE = "arn:aws:iam::123456789012:role/{}"
GROUP_NOT_FOUND = ("ResourceNotFoundException", "Group not found.")
USER_NOT_FOUND = ("UserNotFoundException", "User does not exist.")
BAD_TOKEN = ("InvalidParameterException", "Invalid pagination token.")


def make_pool(idp: Any) -> str:
    pool_id: str = idp.create_user_pool(PoolName="groups")["UserPool"]["Id"]
    return pool_id


def make_group(idp: Any, pool_id: str, name: str, **options: Any) -> dict[str, Any]:
    group: dict[str, Any] = idp.create_group(UserPoolId=pool_id, GroupName=name, **options)["Group"]
    return group


def make_user(idp: Any, pool_id: str, username: str) -> None:
    idp.admin_create_user(
        UserPoolId=pool_id,
        Username=username,
        UserAttributes=[{"Name": "email", "Value": f"{username}@example.com"}],
        MessageAction="SUPPRESS",
    )
    idp.admin_set_user_password(UserPoolId=pool_id, Username=username, Password=PASSWORD, Permanent=True)


def add(idp: Any, pool_id: str, username: str, *groups: str) -> None:
    for name in groups:
        idp.admin_add_user_to_group(UserPoolId=pool_id, Username=username, GroupName=name)


def names(groups: list[dict[str, Any]]) -> list[str]:
    return [g["GroupName"] for g in groups]


def collect(method: Any, key: str, limit: int, **kwargs: Any) -> list[dict[str, Any]]:
    """Every item of a paged list operation, checking each page's size."""
    seen: list[dict[str, Any]] = []
    while True:
        page = method(Limit=limit, **kwargs)
        assert len(page[key]) <= limit
        seen += page[key]
        if "NextToken" not in page:
            return seen
        kwargs["NextToken"] = page["NextToken"]


def test_create_and_get(idp: Any) -> None:
    pool_id = make_pool(idp)
    created = make_group(
        idp, pool_id, "admins", Description="The admins", RoleArn=ROLE.format("a"), Precedence=1
    )
    assert created["GroupName"] == "admins"
    assert created["UserPoolId"] == pool_id
    assert (created["Description"], created["RoleArn"], created["Precedence"]) == (
        "The admins",
        ROLE.format("a"),
        1,
    )
    assert created["CreationDate"] == created["LastModifiedDate"]
    assert idp.get_group(UserPoolId=pool_id, GroupName="admins")["Group"] == created
    bare = make_group(idp, pool_id, "bare")
    assert set(bare) == {"GroupName", "UserPoolId", "CreationDate", "LastModifiedDate"}


def test_duplicate_group(idp: Any) -> None:
    pool_id = make_pool(idp)
    make_group(idp, pool_id, "dup")
    assert fails(idp.create_group, UserPoolId=pool_id, GroupName="dup") == (
        "GroupExistsException",
        "A group with the name already exists.",
    )
    # Names are per pool.
    make_group(idp, make_pool(idp), "dup")


def test_update_changes_only_given_fields(idp: Any, clock: Any) -> None:
    pool_id = make_pool(idp)
    created = make_group(idp, pool_id, "ops", Description="first", RoleArn=ROLE.format("ops"), Precedence=5)
    clock.advance(10)
    updated = idp.update_group(UserPoolId=pool_id, GroupName="ops", Precedence=2)["Group"]
    assert (updated["Description"], updated["RoleArn"], updated["Precedence"]) == (
        "first",
        ROLE.format("ops"),
        2,
    )
    assert updated["CreationDate"] == created["CreationDate"]
    assert updated["LastModifiedDate"] > created["LastModifiedDate"]
    idp.update_group(UserPoolId=pool_id, GroupName="ops", Description="second")
    got = idp.get_group(UserPoolId=pool_id, GroupName="ops")["Group"]
    assert (got["Description"], got["RoleArn"], got["Precedence"]) == ("second", ROLE.format("ops"), 2)


def test_delete(idp: Any) -> None:
    pool_id = make_pool(idp)
    make_group(idp, pool_id, "gone")
    idp.delete_group(UserPoolId=pool_id, GroupName="gone")
    assert fails(idp.get_group, UserPoolId=pool_id, GroupName="gone") == GROUP_NOT_FOUND
    make_group(idp, pool_id, "gone")  # the name is free again


def test_unknown_group(idp: Any) -> None:
    pool_id = make_pool(idp)
    for method in (idp.get_group, idp.update_group, idp.delete_group, idp.list_users_in_group):
        assert fails(method, UserPoolId=pool_id, GroupName="nope") == GROUP_NOT_FOUND
    for method in (idp.admin_add_user_to_group, idp.admin_remove_user_from_group):
        assert fails(method, UserPoolId=pool_id, GroupName="nope", Username="bob") == GROUP_NOT_FOUND


def test_unknown_pool(idp: Any) -> None:
    missing = "us-east-1_nothere00"
    expected = ("ResourceNotFoundException", f"User pool {missing} does not exist.")
    for method in (
        idp.create_group,
        idp.get_group,
        idp.update_group,
        idp.delete_group,
        idp.list_users_in_group,
    ):
        assert fails(method, UserPoolId=missing, GroupName="g") == expected
    assert fails(idp.list_groups, UserPoolId=missing) == expected
    assert fails(idp.admin_list_groups_for_user, UserPoolId=missing, Username="bob") == expected
    for method in (idp.admin_add_user_to_group, idp.admin_remove_user_from_group):
        assert fails(method, UserPoolId=missing, GroupName="g", Username="bob") == expected


def test_unknown_user(idp: Any) -> None:
    pool_id = make_pool(idp)
    make_group(idp, pool_id, "g")
    for method in (idp.admin_add_user_to_group, idp.admin_remove_user_from_group):
        assert fails(method, UserPoolId=pool_id, GroupName="g", Username="nobody") == USER_NOT_FOUND
    assert fails(idp.admin_list_groups_for_user, UserPoolId=pool_id, Username="nobody") == USER_NOT_FOUND


def test_list_groups_pages(idp: Any) -> None:
    pool_id = make_pool(idp)
    make_group(idp, make_pool(idp), "elsewhere")
    for name in ("e", "c", "a", "d", "b"):
        make_group(idp, pool_id, name)
    assert names(collect(idp.list_groups, "Groups", 2, UserPoolId=pool_id)) == ["a", "b", "c", "d", "e"]
    everything = idp.list_groups(UserPoolId=pool_id, Limit=0)  # 0 means the maximum, 60
    assert names(everything["Groups"]) == ["a", "b", "c", "d", "e"]
    assert "NextToken" not in everything
    assert "NextToken" not in idp.list_groups(UserPoolId=pool_id)
    first = idp.list_groups(UserPoolId=pool_id, Limit=5)
    assert "NextToken" not in first


def test_list_groups_bad_tokens(idp: Any) -> None:
    pool_id = make_pool(idp)
    other = make_pool(idp)
    for name in ("a", "b", "c"):
        make_group(idp, pool_id, name)
        make_group(idp, other, name)
    foreign = idp.list_groups(UserPoolId=other, Limit=1)["NextToken"]
    for bad in ("garbage!", "e30=", foreign):
        assert fails(idp.list_groups, UserPoolId=pool_id, Limit=1, NextToken=bad) == BAD_TOKEN
    assert fails(idp.list_groups, UserPoolId=pool_id, Limit=61) == (
        "InvalidParameterException",
        "1 validation error detected: Value '61' at 'limit' failed to satisfy constraint: "
        "Member must have value less than or equal to 60",
    )


def test_membership(idp: Any) -> None:
    pool_id = make_pool(idp)
    for name in ("red", "green", "blue"):
        make_group(idp, pool_id, name)
    for username in ("carol", "alice", "bob"):
        make_user(idp, pool_id, username)
    add(idp, pool_id, "alice", "red", "green", "blue")
    add(idp, pool_id, "alice", "red")  # idempotent
    add(idp, pool_id, "bob", "red")
    add(idp, pool_id, "carol", "red")
    groups = collect(idp.admin_list_groups_for_user, "Groups", 2, UserPoolId=pool_id, Username="alice")
    assert names(groups) == ["blue", "green", "red"]
    assert all(g["UserPoolId"] == pool_id for g in groups)
    users = collect(idp.list_users_in_group, "Users", 2, UserPoolId=pool_id, GroupName="red")
    assert [u["Username"] for u in users] == ["alice", "bob", "carol"]
    assert users[0]["UserStatus"] == "CONFIRMED"
    assert users[0]["Enabled"] is True
    assert {"Name": "email", "Value": "alice@example.com"} in users[0]["Attributes"]
    idp.admin_remove_user_from_group(UserPoolId=pool_id, Username="alice", GroupName="red")
    idp.admin_remove_user_from_group(UserPoolId=pool_id, Username="alice", GroupName="red")  # no error
    assert names(idp.admin_list_groups_for_user(UserPoolId=pool_id, Username="alice")["Groups"]) == [
        "blue",
        "green",
    ]
    in_red = idp.list_users_in_group(UserPoolId=pool_id, GroupName="red")["Users"]
    assert [u["Username"] for u in in_red] == ["bob", "carol"]


def test_deleting_a_group_ends_its_memberships(idp: Any) -> None:
    pool_id = make_pool(idp)
    make_group(idp, pool_id, "temp")
    make_user(idp, pool_id, "dave")
    add(idp, pool_id, "dave", "temp")
    idp.delete_group(UserPoolId=pool_id, GroupName="temp")
    make_group(idp, pool_id, "temp")
    assert idp.list_users_in_group(UserPoolId=pool_id, GroupName="temp")["Users"] == []
    assert idp.admin_list_groups_for_user(UserPoolId=pool_id, Username="dave")["Groups"] == []


def test_membership_tokens_are_tied_to_the_request(idp: Any) -> None:
    pool_id = make_pool(idp)
    for name in ("a", "b", "c"):
        make_group(idp, pool_id, name)
    for username in ("erin", "frank"):
        make_user(idp, pool_id, username)
        add(idp, pool_id, username, "a", "b", "c")
    token = idp.admin_list_groups_for_user(UserPoolId=pool_id, Username="erin", Limit=1)["NextToken"]
    assert fails(idp.admin_list_groups_for_user, UserPoolId=pool_id, Username="frank", NextToken=token) == (
        BAD_TOKEN
    )
    assert fails(idp.list_groups, UserPoolId=pool_id, NextToken=token) == BAD_TOKEN
    token = idp.list_users_in_group(UserPoolId=pool_id, GroupName="a", Limit=1)["NextToken"]
    assert fails(idp.list_users_in_group, UserPoolId=pool_id, GroupName="b", NextToken=token) == BAD_TOKEN


def test_groups_in_tokens(idp: Any) -> None:
    """`cognito:groups` ordered by precedence (nulls last), then name; roles (core spec §4.4, §11.2)."""
    pool_id = make_pool(idp)
    flows = ["ALLOW_USER_PASSWORD_AUTH", "ALLOW_ADMIN_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"]
    client_id = idp.create_user_pool_client(UserPoolId=pool_id, ClientName="app", ExplicitAuthFlows=flows)[
        "UserPoolClient"
    ]["ClientId"]
    make_group(idp, pool_id, "zeta", Precedence=1, RoleArn=ROLE.format("zeta"))
    make_group(idp, pool_id, "alpha", Precedence=1)
    make_group(idp, pool_id, "beta")
    make_group(idp, pool_id, "gamma", Precedence=0, RoleArn=ROLE.format("gamma"))
    make_group(idp, pool_id, "unrelated")
    make_user(idp, pool_id, "grace")
    add(idp, pool_id, "grace", "beta", "zeta", "alpha", "gamma")
    result = idp.initiate_auth(
        ClientId=client_id,
        AuthFlow="USER_PASSWORD_AUTH",
        AuthParameters={"USERNAME": "grace", "PASSWORD": PASSWORD},
    )["AuthenticationResult"]
    claims = jwt.decode(result["IdToken"], options={"verify_signature": False})
    assert claims["cognito:groups"] == ["gamma", "alpha", "zeta", "beta"]
    assert claims["cognito:roles"] == [ROLE.format("gamma"), ROLE.format("zeta")]
    assert claims["cognito:preferred_role"] == ROLE.format("gamma")
    access = jwt.decode(result["AccessToken"], options={"verify_signature": False})
    assert access["cognito:groups"] == ["gamma", "alpha", "zeta", "beta"]
