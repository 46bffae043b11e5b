"""`parse_request`: the wire errors of core spec §1.4 and §1.5, checked against botocore.

botocore's own JSON serializer is the oracle for valid input: for every operation a minimal and a
full sample input, built from the model, is serialized by botocore and must parse back unchanged.
"""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from typing import Any

import botocore.serialize
import pytest
import regex
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests import botocore_oracle
from userpool.api.errors import CognitoError
from userpool.api.model import OperationModel, Shape, operation_model, operation_names
from userpool.api.validate import parse_request

OPERATIONS = operation_names()


def op(name: str) -> OperationModel:
    model = operation_model(name)
    assert model is not None
    return model


def failure(operation: str, params: dict[str, Any] | bytes) -> CognitoError:
    body = params if isinstance(params, bytes) else json.dumps(params).encode()
    with pytest.raises(CognitoError) as caught:
        parse_request(op(operation), body)
    return caught.value


def invalid(operation: str, params: dict[str, Any]) -> str:
    error = failure(operation, params)
    assert error.code == "InvalidParameterException"
    assert error.message is not None
    return error.message


def serialization(operation: str, params: dict[str, Any] | bytes) -> str | None:
    error = failure(operation, params)
    assert error.code == "SerializationException"
    assert error.status == 400
    return error.message


POOL = "us-east-1_abcDEF123"
CONSTRAINT = "failed to satisfy constraint"
MAX_LEN = "Member must have length less than or equal to"
MIN_LEN = "Member must have length greater than or equal to"
NOT_NULL = "Member must not be null"


# --------------------------------------------------------------------------- §1.4 sentences


def test_limit_above_max_is_the_spec_example() -> None:
    message = invalid("ListUsers", {"UserPoolId": POOL, "Limit": 100})
    assert message == (
        "1 validation error detected: Value '100' at 'limit' failed to satisfy constraint: "
        "Member must have value less than or equal to 60"
    )


def test_pattern_is_listed_before_min_length_and_count_is_plural() -> None:
    params = {"ClientId": "abc", "Username": "bob", "ConfirmationCode": "", "Password": "Passw0rd!"}
    assert invalid("ConfirmForgotPassword", params) == (
        "2 validation errors detected: "
        "Value '' at 'confirmationCode' failed to satisfy constraint: "
        "Member must satisfy regular expression pattern: [\\S]+; "
        "Value '' at 'confirmationCode' failed to satisfy constraint: "
        "Member must have length greater than or equal to 1"
    )


def test_sensitive_value_is_not_echoed() -> None:
    params = {"ClientId": "abc", "Username": "bob", "ConfirmationCode": "", "Password": "a b"}
    message = invalid("ConfirmForgotPassword", params)
    assert message.startswith("3 validation errors detected: ")
    assert message.endswith(
        "; Value at 'password' failed to satisfy constraint: "
        "Member must satisfy regular expression pattern: [\\S]+"
    )
    assert "a b" not in message


def test_confirmation_code_with_spaces() -> None:
    params = {"ClientId": "abc", "Username": "bob", "ConfirmationCode": "1 12 123"}
    assert invalid("ConfirmSignUp", params) == (
        "1 validation error detected: Value '1 12 123' at 'confirmationCode' failed to satisfy "
        "constraint: Member must satisfy regular expression pattern: [\\S]+"
    )


def test_missing_required_members_in_member_order() -> None:
    assert invalid("AdminGetUser", {}) == (
        "2 validation errors detected: "
        "Value null at 'userPoolId' failed to satisfy constraint: Member must not be null; "
        "Value null at 'username' failed to satisfy constraint: Member must not be null"
    )


def test_explicit_null_counts_as_missing() -> None:
    message = invalid("AdminGetUser", {"UserPoolId": POOL, "Username": None})
    assert message == (
        "1 validation error detected: Value null at 'username' failed to satisfy constraint: "
        "Member must not be null"
    )


def test_enum_lists_values_in_model_order() -> None:
    message = invalid("InitiateAuth", {"AuthFlow": "NOPE", "ClientId": "abc"})
    assert message == (
        "1 validation error detected: Value 'NOPE' at 'authFlow' failed to satisfy constraint: "
        "Member must satisfy enum value set: [USER_SRP_AUTH, REFRESH_TOKEN_AUTH, REFRESH_TOKEN, "
        "CUSTOM_AUTH, ADMIN_NO_SRP_AUTH, USER_PASSWORD_AUTH, ADMIN_USER_PASSWORD_AUTH, USER_AUTH]"
    )


def test_max_length_and_integer_min() -> None:
    message = invalid("ListUsers", {"UserPoolId": "a_" + "b" * 60, "Limit": -1})
    assert message == (
        "2 validation errors detected: "
        f"Value 'a_{'b' * 60}' at 'userPoolId' {CONSTRAINT}: {MAX_LEN} 55; "
        f"Value '-1' at 'limit' {CONSTRAINT}: Member must have value greater than or equal to 0"
    )


def test_length_counts_code_points() -> None:
    name = "\U0001f600" * 32  # 32 code points (64 UTF-16 units); AttributeNameType max is 32
    params = {"UserPoolId": POOL, "Username": "u", "UserAttributeNames": [name]}
    assert parse_request(op("AdminDeleteUserAttributes"), json.dumps(params).encode())[
        "UserAttributeNames"
    ] == [name]
    message = invalid("AdminDeleteUserAttributes", {**params, "UserAttributeNames": [name + "a"]})
    assert message.startswith(f"1 validation error detected: Value '[{name}a]' at 'userAttributeNames'")


def test_nested_list_of_structures_uses_indexed_paths() -> None:
    params = {
        "UserPoolId": POOL,
        "Username": "bob",
        "UserAttributes": [{"Name": "email", "Value": "x" * 2049}, {"Value": "x"}],
    }
    assert invalid("AdminUpdateUserAttributes", params) == (
        "2 validation errors detected: "
        f"Value at 'userAttributes.1.member.value' {CONSTRAINT}: {MAX_LEN} 2048; "
        f"Value null at 'userAttributes.2.member.name' {CONSTRAINT}: Member must not be null"
    )


def test_null_element_of_structure_list() -> None:
    params = {"UserPoolId": POOL, "Username": "bob", "UserAttributes": [None]}
    assert invalid("AdminUpdateUserAttributes", params) == (
        f"1 validation error detected: Value null at 'userAttributes.1.member' {CONSTRAINT}: {NOT_NULL}"
    )


def test_list_of_scalars_is_reported_once_in_coral_bracket_form() -> None:
    params = {
        "UserPoolId": POOL,
        "ClientName": "c",
        "ExplicitAuthFlows": ["ALLOW_USER_SRP_AUTH", "NOPE", "X"],
    }
    assert invalid("CreateUserPoolClient", params) == (
        "1 validation error detected: Value '[ALLOW_USER_SRP_AUTH, NOPE, X]' at 'explicitAuthFlows' "
        f"{CONSTRAINT}: Member must satisfy constraint: [Member must satisfy enum value set: "
        "[ADMIN_NO_SRP_AUTH, CUSTOM_AUTH_FLOW_ONLY, USER_PASSWORD_AUTH, ALLOW_ADMIN_USER_PASSWORD_AUTH, "
        "ALLOW_CUSTOM_AUTH, ALLOW_USER_PASSWORD_AUTH, ALLOW_USER_SRP_AUTH, ALLOW_REFRESH_TOKEN_AUTH, "
        "ALLOW_USER_AUTH]]"
    )


def test_scalar_list_bracket_lists_max_min_pattern_and_null() -> None:
    params = {"UserPoolId": POOL, "Username": "u", "UserAttributeNames": ["ok", None]}
    assert invalid("AdminDeleteUserAttributes", params) == (
        f"1 validation error detected: Value '[ok, null]' at 'userAttributeNames' {CONSTRAINT}: "
        "Member must satisfy constraint: [Member must have length less than or equal to 32, "
        "Member must have length greater than or equal to 1, "
        "Member must satisfy regular expression pattern: [\\p{L}\\p{M}\\p{S}\\p{N}\\p{P}\\t\\n\\r ]+, "
        "Member must not be null]"
    )


def test_list_size_constraints() -> None:
    params = {
        "UserPoolId": POOL,
        "ClientName": "c",
        "AllowedOAuthFlows": ["code", "implicit", "code", "code"],
    }
    assert invalid("CreateUserPoolClient", params) == (
        "1 validation error detected: Value '[code, implicit, code, code]' at 'allowedOAuthFlows' "
        f"{CONSTRAINT}: Member must have length less than or equal to 3"
    )


def test_size_of_a_structure_list() -> None:
    assert invalid("AddCustomAttributes", {"UserPoolId": POOL, "CustomAttributes": []}) == (
        f"1 validation error detected: Value '[]' at 'customAttributes' {CONSTRAINT}: {MIN_LEN} 1"
    )
    schema = [{"Name": "a", "AttributeDataType": "String"}] * 26
    message = invalid("AddCustomAttributes", {"UserPoolId": POOL, "CustomAttributes": schema})
    assert message.startswith(
        "1 validation error detected: Value '[{Name=a, AttributeDataType=String}, {Name=a"
    )
    assert message.endswith(f"}}]' at 'customAttributes' {CONSTRAINT}: {MAX_LEN} 25")


def test_collection_holding_something_unechoable_is_hidden() -> None:
    """Assets carry blobs, which are never echoed, so an oversized asset list is not echoed either."""
    asset = {"Category": "FAVICON_ICO", "ColorMode": "LIGHT", "Extension": "ICO", "Bytes": "AAE="}
    params = {"UserPoolId": POOL, "ClientId": "abc", "Assets": [asset] * 41}
    assert invalid("CreateManagedLoginBranding", params) == (
        f"1 validation error detected: Value at 'assets' {CONSTRAINT}: {MAX_LEN} 40"
    )


def test_map_keys_and_values_use_coral_map_form() -> None:
    params = {
        "UserPoolId": POOL,
        "ProviderName": "Google",
        "ProviderType": "Google",
        "ProviderDetails": {},
        "AttributeMapping": {"": "email", "name": None},
    }
    assert invalid("CreateIdentityProvider", params) == (
        "1 validation error detected: "
        f"Value '{{=email, name=null}}' at 'attributeMapping' {CONSTRAINT}: "
        f"Map keys must satisfy constraint: [{MAX_LEN} 32, {MIN_LEN} 1]"
    )


def test_null_map_values_are_dropped() -> None:
    """amazon-cognito-identity-js sends `"DEVICE_KEY": null` when it retries without a device."""
    body = {
        "AuthFlow": "USER_PASSWORD_AUTH",
        "ClientId": "abc",
        "AuthParameters": {"USERNAME": "a", "X": None},
    }
    assert parse_request(op("InitiateAuth"), json.dumps(body).encode())["AuthParameters"] == {"USERNAME": "a"}


def test_sensitive_map_and_sensitive_parent_hide_values() -> None:
    params = {
        "AuthFlow": "USER_PASSWORD_AUTH",
        "ClientId": "abc",
        "AuthParameters": {"USERNAME": "x" * 131073},
        "UserContextData": {"IpAddress": "x" * 131073},
    }
    assert invalid("InitiateAuth", params) == (
        "2 validation errors detected: "
        f"Value at 'authParameters' {CONSTRAINT}: "
        f"Map value must satisfy constraint: [{MAX_LEN} 131072, {MIN_LEN} 0]; "
        f"Value at 'userContextData.ipAddress' {CONSTRAINT}: {MAX_LEN} 131072"
    )


def test_sensitive_required_member_still_says_value_null() -> None:
    message = invalid("InitiateAuth", {"AuthFlow": "USER_PASSWORD_AUTH"})
    assert (
        message
        == f"1 validation error detected: Value null at 'clientId' {CONSTRAINT}: Member must not be null"
    )


def test_java_ascii_shorthand_classes() -> None:
    """`\\w` is ASCII in Java: a non-ASCII letter breaks `[\\w+]+`; `\\p{L}` patterns accept it."""
    message = invalid("InitiateAuth", {"AuthFlow": "USER_PASSWORD_AUTH", "ClientId": "clïent"})
    assert "regular expression pattern: [\\w+]+" in message
    parsed = parse_request(op("AdminGetUser"), json.dumps({"UserPoolId": POOL, "Username": "jösé"}).encode())
    assert parsed["Username"] == "jösé"


def test_password_with_no_break_space_matches_java_non_space() -> None:
    params = {"ClientId": "abc", "Username": "bob", "Password": "pass\u00a0word"}
    assert parse_request(op("SignUp"), json.dumps(params).encode())["Password"] == "pass\u00a0word"


# --------------------------------------------------------------------------- §1.5 serialization


@pytest.mark.parametrize(
    "body",
    [b"nope", b"[]", b'"text"', b"1", b"null", b"{", b"\xff\xfe\x00", b'{"a": NaN}', b"[" * 100_000],
)
def test_malformed_body_is_serialization_exception_without_message(body: bytes) -> None:
    assert serialization("ListUsers", body) is None


@pytest.mark.parametrize("body", [b"", b"  \n"])
def test_empty_body_is_an_empty_object(body: bytes) -> None:
    message = failure("ListUserPools", body).message
    assert (
        message
        == f"1 validation error detected: Value null at 'maxResults' {CONSTRAINT}: Member must not be null"
    )


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ({"a": 1}, "Start of structure or map found where not expected."),
        (["a"], "Start of structure or map found where not expected."),
        (1, "NUMBER_VALUE can not be converted to a String"),
        (1.5, "NUMBER_VALUE can not be converted to a String"),
        (True, "TRUE_VALUE can not be converted to a String"),
        (False, "FALSE_VALUE can not be converted to a String"),
    ],
)
def test_string_slot_type_mismatch(value: object, message: str) -> None:
    assert serialization("AdminGetUser", {"UserPoolId": POOL, "Username": value}) == message


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("10", "STRING_VALUE can not be converted to an Integer"),
        (True, "TRUE_VALUE can not be converted to an Integer"),
        (1.5, "NUMBER_VALUE can not be converted to an Integer"),
        (10.0, "NUMBER_VALUE can not be converted to an Integer"),
        (2**31, "NUMBER_VALUE can not be converted to an Integer"),
        ({}, "Start of structure or map found where not expected."),
    ],
)
def test_integer_slot_type_mismatch(value: object, message: str) -> None:
    assert serialization("ListUsers", {"UserPoolId": POOL, "Limit": value}) == message


def test_other_type_mismatches() -> None:
    attrs = {"UserPoolId": POOL, "Username": "bob"}
    assert serialization("AdminUpdateUserAttributes", {**attrs, "UserAttributes": {"Name": "x"}}) == (
        "Start of structure or map found where not expected."
    )
    assert serialization("AdminUpdateUserAttributes", {**attrs, "UserAttributes": "x"}) == (
        "STRING_VALUE can not be converted to a List"
    )
    assert serialization("AdminUpdateUserAttributes", {**attrs, "UserAttributes": [["x"]]}) == (
        "Start of list found where not expected"
    )
    assert serialization(
        "AdminUpdateUserAttributes", {**attrs, "UserAttributes": [{"Name": "a", "Value": False}]}
    ) == ("FALSE_VALUE can not be converted to a String")
    assert serialization("AdminUpdateUserAttributes", {**attrs, "ClientMetadata": {"k": 1}}) == (
        "NUMBER_VALUE can not be converted to a String"
    )
    assert serialization("AdminUpdateUserAttributes", {**attrs, "ClientMetadata": "k"}) == (
        "STRING_VALUE can not be converted to a Map"
    )
    assert serialization("AdminCreateUser", {**attrs, "ForceAliasCreation": "true"}) == (
        "STRING_VALUE can not be converted to a Boolean"
    )


def test_blob_must_be_base64() -> None:
    params = {"UserPoolId": POOL, "ImageFile": "not base64!"}
    assert serialization("SetUICustomization", params) == "Base64 encoded value is not valid"
    parsed = parse_request(
        op("SetUICustomization"), json.dumps({"UserPoolId": POOL, "ImageFile": "AAE="}).encode()
    )
    assert parsed["ImageFile"] == b"\x00\x01"


def test_unknown_members_are_dropped() -> None:
    body = json.dumps({"UserPoolId": POOL, "Username": "bob", "Extra": {"deep": [1]}, "username": 1}).encode()
    assert parse_request(op("AdminGetUser"), body) == {"UserPoolId": POOL, "Username": "bob"}


def test_document_members_pass_through() -> None:
    credential = {"id": "abc", "response": {"clientDataJSON": "x"}, "n": [1, None, True]}
    body = json.dumps({"AccessToken": "token", "Credential": credential}).encode()
    assert parse_request(op("CompleteWebAuthnRegistration"), body)["Credential"] == credential


def test_type_errors_win_over_constraint_errors() -> None:
    assert serialization("ListUsers", {"UserPoolId": "", "Limit": "1"}) == (
        "STRING_VALUE can not be converted to an Integer"
    )


# --------------------------------------------------------------------------- botocore round trip

_CANDIDATES = (
    "abc",
    POOL,
    "us-east-1_0f8fa6ff-2b36-4e02",
    "0f8fa6ff-2b36-4e02-9b4b-5c1ab7c9f6c3",
    "arn:aws:iam::123456789012:role/example",
    "arn:aws:s3:::bucket",
    "user@example.com",
    "terms-of-use",
    "cognito:english",
    "Your code is {####}",
    "{##Verify##}",
    "123456",
    "import-abc123",
)


def sample_string(shape: Shape) -> str:
    """A string satisfying the shape's enum, pattern and length: the first fitting candidate."""
    meta = shape.metadata
    if "enum" in meta:
        return str(meta["enum"][0])
    low: int = meta.get("min", 0)
    high: int = meta.get("max", 10**6)
    pattern = regex.compile(meta.get("pattern", "(?s).*"))
    for candidate in _CANDIDATES:
        padded = candidate + candidate[-1] * max(0, low - len(candidate))
        if low <= len(padded) <= high and pattern.fullmatch(padded):
            return padded
    raise AssertionError(f"no sample string for {shape.name} {meta}")


def sample_input(shape: Shape, *, full: bool) -> Any:
    """A valid value for `shape`: required members only, or every member when `full`."""
    meta = shape.metadata
    kind = shape.type_name
    if kind == "structure":
        if meta.get("document"):
            return {"kind": "document", "items": [1, "two", None, {"x": True}]}
        wanted = shape.members if full else shape.required_members
        return {name: sample_input(shape.members[name], full=full) for name in wanted}
    if kind == "list":
        count = max(1, meta.get("min", 0))
        return [sample_input(shape.member, full=full) for _ in range(count)]
    if kind == "map":
        return {sample_string(shape.key): sample_input(shape.value, full=full)}
    return sample_scalar(shape)


def sample_scalar(shape: Shape) -> Any:
    meta = shape.metadata
    kind = shape.type_name
    if kind == "string":
        return sample_string(shape)
    if kind in ("integer", "long"):
        return meta.get("min", min(1, meta.get("max", 1)))
    if kind == "boolean":
        return True
    if kind == "blob":
        return b"\x00\x01blob"[: meta.get("max", 6)]
    if kind == "timestamp":
        return datetime(2024, 1, 2, 3, 4, 5, tzinfo=UTC)
    raise AssertionError(f"no sample for {shape.name} of type {kind}")


SERIALIZER = botocore.serialize.create_serializer("json", include_validation=True)


@pytest.mark.parametrize("full", [False, True], ids=["required", "full"])
@pytest.mark.parametrize("name", OPERATIONS)
def test_botocore_serialized_input_parses_back(name: str, full: bool) -> None:
    operation = op(name)
    assert operation.input_shape is not None  # every operation of the model has one
    params = sample_input(operation.input_shape, full=full)
    request = SERIALIZER.serialize_to_request(params, botocore_oracle.operation(name))
    assert parse_request(operation, request["body"]) == params


def test_every_operation_is_covered() -> None:
    assert len(OPERATIONS) == 122


# --------------------------------------------------------------------------- property

SENTENCE = re.compile(
    r"(1 validation error|[2-9]\d* validation errors|1\d+ validation errors) detected: Value "
)

json_values: st.SearchStrategy[Any] = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=8),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner, max_size=3),
    max_leaves=12,
)


def fuzz(shape: Shape, depth: int = 0) -> st.SearchStrategy[Any]:
    """Values shaped like the model (right keys and containers) with arbitrary leaves."""
    kind = shape.type_name
    if depth > 6 or kind not in ("structure", "list", "map") or shape.metadata.get("document"):
        return json_values
    if kind == "structure":
        optional = {name: fuzz(member, depth + 1) for name, member in shape.members.items()}
        shaped: st.SearchStrategy[Any] = st.fixed_dictionaries({}, optional=optional)
    elif kind == "list":
        shaped = st.lists(fuzz(shape.member, depth + 1), max_size=3)
    else:
        shaped = st.dictionaries(st.text(max_size=6), fuzz(shape.value, depth + 1), max_size=3)
    return st.one_of(shaped, json_values)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_random_input_only_raises_the_two_wire_errors(data: st.DataObject) -> None:
    name = data.draw(st.sampled_from(OPERATIONS))
    operation = op(name)
    assert operation.input_shape is not None
    document = data.draw(fuzz(operation.input_shape) | json_values)
    body = data.draw(st.sampled_from([json.dumps(document).encode(), json.dumps(document)[:-1].encode()]))
    try:
        parse_request(operation, body)
    except CognitoError as error:
        assert error.code in ("SerializationException", "InvalidParameterException")
        if error.code == "InvalidParameterException":
            assert error.message is not None
            assert SENTENCE.match(error.message), error.message
