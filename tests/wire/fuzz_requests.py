"""Hypothesis strategies for bad `cognito-idp` requests: bodies built from an operation's input
shape (valid ones from the protocol tests' samples), then mutated at a random place in the way a
careless or hostile client would, plus whole-body garbage and odd headers."""

from __future__ import annotations

import copy
import json
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from typing import Any

import botocore.serialize
import regex
from hypothesis import strategies as st

from tests import botocore_oracle
from tests.protocol.test_validate import json_values, sample_input
from userpool.api.errors import CognitoError
from userpool.api.model import TARGET_PREFIX, OperationModel, Shape, operation_model
from userpool.api.validate import parse_request

# Core spec §1.3 / §1.5: errors any operation may answer besides the ones it declares.
GENERIC_ERRORS = frozenset(
    {"SerializationException", "UnknownOperationException", "InvalidParameterException"}
)
GENERIC_ERRORS |= {"NotAuthorizedException", "ResourceNotFoundException"}
NEVER = frozenset({"InternalErrorException"})

SERIALIZER = botocore.serialize.create_serializer("json", include_validation=False)

Path = tuple[str | int, ...]


def op(name: str) -> OperationModel:
    model = operation_model(name)
    assert model is not None
    return model


def allowed_errors(name: str) -> frozenset[str]:
    """The `__type`s `name` may answer: its declared errors and the generic ones, never a 500's."""
    declared = {shape.name for shape in op(name).error_shapes}
    return frozenset(declared | GENERIC_ERRORS) - NEVER


@dataclass(frozen=True)
class Refs:
    """Real resources on the server, so generated requests reach the handlers' deeper paths."""

    pool_id: str
    client_id: str
    username: str
    password: str
    group: str
    access_token: str
    refresh_token: str

    def members(self) -> dict[str, Any]:
        """Top-level input members (by model name) and the real value each can take."""
        auth = {"USERNAME": self.username, "PASSWORD": self.password, "REFRESH_TOKEN": self.refresh_token}
        return {
            "UserPoolId": self.pool_id,
            "ClientId": self.client_id,
            "Username": self.username,
            "GroupName": self.group,
            "AccessToken": self.access_token,
            "RefreshToken": self.refresh_token,
            "Token": self.refresh_token,
            "Password": self.password,
            "PreviousPassword": self.password,
            "AuthParameters": auth,
            "ChallengeResponses": {"USERNAME": self.username, "NEW_PASSWORD": self.password + "x"},
            "UserAttributes": [{"Name": "email", "Value": "fuzz@example.com"}],
            "AttributesToGet": ["email", "sub"],
        }

    def strings(self) -> tuple[str, ...]:
        return (self.pool_id, self.client_id, self.username, self.password, self.group, self.access_token)


# --------------------------------------------------------------------------- valid bodies


@cache
def _full_document(name: str) -> dict[str, Any]:
    """Every member of the input filled with a valid value, as the JSON botocore would send."""
    operation = op(name)
    if operation.input_shape is None:
        return {}
    params = sample_input(operation.input_shape, full=True)
    body = SERIALIZER.serialize_to_request(params, botocore_oracle.operation(name))["body"]
    document: dict[str, Any] = json.loads(body) if body else {}
    return document


@st.composite
def valid_documents(draw: st.DrawFn, name: str, refs: Refs | None) -> dict[str, Any]:
    """Required members plus a drawn subset of the optional ones, some of them real resources."""
    shape = op(name).input_shape
    full = _full_document(name)
    if shape is None:
        return {}
    required = set(shape.required_members)
    optional = sorted(set(full) - required)
    chosen = required | draw(st.sets(st.sampled_from(optional))) if optional else required
    document = {key: copy.deepcopy(full[key]) for key in full if key in chosen}
    if refs is not None:
        real = refs.members()
        for key in sorted(set(shape.members) & set(real)):
            if draw(st.integers(0, 3)) and (key in document or draw(st.booleans())):
                document[key] = copy.deepcopy(real[key])
    return document


def full_document(name: str, refs: Refs) -> dict[str, Any]:
    """Every member with a valid value, the real resource wherever the member names one."""
    document = copy.deepcopy(_full_document(name))
    real = refs.members()
    document.update({key: copy.deepcopy(real[key]) for key in set(document) & set(real)})
    return document


# --------------------------------------------------------------------------- mutations


@dataclass(frozen=True)
class Slot:
    """A place in a request document and the model shape expected there (None: not modelled)."""

    path: Path
    shape: Shape | None


def slots(value: Any, shape: Shape | None, path: Path = ()) -> list[Slot]:
    """Every value in `value` (the root included), with the shape the model puts there."""
    found = [Slot(path, shape)]
    kind = shape.type_name if shape is not None else None
    if isinstance(value, dict):
        for key, item in value.items():
            if kind == "structure" and shape is not None and not shape.metadata.get("document"):
                child: Shape | None = shape.members.get(key)
            else:
                child = shape.value if kind == "map" and shape is not None else None
            found += slots(item, child, (*path, key))
    elif isinstance(value, list):
        member = shape.member if kind == "list" and shape is not None else None
        for index, item in enumerate(value):
            found += slots(item, member, (*path, index))
    return found


def set_at(document: Any, path: Path, value: Any) -> Any:
    """`document` with the value at `path` replaced (the root when `path` is empty)."""
    value = copy.deepcopy(value)  # never share a constant a later mutation could change
    if not path:
        return value
    parent = document
    for step in path[:-1]:
        parent = parent[step]
    parent[path[-1]] = value
    return document


def delete_at(document: Any, path: Path) -> Any:
    parent = document
    for step in path[:-1]:
        parent = parent[step]
    del parent[path[-1]]
    return document


WRONG_TYPES: list[Any] = ["text", 7, -1.5, True, False, {}, [], {"Name": "x"}, ["x"], [None], {"": None}]
ODD_TEXT = ["", " ", "a b", "\x00", "a\x00b", "\t\n\r", "\ud800", "a\udfffb", "\U0001f600" * 3, "é" * 4]
ODD_TEXT += ["\u202e\uffff", "'; DROP TABLE users; --", "${jndi:ldap://x}", "%s%n%x", "us-east-1_", "a" * 300]
ODD_NUMBERS: list[Any] = [0, -1, -(2**31) - 1, 2**31, 2**63, -(2**63) - 1, 10**40, 1e308, -1e308, 0.5, -0.0]


def _bounds_values(shape: Shape) -> list[Any]:
    """Values just outside the shape's `min`/`max`, of the shape's own JSON type."""
    meta = shape.metadata
    kind = shape.type_name
    out: list[Any] = []
    if kind == "string":
        out += ["a" * (meta["max"] + 1)] if "max" in meta else []
        out += ["a" * (meta["min"] - 1)] if meta.get("min", 0) > 0 else []
        out += ["NOT_IN_ENUM", str(meta["enum"][0]).lower()] if "enum" in meta else []
    elif kind in ("integer", "long", "float", "double"):
        out += [meta["max"] + 1] if "max" in meta else []
        out += [meta["min"] - 1] if "min" in meta else []
    elif kind == "list":
        out += [["x"] * (meta["max"] + 1)] if "max" in meta else []
        out += [[]] if meta.get("min", 0) > 0 else []
    elif kind == "map":
        out += [{f"k{i}": "v" for i in range(meta["max"] + 1)}] if "max" in meta else []
    return out


def bad_values(shape: Shape | None) -> st.SearchStrategy[Any]:
    """Values that do not belong where `shape` is expected."""
    options: list[st.SearchStrategy[Any]] = [
        st.sampled_from(WRONG_TYPES),
        st.none(),
        json_values,
        st.sampled_from(ODD_TEXT),
        st.text(max_size=12),
        st.sampled_from(ODD_NUMBERS),
    ]
    if shape is not None and _bounds_values(shape):
        options.insert(0, st.sampled_from(_bounds_values(shape)))
    return st.one_of(options)


UNKNOWN_KEYS = ["Extra", "userPoolId", "username", "__type", "", "\x00", "UserPoolId ", "X" * 200]
# Strings that pass many model patterns; with the real resources' ids and tokens they make
# requests the model accepts and only the handler can judge.
PLAIN_STRINGS = ["abc", "us-east-1_abcDEF123", "user@example.com", "+12065550100", "123456", "email"]
PLAIN_STRINGS += ["custom:tier", "true", "0", "zz", "-1", "eyJ1c2VybmFtZSI6ImFiYyJ9", "2024-01-02T03:04:05Z"]
PLAIN_STRINGS += ["arn:aws:iam::123456789012:role/example", "https://example.com/callback"]
PLAIN_STRINGS += ["f" * 2000, "Tue Jan 2 03:04:05 UTC 2024", 'email = "user@example.com"', 'email ^= "us"']
PLAIN_STRINGS += ['cognito:user_status = "CONFIRMED"', 'name = "\\"', "status ="]
# Keys of the string maps the sign-in operations read (AuthParameters, ChallengeResponses).
MAP_KEYS = ["USERNAME", "PASSWORD", "SECRET_HASH", "SRP_A", "DEVICE_KEY", "REFRESH_TOKEN", "NEW_PASSWORD"]
MAP_KEYS += ["ANSWER", "SMS_MFA_CODE", "SOFTWARE_TOKEN_MFA_CODE", "EMAIL_OTP_CODE", "PREFERRED_CHALLENGE"]
MAP_KEYS += ["PASSWORD_CLAIM_SIGNATURE", "PASSWORD_CLAIM_SECRET_BLOCK", "TIMESTAMP", "userAttributes.email"]


def fits(shape: Shape, value: str) -> bool:
    """Whether `value` satisfies a string shape's length and pattern (enums aside)."""
    meta = shape.metadata
    if not meta.get("min", 0) <= len(value) <= meta.get("max", 10**9):
        return False
    return "pattern" not in meta or regex.fullmatch(meta["pattern"], value) is not None


def model_values(shape: Shape, current: Any, refs: Refs | None) -> st.SearchStrategy[Any]:
    """Other values the model accepts where `shape` is expected: valid, but maybe not sensible."""
    meta = shape.metadata
    kind = shape.type_name
    if kind == "string" and "enum" in meta:
        return st.sampled_from(meta["enum"])
    if kind == "string":
        candidates = PLAIN_STRINGS + (list(refs.strings()) if refs is not None else [])
        fitting = [value for value in candidates if fits(shape, value)]
        return st.sampled_from(fitting) if fitting else st.just(current)
    if kind in ("integer", "long"):
        return st.integers(meta.get("min", -(2**31)), meta.get("max", 2**31 - 1))
    if kind in ("float", "double"):
        return st.floats(allow_nan=False, allow_infinity=False)
    if kind == "boolean":
        return st.booleans()
    if kind == "timestamp":
        return st.integers(0, 2**33)
    if kind == "list" and isinstance(current, list):
        return st.sampled_from([[], current * 2, current[:1]])
    if kind == "map" and shape.value.type_name == "string":
        return st.dictionaries(st.sampled_from(MAP_KEYS), model_values(shape.value, "", refs), max_size=4)
    return st.just({}) if kind in ("structure", "map") else st.just(current)


@st.composite
def mutate(draw: st.DrawFn, document: dict[str, Any], shape: Shape | None, refs: Refs | None) -> Any:
    """One change at a drawn place: another value the model accepts (most often), a value it
    rejects, a removed member, or an unknown member."""
    places = slots(document, shape)
    members = places[1:]  # the root itself is replaced by RAW_BODIES
    how = draw(st.sampled_from(["model", "model", "model", "bad", "bad", "delete", "unknown"]))
    place = draw(st.sampled_from(members)) if members else places[0]
    if how == "model" and place.shape is not None and place.path:
        return set_at(document, place.path, draw(model_values(place.shape, at(document, place.path), refs)))
    if how == "delete" and place.path:
        return delete_at(document, place.path)
    if how == "unknown" or not place.path:
        containers = [slot for slot in places if isinstance(at(document, slot.path), dict)]
        target = at(document, draw(st.sampled_from(containers)).path)
        target[draw(st.sampled_from(UNKNOWN_KEYS) | st.text(max_size=8))] = copy.deepcopy(draw(json_values))
        return document
    return set_at(document, place.path, draw(bad_values(place.shape)))


def at(document: Any, path: Path) -> Any:
    for step in path:
        document = document[step]
    return document


@st.composite
def documents(draw: st.DrawFn, name: str, refs: Refs | None) -> Any:
    """A valid document with 0 to 3 mutations (0: the valid document itself)."""
    document: Any = draw(valid_documents(name, refs))
    shape = op(name).input_shape
    for _ in range(draw(st.integers(0, 3))):
        if not isinstance(document, dict):
            break
        document = draw(mutate(document, shape, refs))
    return document


# --------------------------------------------------------------------------- raw bodies

RAW_BODIES = [
    b"",
    b"  \n",
    b"nope",
    b"{",
    b"}",
    b"[]",
    b"null",
    b"1",
    b'"text"',
    b"\xff\xfe\x00",
    b"\x00" * 16,
]
RAW_BODIES += [b'{"a": NaN}', b'{"a": Infinity}', b'{"a": 1e999}', b'{"a": "\\ud800"}', b'{"a": "\\u0000"}']
RAW_BODIES += [b"[" * 100_000, b'{"a":' * 20_000, b"1" * 5_000, b'{"a": ' + b"9" * 5_000 + b"}"]


def encode(document: Any) -> bytes:
    """JSON text of a document; lone surrogates are sent as `\\uXXXX` escapes, as JSON allows."""
    return json.dumps(document).encode()


def _framed(body: bytes) -> st.SearchStrategy[bytes]:
    """`body` damaged as text: truncated, with trailing junk, a BOM, Latin-1, duplicate keys."""
    cut = st.integers(0, max(0, len(body) - 1)).map(lambda n: body[:n])
    return st.one_of(
        cut,
        st.just(body + b"garbage"),
        st.just(body + b"{}"),
        st.just(b"\xef\xbb\xbf" + body),
        st.just(body.decode().encode("utf-16")),
        st.just(body[:-1] + b', "UserPoolId": 1}' if body.endswith(b"}") and len(body) > 2 else body),
        st.just(body.replace(b'"', b"'")),
    )


@st.composite
def bodies(draw: st.DrawFn, name: str, refs: Refs | None) -> bytes:
    """A request body for `name`: mostly a (mutated) document, sometimes raw garbage."""
    body = encode(draw(documents(name, refs)))
    choice = draw(st.sampled_from(["document"] * 10 + ["raw", "framed"]))
    if choice == "raw":
        return draw(st.sampled_from(RAW_BODIES) | st.binary(max_size=64))
    if choice == "framed":
        return draw(_framed(body))
    return body


# --------------------------------------------------------------------------- headers

CONTENT_TYPES = ["application/x-amz-json-1.1", "application/x-amz-json-1.0", "application/json", "", ";;;="]
CONTENT_TYPES += ["text/plain; charset=utf-8", "multipart/form-data; boundary=x"]
AUTHORIZATIONS = [
    "garbage",
    "AWS4-HMAC-SHA256",
    "AWS4-HMAC-SHA256 Credential=",
    "AWS4-HMAC-SHA256 Credential=AKID/20240101/eu-west-1/cognito-idp/aws4_request, Signature=00",
    "AWS4-HMAC-SHA256 Credential=AKID/20240101/" + "x" * 60 + "/cognito-idp/aws4_request",
    "AWS4-HMAC-SHA256 Credential=AKID/20240101/-/cognito-idp/aws4_request",
    "AWS4-HMAC-SHA256 Credential=AKID/20240101/0/cognito-idp/aws4_request",
    "Bearer " + "A" * 2000,
    "Credential=a/1/b/",
]


def bad_targets(name: str) -> list[str | None]:
    """`X-Amz-Target` values that name no operation (None: header left out)."""
    return [
        None,
        "",
        name,
        TARGET_PREFIX,
        TARGET_PREFIX + name.lower(),
        TARGET_PREFIX + " " + name,
        TARGET_PREFIX + "NoSuchOperation",
        TARGET_PREFIX.lower() + name,
        "AWSCognitoIdentityService." + name,
        "AWSCognitoIdentityProviderService" + name,
        TARGET_PREFIX + name + "." + name,
        TARGET_PREFIX + "__init__",
        TARGET_PREFIX + "HANDLERS",
    ]


def headers_for(target: str | None, content_type: str | None, authorization: str | None) -> Mapping[str, str]:
    headers = {"X-Amz-Target": target, "Content-Type": content_type, "Authorization": authorization}
    return {key: value for key, value in headers.items() if value is not None}


# --------------------------------------------------------------------------- odd but valid text


def odd_strings(value: str, shape: Shape) -> list[str]:
    """Variants of a valid string that may still pass validation: astral, combining, bidi and
    non-characters, upper case, and the longest value the model allows, also in a letter whose
    lower case is longer (`İ`), as case-insensitive lookups store it."""
    variants = [value + "\U0001f600", value + "\u0301\u202e\uffff", value.upper()]
    high = shape.metadata.get("max", 0)
    if value and len(value) < high <= 5000:
        variants += [value + value[-1] * (high - len(value)), value + "İ" * (high - len(value))]
    return variants


def odd_documents(name: str, refs: Refs) -> list[dict[str, Any]]:
    """The full document with one string member at a time replaced by an odd variant that passes
    the model's validation, so that the handler has to cope with it."""
    operation = op(name)
    base = full_document(name, refs)
    out = []
    for slot in slots(base, operation.input_shape):
        if slot.shape is None or slot.shape.type_name != "string" or not slot.path:
            continue
        for variant in odd_strings(at(base, slot.path), slot.shape):
            document = set_at(copy.deepcopy(base), slot.path, variant)
            try:
                parse_request(operation, encode(document))
            except CognitoError:
                continue
            out.append(document)
    return out
