"""`shape_response`: output shaping checked against botocore's own JSON parser (core spec §1.3)."""

from __future__ import annotations

import enum
import json
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import botocore.parsers
import pytest

from tests import botocore_oracle
from userpool.api.model import OperationModel, Shape, operation_model, operation_names
from userpool.api.serialize import shape_response

OPERATIONS = operation_names()
PARSER = botocore.parsers.create_parser("json")
WHEN = datetime(2024, 1, 2, 3, 4, 5, 678000, tzinfo=UTC)
WHEN_EPOCH = 1704164645.678


def op(name: str) -> OperationModel:
    model = operation_model(name)
    assert model is not None
    return model


def botocore_parse(operation: OperationModel, body: Mapping[str, Any]) -> dict[str, Any]:
    """What boto3 would hand its caller for this body (strict JSON, no NaN)."""
    raw = json.dumps(body, allow_nan=False).encode()
    response = {"status_code": 200, "headers": {}, "body": raw}
    parsed: dict[str, Any] = PARSER.parse(response, botocore_oracle.operation(operation.name).output_shape)
    parsed.pop("ResponseMetadata", None)
    return parsed


def sample_output(shape: Shape) -> Any:
    """A value for every member of `shape`, two entries per list and map."""
    kind = shape.type_name
    if kind == "structure":
        if shape.metadata.get("document"):
            return {"challenge": "abc", "items": [1, "two", None, {"x": True}]}
        return {name: sample_output(member) for name, member in shape.members.items()}
    if kind == "list":
        return [sample_output(shape.member), sample_output(shape.member)]
    if kind == "map":
        return {f"key-{index}": sample_output(shape.value) for index in (1, 2)}
    return sample_scalar(shape)


def sample_scalar(shape: Shape) -> Any:
    kind = shape.type_name
    samples: dict[str, Any] = {
        "integer": 7,
        "long": 2**40,
        "boolean": True,
        "timestamp": WHEN,
        "blob": b"\x00\xffdata",
    }
    if kind == "string":
        enum_values = shape.metadata.get("enum")
        return enum_values[-1] if enum_values else f"text-{shape.name}"
    return samples[kind]


@pytest.mark.parametrize("name", OPERATIONS)
def test_every_output_round_trips_through_botocore(name: str) -> None:
    operation = op(name)
    if operation.output_shape is None:
        assert shape_response(operation, {"Anything": 1}) == {}
        assert botocore_parse(operation, {}) == {}
        return
    result = sample_output(operation.output_shape)
    assert botocore_parse(operation, shape_response(operation, result)) == result


def test_unknown_members_and_none_are_dropped() -> None:
    result = {"Username": "bob", "Password": "secret", "MFAOptions": None, "Enabled": False}
    assert shape_response(op("AdminGetUser"), result) == {"Username": "bob", "Enabled": False}


def test_none_map_values_are_dropped() -> None:
    result = {"ChallengeName": "PASSWORD_VERIFIER", "ChallengeParameters": {"SALT": "ab", "SRP_B": None}}
    body = shape_response(op("InitiateAuth"), result)
    assert body == {"ChallengeName": "PASSWORD_VERIFIER", "ChallengeParameters": {"SALT": "ab"}}


@pytest.mark.parametrize(
    ("value", "emitted"),
    [
        (WHEN, WHEN_EPOCH),
        (WHEN.replace(tzinfo=None), WHEN_EPOCH),  # naive datetimes are UTC
        (WHEN.astimezone(timezone(timedelta(hours=9))), WHEN_EPOCH),
        (datetime(2024, 1, 2, 3, 4, 5, 678400, tzinfo=UTC), WHEN_EPOCH),  # millisecond precision
        (1704164645, 1704164645),
        (1704164645.6781234, WHEN_EPOCH),
    ],
)
def test_timestamps_are_epoch_seconds(value: object, emitted: float) -> None:
    body = shape_response(op("AdminGetUser"), {"Username": "bob", "UserCreateDate": value})
    assert body["UserCreateDate"] == emitted
    assert type(body["UserCreateDate"]) is type(emitted)


class Flow(enum.Enum):
    VERIFIER = "PASSWORD_VERIFIER"


class Count(enum.IntEnum):
    THREE = 3


def test_safe_conversions() -> None:
    body = shape_response(op("InitiateAuth"), {"ChallengeName": Flow.VERIFIER})
    assert body == {"ChallengeName": "PASSWORD_VERIFIER"}
    assert type(body["ChallengeName"]) is str
    tokens = {"AuthenticationResult": {"ExpiresIn": Count.THREE, "IdToken": "x"}}
    assert shape_response(op("InitiateAuth"), tokens) == {
        "AuthenticationResult": {"ExpiresIn": 3, "IdToken": "x"}
    }
    floats = {"AuthenticationResult": {"ExpiresIn": 3600.0}}
    assert shape_response(op("InitiateAuth"), floats) == {"AuthenticationResult": {"ExpiresIn": 3600}}
    tuples = {"UserAttributes": ({"Name": "email", "Value": "a@b.c"},), "Username": "bob"}
    assert shape_response(op("AdminGetUser"), tuples)["UserAttributes"] == [
        {"Name": "email", "Value": "a@b.c"}
    ]


def test_blob_is_base64() -> None:
    body = shape_response(op("GetUICustomization"), {"UICustomization": {"ImageUrl": "u"}})
    assert body == {"UICustomization": {"ImageUrl": "u"}}
    branding = {"ManagedLoginBranding": {"Assets": [{"Category": "FAVICON_ICO", "Bytes": b"\x00\x01"}]}}
    shaped = shape_response(op("DescribeManagedLoginBranding"), branding)
    assert shaped["ManagedLoginBranding"]["Assets"][0]["Bytes"] == "AAE="


@pytest.mark.parametrize(
    ("operation", "result", "message"),
    [
        (
            "AdminGetUser",
            {"Username": "bob", "UserAttributes": [{"Name": {"a": 1}}]},
            "AdminGetUser response: UserAttributes[0].Name must be a str (shape AttributeNameType), "
            "got dict {'a': 1}",
        ),
        ("AdminGetUser", {"Username": 5}, "Username must be a str"),
        ("AdminGetUser", {"Username": "bob", "Enabled": 1}, "Enabled must be a bool"),
        (
            "AdminGetUser",
            {"Username": "bob", "UserCreateDate": "2024-01-01"},
            "UserCreateDate must be a datetime",
        ),
        ("AdminGetUser", {"Username": "bob", "UserAttributes": "email"}, "UserAttributes must be a list"),
        (
            "AdminGetUser",
            {"Username": "bob", "UserAttributes": [None]},
            "UserAttributes[0] must be a list element",
        ),
        (
            "InitiateAuth",
            {"AuthenticationResult": {"ExpiresIn": True}},
            "AuthenticationResult.ExpiresIn must be an int",
        ),
        ("InitiateAuth", {"AuthenticationResult": {"ExpiresIn": 1.5}}, "ExpiresIn must be an int"),
        ("InitiateAuth", {"AuthenticationResult": {"ExpiresIn": 2**31}}, "ExpiresIn must be an int"),
        ("InitiateAuth", {"ChallengeParameters": {"SALT": 1}}, "ChallengeParameters['SALT'] must be a str"),
        ("InitiateAuth", {"ChallengeParameters": ["SALT"]}, "ChallengeParameters must be a mapping"),
        (
            "DescribeManagedLoginBranding",
            {"ManagedLoginBranding": {"Assets": [{"Bytes": "AAE="}]}},
            "must be bytes",
        ),
        ("AdminGetUser", ["not", "a", "mapping"], "AdminGetUser response: <result> must be a mapping"),
    ],
)
def test_wrong_kinds_raise_type_error_naming_the_path(operation: str, result: Any, message: str) -> None:
    with pytest.raises(TypeError) as caught:
        shape_response(op(operation), result)
    assert message in str(caught.value)
