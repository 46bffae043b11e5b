"""The HTTP edge: unknown targets, unimplemented operations, malformed bodies, health, JWKS."""

from __future__ import annotations

from typing import Any

import httpx

from tests.conftest import Running

TARGET = "AWSCognitoIdentityProviderService."
JSON = "application/x-amz-json-1.1"


def post(running: Running, target: str, body: bytes) -> httpx.Response:
    return httpx.post(running.url, content=body, headers={"X-Amz-Target": target, "Content-Type": JSON})


def test_unknown_target(running: Running) -> None:
    for target in (TARGET + "NoSuchOperation", "Other.InitiateAuth", ""):
        reply = post(running, target, b"{}")
        assert reply.status_code == 400
        assert reply.headers["content-type"] == JSON
        assert reply.json() == {"__type": "UnknownOperationException"}
        assert reply.headers["x-amzn-ErrorType"] == "UnknownOperationException:"


def test_not_json_is_a_serialization_error(running: Running) -> None:
    for body in (b"{", b"[]", b"\xff\xfe", b'"text"'):
        reply = post(running, TARGET + "ListUserPools", body)
        assert reply.status_code == 400
        assert reply.json() == {"__type": "SerializationException"}


def test_unimplemented_operation_says_so(running: Running) -> None:
    body = b'{"UserPoolId": "us-east-1_abcdefghi", "ProviderName": "x"}'
    reply = post(running, TARGET + "DescribeIdentityProvider", body)
    assert reply.status_code == 400
    assert reply.json()["__type"] in {"InvalidParameterException", "UnsupportedOperationException"}
    assert "DescribeIdentityProvider" in reply.json()["message"]


def test_validation_sentence(running: Running) -> None:
    reply = post(running, TARGET + "ListUsers", b'{"UserPoolId": "us-east-1_abcdefghi", "Limit": 100}')
    assert reply.json() == {
        "__type": "InvalidParameterException",
        "message": "1 validation error detected: Value '100' at 'limit' failed to satisfy constraint: "
        "Member must have value less than or equal to 60",
    }


def test_health_and_well_known(running: Running, idp: Any) -> None:
    assert httpx.get(f"{running.url}/_userpool/health").status_code == 200
    missing = httpx.get(f"{running.url}/us-east-1_nothere00/.well-known/jwks.json")
    assert missing.status_code == 404
    assert missing.json() == {"message": "User pool us-east-1_nothere00 does not exist."}
    pool_id = idp.create_user_pool(PoolName="keys")["UserPool"]["Id"]
    other_id = idp.create_user_pool(PoolName="other")["UserPool"]["Id"]
    keys = httpx.get(f"{running.url}/{pool_id}/.well-known/jwks.json").json()["keys"]
    other = httpx.get(f"{running.url}/{other_id}/.well-known/jwks.json").json()["keys"]
    assert len(keys) == 2
    assert {k["kid"] for k in keys}.isdisjoint({k["kid"] for k in other})  # no key shared between pools


def test_pools_made_in_a_row_have_keys_of_their_own(running: Running, idp: Any) -> None:
    # More pools than the keys made ahead of CreateUserPool (crypto.keys.KeyReserve), so some take
    # keys made ahead and some keys made on the spot.
    kids = []
    for number in range(6):
        pool_id = idp.create_user_pool(PoolName=f"row-{number}")["UserPool"]["Id"]
        keys = httpx.get(f"{running.url}/{pool_id}/.well-known/jwks.json").json()["keys"]
        kids += [k["kid"] for k in keys]
    assert len(kids) == 12
    assert len(set(kids)) == 12
