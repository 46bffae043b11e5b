"""ListUsers through boto3: filters, AttributesToGet, Limit and pagination (core spec §11.1)."""

from __future__ import annotations

from typing import Any

import pytest
from botocore.exceptions import ClientError

from tests.wire.helpers import admin_user, attr_dict, attrs, error_of, make_pool


def names(reply: dict[str, Any]) -> list[str]:
    return [u["Username"] for u in reply["Users"]]


def listed(idp: Any, pool_id: str, flt: str) -> list[str]:
    return names(idp.list_users(UserPoolId=pool_id, Filter=flt))


def people(idp: Any) -> str:
    pool_id = make_pool(idp)
    admin_user(idp, pool_id, "alice", email="Alice@Example.com", given_name="Alice", family_name="Reddy")
    admin_user(idp, pool_id, "bob", email="bob@example.com", given_name="Bob", phone_number="+13125550100")
    admin_user(idp, pool_id, "Albert", email="albert@other.org", given_name="Al", family_name="reddy")
    idp.admin_create_user(UserPoolId=pool_id, Username="carl", UserAttributes=attrs(email="carl@example.com"),
                          MessageAction="SUPPRESS")  # fmt: skip
    idp.admin_disable_user(UserPoolId=pool_id, Username="bob")
    return pool_id


def test_equality_and_prefix_filters(idp: Any) -> None:
    pool_id = people(idp)
    assert listed(idp, pool_id, 'email = "alice@example.com"') == ["alice"]
    assert listed(idp, pool_id, 'email="ALICE@EXAMPLE.COM"') == ["alice"]
    assert listed(idp, pool_id, 'family_name = "Reddy"') == ["Albert", "alice"]
    assert listed(idp, pool_id, 'given_name ^= "al"') == ["Albert", "alice"]
    # Ordered by the filtered value, then the username: "al" < "alice".
    assert listed(idp, pool_id, 'email ^= "a"') == ["Albert", "alice"]
    assert listed(idp, pool_id, 'phone_number ^= "+1312"') == ["bob"]
    assert listed(idp, pool_id, 'email ^= "zzz"') == []
    assert listed(idp, pool_id, "") == ["Albert", "alice", "bob", "carl"]


def test_username_status_and_sub_filters(idp: Any) -> None:
    pool_id = people(idp)
    assert listed(idp, pool_id, 'username = "alice"') == ["alice"]
    assert listed(idp, pool_id, 'username = "ALICE"') == []  # case-sensitive
    assert listed(idp, pool_id, 'username ^= "Al"') == ["Albert"]
    assert listed(idp, pool_id, 'status = "Disabled"') == ["bob"]
    assert listed(idp, pool_id, 'status = "disabled"') == []  # case-sensitive
    assert listed(idp, pool_id, 'status = "Enabled"') == ["Albert", "alice", "carl"]
    assert listed(idp, pool_id, 'cognito:user_status = "force_change_password"') == ["carl"]
    assert listed(idp, pool_id, 'cognito:user_status = "CONFIRMED"') == ["Albert", "alice", "bob"]
    sub = attr_dict(idp.admin_get_user(UserPoolId=pool_id, Username="carl")["UserAttributes"])["sub"]
    assert listed(idp, pool_id, f'sub = "{sub.upper()}"') == ["carl"]
    assert listed(idp, pool_id, f'sub ^= "{sub[:8]}"') == ["carl"]


def test_case_insensitive_pool_username_filter(idp: Any) -> None:
    pool_id = make_pool(idp, UsernameConfiguration={"CaseSensitive": False})
    admin_user(idp, pool_id, "Zed")
    admin_user(idp, pool_id, "zoe")
    assert listed(idp, pool_id, 'username = "Zed"') == ["Zed"]
    assert listed(idp, pool_id, 'username = "zed"') == []
    assert listed(idp, pool_id, 'username ^= "z"') == ["zoe"]


def test_filter_parse_errors(idp: Any) -> None:
    pool_id = make_pool(idp)
    bad = ["email = alice", 'email ~ "a"', 'email = "a" and name = "b"', 'locale = "en"', 'custom:x = "y"']
    for flt in bad:
        with pytest.raises(ClientError) as err:
            idp.list_users(UserPoolId=pool_id, Filter=flt)
        assert error_of(err) == ("InvalidParameterException", "Error while parsing filter."), flt


def test_attributes_to_get(idp: Any) -> None:
    pool_id = people(idp)
    reply = idp.list_users(UserPoolId=pool_id, Filter='username = "alice"', AttributesToGet=["email", "name"])
    assert reply["Users"][0]["Attributes"] == [{"Name": "email", "Value": "Alice@Example.com"}]
    reply = idp.list_users(UserPoolId=pool_id, Filter='username = "alice"', AttributesToGet=[])
    assert "Attributes" not in reply["Users"][0]
    assert set(reply["Users"][0]) >= {"Username", "UserCreateDate", "Enabled", "UserStatus"}
    with pytest.raises(ClientError) as err:
        idp.list_users(UserPoolId=pool_id, AttributesToGet=["sub"])
    assert error_of(err) == ("InvalidParameterException", "Input fails to satisfy the constraints.")


def test_limit_and_tokens(idp: Any) -> None:
    pool_id = people(idp)
    with pytest.raises(ClientError) as err:
        idp.list_users(UserPoolId=pool_id, Limit=100)
    assert error_of(err) == (
        "InvalidParameterException",
        "1 validation error detected: Value '100' at 'limit' failed to satisfy constraint: "
        "Member must have value less than or equal to 60",
    )
    first = idp.list_users(UserPoolId=pool_id, Limit=2)
    assert names(first) == ["Albert", "alice"]
    rest = idp.list_users(UserPoolId=pool_id, Limit=2, PaginationToken=first["PaginationToken"])
    assert names(rest) == ["bob", "carl"]
    assert "PaginationToken" not in rest
    for token in ("garbage", first["PaginationToken"][:-3] + "xyz"):
        with pytest.raises(ClientError) as err:
            idp.list_users(UserPoolId=pool_id, PaginationToken=token)
        assert error_of(err) == ("InvalidParameterException", "Invalid pagination token.")
    # A token belongs to its filter and its pool.
    with pytest.raises(ClientError) as err:
        idp.list_users(UserPoolId=pool_id, Filter='email ^= "a"', PaginationToken=first["PaginationToken"])
    assert error_of(err) == ("InvalidParameterException", "Invalid pagination token.")
    other = make_pool(idp)
    with pytest.raises(ClientError) as err:
        idp.list_users(UserPoolId=other, PaginationToken=first["PaginationToken"])
    assert error_of(err) == ("InvalidParameterException", "Invalid pagination token.")


def walk(idp: Any, pool_id: str, **params: Any) -> list[str]:
    seen: list[str] = []
    token: str | None = None
    while True:
        page = idp.list_users(UserPoolId=pool_id, **params, **({"PaginationToken": token} if token else {}))
        assert len(page["Users"]) <= (params.get("Limit") or 60)
        seen += names(page)
        token = page.get("PaginationToken")
        if not token:
            return seen


def test_pagination_walks_every_user_once(idp: Any) -> None:
    pool_id = make_pool(idp)
    created = []
    for i in range(130):
        username = f"user{i:03d}"
        # Emails repeat in groups of three, so the sort value ties across page boundaries.
        email = f"m{i // 3:02d}@example.com"
        idp.admin_create_user(
            UserPoolId=pool_id, Username=username, UserAttributes=attrs(email=email), MessageAction="SUPPRESS"
        )
        created.append(username)
    everyone = walk(idp, pool_id)
    assert everyone == sorted(created)
    assert len(idp.list_users(UserPoolId=pool_id, Limit=0)["Users"]) == 60
    by_email = walk(idp, pool_id, Filter='email ^= "m"', Limit=7)
    assert len(by_email) == len(set(by_email)) == 130
    assert by_email == sorted(created, key=lambda u: (f"m{int(u[4:]) // 3:02d}", u))
    assert walk(idp, pool_id, Filter='email = "m05@example.com"', Limit=1) == [
        "user015",
        "user016",
        "user017",
    ]
    assert len(walk(idp, pool_id, Filter='cognito:user_status = "FORCE_CHANGE_PASSWORD"', Limit=60)) == 130
    # By `sub` (unique, so ordered by it alone): each leading hex digit's users, a few a page.
    subs = {
        u["Username"]: attr_dict(u["Attributes"])["sub"]
        for tens in range(13)
        for u in idp.list_users(UserPoolId=pool_id, Filter=f'username ^= "user{tens:02d}"')["Users"]
    }
    assert sorted(subs) == sorted(created)
    for digit in "0123456789abcdef":
        wanted = sorted((sub, name) for name, sub in subs.items() if sub.startswith(digit))
        assert walk(idp, pool_id, Filter=f'sub ^= "{digit}"', Limit=3) == [name for _, name in wanted]
