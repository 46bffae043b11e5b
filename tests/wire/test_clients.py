"""App clients through boto3: settings and defaults, secrets, auth flows, token validity,
attribute permissions, full-replace updates, listing (core spec §2, §3)."""

from __future__ import annotations

import re
from typing import Any

import pytest
from botocore.exceptions import ClientError

from tests.wire.helpers import error_of, fails, make_pool

DEFAULT_FLOWS = ["ALLOW_REFRESH_TOKEN_AUTH", "ALLOW_USER_SRP_AUTH", "ALLOW_CUSTOM_AUTH"]
INVALID_RANGE = ("InvalidParameterException", "Invalid range for token validity.")


def make_client(idp: Any, pool_id: str, name: str = "app", **options: Any) -> dict[str, Any]:
    client: dict[str, Any] = idp.create_user_pool_client(UserPoolId=pool_id, ClientName=name, **options)[
        "UserPoolClient"
    ]
    return client


def describe(idp: Any, pool_id: str, client_id: str) -> dict[str, Any]:
    client: dict[str, Any] = idp.describe_user_pool_client(UserPoolId=pool_id, ClientId=client_id)[
        "UserPoolClient"
    ]
    return client


def create_error(idp: Any, pool_id: str, **options: Any) -> tuple[str, str]:
    with pytest.raises(ClientError) as err:
        make_client(idp, pool_id, **options)
    return error_of(err)


def assert_defaults(client: dict[str, Any]) -> None:
    """core spec §3.1: what Describe shows for every setting left out."""
    assert client["ExplicitAuthFlows"] == DEFAULT_FLOWS
    assert client["PreventUserExistenceErrors"] == "LEGACY"
    assert client["EnableTokenRevocation"] is True
    assert client["EnablePropagateAdditionalUserContextData"] is False
    assert client["AllowedOAuthFlowsUserPoolClient"] is False
    assert client["AuthSessionValidity"] == 3
    assert (client["AccessTokenValidity"], client["IdTokenValidity"], client["RefreshTokenValidity"]) == (
        60,
        60,
        30,
    )
    assert client["TokenValidityUnits"] == {
        "AccessToken": "minutes",
        "IdToken": "minutes",
        "RefreshToken": "days",
    }
    assert "ReadAttributes" not in client
    assert "WriteAttributes" not in client
    assert "RefreshTokenRotation" not in client


def test_create_with_defaults(idp: Any) -> None:
    pool_id = make_pool(idp)
    created = make_client(idp, pool_id, name="web")
    assert re.fullmatch(r"[2-7][0-9a-v]{25}", created["ClientId"])
    assert created["UserPoolId"] == pool_id
    assert created["ClientName"] == "web"
    assert "ClientSecret" not in created
    assert created["CreationDate"] == created["LastModifiedDate"]
    assert_defaults(created)
    described = describe(idp, pool_id, created["ClientId"])
    assert described == created


def test_generated_secret(idp: Any) -> None:
    pool_id = make_pool(idp)
    created = make_client(idp, pool_id, GenerateSecret=True)
    secret = created["ClientSecret"]
    assert re.fullmatch(r"1[0-9a-v]{51}", secret)
    assert describe(idp, pool_id, created["ClientId"])["ClientSecret"] == secret
    other = make_client(idp, pool_id, GenerateSecret=True)
    assert other["ClientSecret"] != secret


def test_caller_supplied_secret(idp: Any) -> None:
    pool_id = make_pool(idp)
    mine = "my0own0secret0of0thirty0two0chars"
    created = make_client(idp, pool_id, ClientSecret=mine)
    assert describe(idp, pool_id, created["ClientId"])["ClientSecret"] == mine
    code, _message = create_error(idp, pool_id, GenerateSecret=True, ClientSecret=mine)
    assert code == "InvalidParameterException"


def test_settings_are_echoed(idp: Any) -> None:
    pool_id = make_pool(idp)
    created = make_client(
        idp,
        pool_id,
        ExplicitAuthFlows=["ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"],
        PreventUserExistenceErrors="ENABLED",
        EnableTokenRevocation=False,
        AuthSessionValidity=15,
        ReadAttributes=["email", "email_verified"],
        WriteAttributes=["email", "name"],
        RefreshTokenRotation={"Feature": "ENABLED", "RetryGracePeriodSeconds": 10},
    )
    described = describe(idp, pool_id, created["ClientId"])
    assert described["ExplicitAuthFlows"] == ["ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"]
    assert described["PreventUserExistenceErrors"] == "ENABLED"
    assert described["EnableTokenRevocation"] is False
    assert described["AuthSessionValidity"] == 15
    assert described["ReadAttributes"] == ["email", "email_verified"]
    assert described["WriteAttributes"] == ["email", "name"]
    assert described["RefreshTokenRotation"] == {"Feature": "ENABLED", "RetryGracePeriodSeconds": 10}


def test_legacy_flows_alone_are_kept(idp: Any) -> None:
    pool_id = make_pool(idp)
    created = make_client(idp, pool_id, ExplicitAuthFlows=["ADMIN_NO_SRP_AUTH", "USER_PASSWORD_AUTH"])
    assert created["ExplicitAuthFlows"] == ["ADMIN_NO_SRP_AUTH", "USER_PASSWORD_AUTH"]


def test_legacy_and_new_flows_cannot_mix(idp: Any) -> None:
    pool_id = make_pool(idp)
    assert create_error(idp, pool_id, ExplicitAuthFlows=["ADMIN_NO_SRP_AUTH", "ALLOW_USER_SRP_AUTH"]) == (
        "InvalidParameterException",
        "Explicit auth flows cannot contain both legacy and new ALLOW_ values",
    )


def test_auth_session_validity_range(idp: Any) -> None:
    pool_id = make_pool(idp)
    assert create_error(idp, pool_id, AuthSessionValidity=16) == (
        "InvalidParameterException",
        "1 validation error detected: Value '16' at 'authSessionValidity' failed to satisfy constraint: "
        "Member must have value less than or equal to 15",
    )


def test_validity_without_units_uses_the_input_defaults(idp: Any) -> None:
    pool_id = make_pool(idp)
    created = make_client(idp, pool_id, AccessTokenValidity=2, IdTokenValidity=3, RefreshTokenValidity=0)
    assert (created["AccessTokenValidity"], created["IdTokenValidity"], created["RefreshTokenValidity"]) == (
        2,
        3,
        30,
    )
    assert created["TokenValidityUnits"] == {
        "AccessToken": "hours",
        "IdToken": "hours",
        "RefreshToken": "days",
    }


def test_validity_with_units(idp: Any) -> None:
    pool_id = make_pool(idp)
    created = make_client(
        idp,
        pool_id,
        AccessTokenValidity=300,
        IdTokenValidity=1,
        RefreshTokenValidity=3000,
        TokenValidityUnits={"AccessToken": "seconds", "IdToken": "days", "RefreshToken": "minutes"},
    )
    assert created["TokenValidityUnits"] == {
        "AccessToken": "seconds",
        "IdToken": "days",
        "RefreshToken": "minutes",
    }
    # A unit for a value left out: the default (60 minutes) applies and is shown in minutes.
    partial = make_client(idp, pool_id, TokenValidityUnits={"AccessToken": "hours"})
    assert partial["AccessTokenValidity"] == 60
    assert partial["TokenValidityUnits"]["AccessToken"] == "minutes"


@pytest.mark.parametrize(
    "options",
    [
        {"AccessTokenValidity": 2, "TokenValidityUnits": {"AccessToken": "days"}},
        {"IdTokenValidity": 299, "TokenValidityUnits": {"IdToken": "seconds"}},
        {"AccessTokenValidity": 4, "TokenValidityUnits": {"AccessToken": "minutes"}},
        {"RefreshTokenValidity": 59, "TokenValidityUnits": {"RefreshToken": "minutes"}},
        {"RefreshTokenValidity": 3651},
        {
            "AccessTokenValidity": 2,
            "RefreshTokenValidity": 1,
            "TokenValidityUnits": {"RefreshToken": "hours"},
        },
        {"IdTokenValidity": 1, "RefreshTokenValidity": 30, "TokenValidityUnits": {"RefreshToken": "minutes"}},
    ],
)
def test_invalid_token_validity(idp: Any, options: dict[str, Any]) -> None:
    pool_id = make_pool(idp)
    assert create_error(idp, pool_id, **options) == INVALID_RANGE


def test_read_and_write_attributes_name_schema_attributes(idp: Any) -> None:
    pool_id = make_pool(idp, Schema=[{"Name": "team", "AttributeDataType": "String"}])
    created = make_client(
        idp, pool_id, ReadAttributes=["custom:team", "email"], WriteAttributes=["custom:team"]
    )
    assert created["ReadAttributes"] == ["custom:team", "email"]
    assert create_error(idp, pool_id, ReadAttributes=["custom:nothere"]) == (
        "InvalidParameterException",
        "Invalid read attributes specified while creating a client",
    )
    for write in (["custom:nothere"], ["email_verified"], ["phone_number_verified"], ["sub"]):
        assert create_error(idp, pool_id, WriteAttributes=write) == (
            "InvalidParameterException",
            "Invalid write attributes specified while creating a client",
        )


def test_write_attributes_must_include_required_ones(idp: Any) -> None:
    pool_id = make_pool(idp, Schema=[{"Name": "email", "Required": True}])
    assert create_error(idp, pool_id, WriteAttributes=["name"]) == (
        "InvalidParameterException",
        "Invalid write attributes specified while creating a client",
    )
    assert make_client(idp, pool_id, WriteAttributes=["name", "email"])["WriteAttributes"] == [
        "name",
        "email",
    ]


def test_context_data_needs_a_secret(idp: Any) -> None:
    pool_id = make_pool(idp)
    code, _message = create_error(idp, pool_id, EnablePropagateAdditionalUserContextData=True)
    assert code == "InvalidParameterException"
    created = make_client(idp, pool_id, GenerateSecret=True, EnablePropagateAdditionalUserContextData=True)
    assert created["EnablePropagateAdditionalUserContextData"] is True


def test_update_is_a_full_replace(idp: Any) -> None:
    pool_id = make_pool(idp)
    created = make_client(
        idp,
        pool_id,
        GenerateSecret=True,
        ExplicitAuthFlows=["ALLOW_USER_PASSWORD_AUTH"],
        PreventUserExistenceErrors="ENABLED",
        EnableTokenRevocation=False,
        AuthSessionValidity=10,
        AccessTokenValidity=2,
        ReadAttributes=["email"],
        WriteAttributes=["email"],
    )
    client_id = created["ClientId"]
    updated = idp.update_user_pool_client(UserPoolId=pool_id, ClientId=client_id, ClientName="renamed")[
        "UserPoolClient"
    ]
    assert updated["ClientName"] == "renamed"
    assert updated["ClientSecret"] == created["ClientSecret"]
    assert updated["CreationDate"] == created["CreationDate"]
    assert_defaults(updated)
    assert describe(idp, pool_id, client_id) == updated


def test_update_keeps_the_name_when_omitted(idp: Any) -> None:
    pool_id = make_pool(idp)
    client_id = make_client(idp, pool_id, name="keep")["ClientId"]
    updated = idp.update_user_pool_client(UserPoolId=pool_id, ClientId=client_id, AuthSessionValidity=7)
    assert updated["UserPoolClient"]["ClientName"] == "keep"
    assert describe(idp, pool_id, client_id)["AuthSessionValidity"] == 7


def test_update_checks_like_create(idp: Any) -> None:
    pool_id = make_pool(idp)
    client_id = make_client(idp, pool_id)["ClientId"]
    cases: list[tuple[dict[str, Any], tuple[str, str]]] = [
        ({"AccessTokenValidity": 25}, INVALID_RANGE),
        (
            {"ExplicitAuthFlows": ["CUSTOM_AUTH_FLOW_ONLY", "ALLOW_CUSTOM_AUTH"]},
            (
                "InvalidParameterException",
                "Explicit auth flows cannot contain both legacy and new ALLOW_ values",
            ),
        ),
        (
            {"WriteAttributes": ["sub"]},
            ("InvalidParameterException", "Invalid write attributes specified while updating a client"),
        ),
        (
            {"ReadAttributes": ["custom:x"]},
            ("InvalidParameterException", "Invalid read attributes specified while updating a client"),
        ),
    ]
    for options, expected in cases:
        with pytest.raises(ClientError) as err:
            idp.update_user_pool_client(UserPoolId=pool_id, ClientId=client_id, **options)
        assert error_of(err) == expected
    assert_defaults(describe(idp, pool_id, client_id))


def test_delete(idp: Any) -> None:
    pool_id = make_pool(idp)
    client_id = make_client(idp, pool_id)["ClientId"]
    assert idp.delete_user_pool_client(UserPoolId=pool_id, ClientId=client_id)["ResponseMetadata"]
    with pytest.raises(ClientError) as err:
        describe(idp, pool_id, client_id)
    assert error_of(err) == ("ResourceNotFoundException", f"User pool client {client_id} does not exist.")


def test_unknown_pool(idp: Any) -> None:
    missing = "us-east-1_nothere00"
    expected = ("ResourceNotFoundException", f"User pool {missing} does not exist.")
    assert fails(idp.create_user_pool_client, UserPoolId=missing, ClientName="x") == expected
    assert fails(idp.list_user_pool_clients, UserPoolId=missing, MaxResults=10) == expected
    for method in (idp.describe_user_pool_client, idp.update_user_pool_client, idp.delete_user_pool_client):
        assert fails(method, UserPoolId=missing, ClientId="2abc") == expected


def test_unknown_client_and_client_of_another_pool(idp: Any) -> None:
    pool_id = make_pool(idp)
    other_pool = make_pool(idp)
    client_id = make_client(idp, other_pool)["ClientId"]
    for cid in (client_id, "2nothere00000000000000000"):
        expected = ("ResourceNotFoundException", f"User pool client {cid} does not exist.")
        for method in (
            idp.describe_user_pool_client,
            idp.update_user_pool_client,
            idp.delete_user_pool_client,
        ):
            assert fails(method, UserPoolId=pool_id, ClientId=cid) == expected
    assert describe(idp, other_pool, client_id)["ClientId"] == client_id


def list_all(idp: Any, pool_id: str, page_size: int) -> list[dict[str, Any]]:
    seen: list[dict[str, Any]] = []
    kwargs: dict[str, Any] = {"UserPoolId": pool_id, "MaxResults": page_size}
    while True:
        page = idp.list_user_pool_clients(**kwargs)
        assert len(page["UserPoolClients"]) <= page_size
        seen += page["UserPoolClients"]
        if "NextToken" not in page:
            return seen
        kwargs["NextToken"] = page["NextToken"]


def test_list_clients_pages(idp: Any) -> None:
    pool_id = make_pool(idp)
    make_pool(idp)  # another pool's clients never show up
    created = {make_client(idp, pool_id, name=f"c{i}")["ClientId"]: f"c{i}" for i in range(5)}
    listed = list_all(idp, pool_id, 2)
    assert {c["ClientId"]: c["ClientName"] for c in listed} == created
    assert len(listed) == 5
    assert all(set(c) == {"ClientId", "UserPoolId", "ClientName"} for c in listed)
    assert all(c["UserPoolId"] == pool_id for c in listed)
    assert len(list_all(idp, pool_id, 60)) == 5
    assert "NextToken" not in idp.list_user_pool_clients(UserPoolId=pool_id)


def test_list_clients_bad_token(idp: Any) -> None:
    pool_id = make_pool(idp)
    other = make_pool(idp)
    for _ in range(3):
        make_client(idp, other)
    token = idp.list_user_pool_clients(UserPoolId=other, MaxResults=1)["NextToken"]
    for bad in ("garbage!", token):
        with pytest.raises(ClientError) as err:
            idp.list_user_pool_clients(UserPoolId=pool_id, MaxResults=1, NextToken=bad)
        assert error_of(err) == ("InvalidParameterException", "Invalid pagination token.")
