from __future__ import annotations

import re
from typing import Any

import pytest

from userpool.api.errors import CognitoError
from userpool.domain import attributes as a

SCHEMA_PREFIX = "Attributes did not conform to the schema: "
STANDARD_TYPE_ERROR = (
    "You can not change AttributeDataType or set developerOnlyAttribute for standard schema attribute "
)


def _raises(message: str) -> pytest.RaisesExc[CognitoError]:
    """Context manager asserting InvalidParameterException with exactly `message`."""
    return pytest.raises(CognitoError, match=f"^InvalidParameterException: {re.escape(message)}$")


def entry(schema: list[dict[str, Any]], name: str) -> dict[str, Any]:
    return next(e for e in schema if e["Name"] == name)


def test_standard_schema_matches_cli_example() -> None:
    schema = a.standard_schema()
    assert [e["Name"] for e in schema] == list(a.STANDARD_ATTRIBUTES)
    assert len(schema) == 20
    assert entry(schema, "sub") == {
        "Name": "sub",
        "AttributeDataType": "String",
        "DeveloperOnlyAttribute": False,
        "Mutable": False,
        "Required": True,
        "StringAttributeConstraints": {"MinLength": "1", "MaxLength": "2048"},
    }
    assert entry(schema, "name") == {
        "Name": "name",
        "AttributeDataType": "String",
        "DeveloperOnlyAttribute": False,
        "Mutable": True,
        "Required": False,
        "StringAttributeConstraints": {"MinLength": "0", "MaxLength": "2048"},
    }
    assert entry(schema, "birthdate")["StringAttributeConstraints"] == {"MinLength": "10", "MaxLength": "10"}
    assert entry(schema, "email_verified") == {
        "Name": "email_verified",
        "AttributeDataType": "Boolean",
        "DeveloperOnlyAttribute": False,
        "Mutable": True,
        "Required": False,
    }
    assert entry(schema, "updated_at") == {
        "Name": "updated_at",
        "AttributeDataType": "Number",
        "DeveloperOnlyAttribute": False,
        "Mutable": True,
        "Required": False,
        "NumberAttributeConstraints": {"MinValue": "0"},
    }


def test_standard_schema_returns_fresh_copies() -> None:
    first = a.standard_schema()
    first[1]["StringAttributeConstraints"]["MaxLength"] = "1"
    assert a.standard_schema()[1]["StringAttributeConstraints"]["MaxLength"] == "2048"


def test_build_schema_without_request() -> None:
    assert a.build_schema(None) == a.standard_schema()
    assert a.build_schema([]) == a.standard_schema()


def test_build_schema_overrides_and_custom() -> None:
    schema = a.build_schema(
        [
            {"Name": "email", "AttributeDataType": "String", "Required": True, "Mutable": True},
            {"Name": "family_name", "Required": True, "StringAttributeConstraints": {"MaxLength": "256"}},
            {
                "Name": "tier",
                "AttributeDataType": "String",
                "Mutable": False,
                "StringAttributeConstraints": {"MaxLength": "8"},
            },
            {
                "Name": "age",
                "AttributeDataType": "Number",
                "NumberAttributeConstraints": {"MinValue": "0", "MaxValue": "150"},
            },
            {"Name": "secret", "AttributeDataType": "String", "DeveloperOnlyAttribute": True},
            {"Name": "flag", "AttributeDataType": "Boolean"},
        ]
    )
    assert entry(schema, "email")["Required"] is True
    assert entry(schema, "family_name")["StringAttributeConstraints"] == {
        "MinLength": "0",
        "MaxLength": "256",
    }
    assert [e["Name"] for e in schema[20:]] == ["custom:tier", "custom:age", "dev:secret", "custom:flag"]
    assert entry(schema, "custom:tier") == {
        "Name": "custom:tier",
        "AttributeDataType": "String",
        "DeveloperOnlyAttribute": False,
        "Mutable": False,
        "Required": False,
        "StringAttributeConstraints": {"MaxLength": "8"},
    }
    assert entry(schema, "custom:age")["NumberAttributeConstraints"] == {"MinValue": "0", "MaxValue": "150"}
    assert entry(schema, "dev:secret")["DeveloperOnlyAttribute"] is True
    assert entry(schema, "custom:flag")["Mutable"] is True
    assert "StringAttributeConstraints" not in entry(schema, "custom:flag")


@pytest.mark.parametrize(
    ("requested", "message"),
    [
        (
            {"Name": "x", "AttributeDataType": "String", "Required": True},
            "Required custom attributes are not supported currently.",
        ),
        (
            {"Name": "x"},
            "Invalid AttributeDataType input, consider using the provided AttributeDataType enum.",
        ),
        (
            {"Name": "x", "AttributeDataType": "Text"},
            "Invalid AttributeDataType input, consider using the provided AttributeDataType enum.",
        ),
        (
            {"Name": "a" * 21, "AttributeDataType": "String"},
            f"Custom attribute name must be 1 to 20 characters long: {'a' * 21!r}",
        ),
        (
            {"Name": "", "AttributeDataType": "String"},
            "Custom attribute name must be 1 to 20 characters long: ''",
        ),
        ({"AttributeDataType": "String"}, "Custom attribute name must be 1 to 20 characters long: None"),
        (
            {"Name": "email", "AttributeDataType": "Number"},
            STANDARD_TYPE_ERROR + "email",
        ),
        (
            {"Name": "email", "DeveloperOnlyAttribute": True},
            STANDARD_TYPE_ERROR + "email",
        ),
        ({"Name": "sub", "Mutable": True}, "The sub attribute cannot be changed."),
        (
            {"Name": "x", "AttributeDataType": "String", "StringAttributeConstraints": {"MaxLength": "4096"}},
            "user.custom:x: String attributes cannot have a length of more than 2048",
        ),
        (
            {
                "Name": "x",
                "AttributeDataType": "String",
                "StringAttributeConstraints": {"MinLength": "5", "MaxLength": "4"},
            },
            "user.custom:x: Max length cannot be less than min length.",
        ),
        (
            {"Name": "x", "AttributeDataType": "String", "StringAttributeConstraints": {"MaxLength": "ten"}},
            "Invalid StringAttributeConstraints for schema attribute custom:x",
        ),
        (
            {
                "Name": "n",
                "AttributeDataType": "Number",
                "NumberAttributeConstraints": {"MinValue": "5", "MaxValue": "4"},
            },
            "user.custom:n: Max value cannot be less than min value.",
        ),
    ],
)
def test_build_schema_errors(requested: dict[str, Any], message: str) -> None:
    with _raises(message):
        a.build_schema([requested])


def test_custom_limit() -> None:
    fifty = [{"Name": f"c{i}", "AttributeDataType": "String"} for i in range(50)]
    schema = a.build_schema(fifty)
    assert len(schema) == 70
    with _raises("A user pool can have at most 50 custom attributes."):
        a.add_custom(schema, [{"Name": "one_more", "AttributeDataType": "String"}])


def test_add_custom() -> None:
    schema = a.build_schema([{"Name": "tier", "AttributeDataType": "String"}])
    out = a.add_custom(
        schema,
        [
            {"Name": "email", "AttributeDataType": "String"},
            {"Name": "custom:t3", "AttributeDataType": "Number"},
        ],
    )
    assert [e["Name"] for e in out[21:]] == ["custom:email", "custom:t3"]  # prefix not doubled
    assert len(schema) == 21  # input untouched
    with _raises("Existing attribute already has name custom:tier."):
        a.add_custom(schema, [{"Name": "tier", "AttributeDataType": "String"}])
    with _raises("Existing attribute already has name custom:t3."):
        a.add_custom(out, [{"Name": "t3", "AttributeDataType": "String"}])


SCHEMA = a.build_schema(
    [
        {
            "Name": "tier",
            "AttributeDataType": "String",
            "Mutable": False,
            "StringAttributeConstraints": {"MaxLength": "8"},
        },
        {
            "Name": "age",
            "AttributeDataType": "Number",
            "NumberAttributeConstraints": {"MinValue": "0", "MaxValue": "150"},
        },
        {"Name": "flag", "AttributeDataType": "Boolean"},
        {"Name": "when", "AttributeDataType": "DateTime"},
        {"Name": "secret", "AttributeDataType": "String", "DeveloperOnlyAttribute": True},
        {"Name": "given_name", "Required": True},
        {"Name": "family_name", "Required": True},
    ]
)


@pytest.mark.parametrize(
    ("attrs", "creating", "message"),
    [
        (
            {"custom:nope": "x"},
            True,
            SCHEMA_PREFIX + "Type for attribute {custom:nope} could not be determined",
        ),
        ({"dev:nope": "x"}, True, SCHEMA_PREFIX + "Type for attribute {dev:nope} could not be determined"),
        ({"nickname2": "x"}, True, SCHEMA_PREFIX + "nickname2: Attribute does not exist in the schema."),
        ({"name": "x" * 2049}, True, SCHEMA_PREFIX + "name: String must be no longer than 2048 characters"),
        (
            {"custom:tier": "x" * 9},
            True,
            SCHEMA_PREFIX + "custom:tier: String must be no longer than 8 characters",
        ),
        (
            {"birthdate": "1990-1-1"},
            True,
            SCHEMA_PREFIX + "birthdate: String must be no shorter than 10 characters",
        ),
        ({"custom:age": "old"}, True, SCHEMA_PREFIX + "custom:age: Number must be an integer"),
        ({"custom:age": "1.5"}, True, SCHEMA_PREFIX + "custom:age: Number must be an integer"),
        ({"custom:age": "151"}, True, SCHEMA_PREFIX + "custom:age: Number must be no greater than 150"),
        ({"custom:age": "-1"}, True, SCHEMA_PREFIX + "custom:age: Number must be no less than 0"),
        ({"updated_at": "-5"}, True, SCHEMA_PREFIX + "updated_at: Number must be no less than 0"),
        ({"email_verified": "yes"}, True, SCHEMA_PREFIX + "email_verified: Boolean must be true or false"),
        ({"email": "not-an-email"}, True, "Invalid email address format."),
        ({"phone_number": "14325551212"}, True, "Invalid phone number format."),
        ({"phone_number": "+1 432 555 1212"}, False, "Invalid phone number format."),
        ({"custom:tier": "gold"}, False, "Attribute cannot be updated. (changing an immutable attribute)"),
        ({"sub": "x"}, True, "Attribute cannot be updated. (changing an immutable attribute)"),
        ({"sub": "x"}, False, "Attribute cannot be updated. (changing an immutable attribute)"),
        (
            {"name": "ok", "custom:nope": "x"},
            True,
            SCHEMA_PREFIX + "Type for attribute {custom:nope} could not be determined",
        ),
    ],
)
def test_validate_values_errors(attrs: dict[str, str], creating: bool, message: str) -> None:
    with _raises(message):
        a.validate_values(SCHEMA, attrs, creating=creating)


@pytest.mark.parametrize(
    ("attrs", "creating"),
    [
        ({"email": "jane@example.com", "phone_number": "+14325551212", "email_verified": "true"}, False),
        ({"phone_number_verified": "False", "updated_at": "1700000000"}, False),
        ({"custom:tier": "gold", "custom:age": "42", "custom:flag": "true"}, True),
        ({"custom:when": "2024-01-01T00:00:00Z", "dev:secret": "s", "birthdate": "1990-01-01"}, False),
        ({"email": "", "birthdate": ""}, False),  # blank = delete, no format checks
        ({}, False),
    ],
)
def test_validate_values_ok(attrs: dict[str, str], creating: bool) -> None:
    a.validate_values(SCHEMA, attrs, creating=creating)


def test_required() -> None:
    assert a.missing_required(a.standard_schema(), {}) == []  # sub is system-set
    assert a.missing_required(SCHEMA, {"given_name": "J"}) == ["family_name"]
    assert a.missing_required(SCHEMA, {"given_name": "", "email": "x"}) == ["given_name", "family_name"]
    assert a.required_message(["given_name"]) == SCHEMA_PREFIX + "given_name: The attribute is required"
    assert (
        a.required_message(["given_name", "family_name"])
        == SCHEMA_PREFIX + "given_name: The attribute is required\nfamily_name: The attribute is required"
    )
    a.check_required(SCHEMA, {"given_name": "J", "family_name": "D"})
    with _raises(SCHEMA_PREFIX + "family_name: The attribute is required"):
        a.check_required(SCHEMA, {"given_name": "J"})


def test_readable_defaults() -> None:
    names = a.readable(SCHEMA, None)
    assert set(a.STANDARD_ATTRIBUTES) <= names
    assert {"email_verified", "phone_number_verified", "custom:tier", "custom:age", "dev:secret"} <= names
    assert a.readable(SCHEMA, ["email"]) == {"email", "sub"}


def test_writable_defaults() -> None:
    names = a.writable(SCHEMA, None)
    assert names == (set(a.STANDARD_ATTRIBUTES) - {"sub", "email_verified", "phone_number_verified"}) | {
        "custom:age",
        "custom:flag",
        "custom:when",
    }
    assert a.writable(SCHEMA, ["email", "sub", "dev:secret", "custom:tier"]) == {"email", "custom:tier"}
