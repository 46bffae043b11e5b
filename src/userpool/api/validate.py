"""Request parsing and model-constraint validation, driven by the botocore model.

`parse_request(operation, body)` turns a JSON 1.1 request body into the operation's input dict, or
raises the `CognitoError` Cognito would answer:

* Body not JSON / not an object -> `SerializationException` without a message (core spec §1.5);
  so is a body with a NUL or a lone surrogate in any string, text no store can hold [INF].
* A JSON value of the wrong type for its modelled slot -> `SerializationException` with a
  Coral-style message; an object or array in a scalar slot says exactly
  `Start of structure or map found where not expected.` (§1.5).
* Model constraints (`required`, `min`, `max`, `pattern`, `enum`) -> `InvalidParameterException`
  with the Coral sentence of §1.4.

Coral paths (§1.4 rule 3, with the Coral forms observed on other AWS services for collections):

* a member is its name with the first letter lower-cased, nested with dots: `analyticsMetadata.x`;
* a list whose members are structures, lists or maps: `userAttributes.1.member.value` (1-based);
* a list of scalars is reported once, at the list:
  `Value '[a, b]' at 'attributesToGet' failed to satisfy constraint: Member must satisfy
  constraint: [<every constraint of the member shape>]`;
* a map of scalars likewise, at the map, with `Map keys must satisfy constraint: [...]` and
  `Map value must satisfy constraint: [...]`, the map shown as `{k=v, k2=v2}`;
  a map whose values are structures, lists or maps recurses as `<map>.<key>.member`;
* inside `[...]` constraints are listed max, min, pattern, enum (observed Coral order); a null
  element adds `Member must not be null`.

Values are hidden (`Value at '<path>'`) when the member's shape or any enclosing shape is
`sensitive` (§1.4 rule 4), and always for blobs. A missing required member is always
`Value null at '<path>'`, sensitive or not.

Everything about a shape is compiled once per operation (`_input_node`), so the per-request cost
is one `json.loads` plus one walk over the members actually modelled.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cache
from typing import Any, NoReturn

import regex

from userpool.api.errors import CognitoError
from userpool.api.model import OperationModel, Shape

SERIALIZATION: str = "SerializationException"
INVALID_PARAMETER: str = "InvalidParameterException"

_UNEXPECTED_OBJECT = "Start of structure or map found where not expected."  # §1.5, object/array in a scalar
_UNEXPECTED_LIST = "Start of list found where not expected"  # array where a structure/map is modelled
_NOT_NULL = "Member must not be null"
_ITEM_ORDER = ("pattern", "min", "max", "enum")  # §1.4 rule 2
_BRACKET_ORDER = ("max", "min", "pattern", "enum")  # Coral's "[...]" lists

_INT32 = (-(2**31), 2**31 - 1)
_INT64 = (-(2**63), 2**63 - 1)


def parse_request(operation: OperationModel, body: bytes) -> dict[str, Any]:
    """Decode, type-check and validate one request body for `operation` (core spec §1.4, §1.5).

    Returns the input as a dict keyed by model member names, with unknown members dropped and
    blobs decoded to `bytes`, timestamps to aware `datetime`s.
    """
    document = _decode(body)
    node = _input_node(operation)
    if node is None:
        return {}
    errors: list[str] = []
    parsed: dict[str, Any] = node.parse(document, "", errors)
    if errors:
        raise CognitoError(INVALID_PARAMETER, validation_sentence(errors))
    return parsed


def validation_sentence(items: list[str]) -> str:
    """`N validation error(s) detected: <item>; <item>` (core spec §1.4 rule 1 and 2)."""
    noun = "error" if len(items) == 1 else "errors"
    return f"{len(items)} validation {noun} detected: " + "; ".join(items)


def _decode(body: bytes) -> dict[str, Any]:
    """The body's top-level JSON object; an empty body is `{}` (core spec §1.5).

    Text no store can hold is malformed too [INF]: a lone UTF-16 surrogate (`"\\ud800"`, which no
    UTF-8 encoder accepts) or a NUL character (which PostgreSQL text refuses) anywhere in the body.
    """
    if not body or body.isspace():
        return {}
    try:
        text = body.decode(json.detect_encoding(body), "surrogatepass")  # as json.loads(bytes) does
        document = json.loads(text, parse_constant=_reject_constant)
        if _UNSTORABLE_HINT.search(text) and _unstorable(document):
            raise ValueError("unstorable text")
    except (ValueError, RecursionError):
        raise CognitoError(SERIALIZATION) from None
    if type(document) is not dict:
        raise CognitoError(SERIALIZATION)
    return document


# A cheap test on the raw text before walking the document: a NUL or surrogate escape, or a raw
# surrogate (bytes decoded with `surrogatepass`). Escaped backslashes make it a hint, not a proof.
_UNSTORABLE_HINT = re.compile(r"\\u(?:0000|[dD][89abcdefABCDEF])|[\ud800-\udfff]")
_UNSTORABLE = re.compile(r"[\x00\ud800-\udfff]")


def _unstorable(value: Any) -> bool:
    """Whether a decoded JSON value holds a NUL or a lone surrogate in any key or string."""
    if isinstance(value, str):
        return _UNSTORABLE.search(value) is not None
    if isinstance(value, dict):
        return any(_unstorable(key) or _unstorable(item) for key, item in value.items())
    if isinstance(value, list):
        return any(_unstorable(item) for item in value)
    return False


def _reject_constant(name: str) -> NoReturn:
    raise ValueError(f"{name} is not JSON")


# --------------------------------------------------------------------------- messages


def _item(shown: str | None, path: str, constraint: str) -> str:
    """One Coral item; `shown` is None when the value must not be echoed (§1.4 rule 4)."""
    if shown is None:
        return f"Value at '{path}' failed to satisfy constraint: {constraint}"
    return f"Value '{shown}' at '{path}' failed to satisfy constraint: {constraint}"


def _null_item(path: str) -> str:
    return f"Value null at '{path}' failed to satisfy constraint: {_NOT_NULL}"


def _display(value: Any) -> str:
    """A value as Coral (Java `toString`) echoes it: `[a, b]`, `{k=v}`, `true`, `null`."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return "[" + ", ".join(_display(item) for item in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{key}={_display(item)}" for key, item in value.items()) + "}"
    return str(value)


def _token(value: Any) -> str:
    """The Jackson token name of a JSON scalar, as Coral's messages use it."""
    if value is True:
        return "TRUE_VALUE"
    if value is False:
        return "FALSE_VALUE"
    return "STRING_VALUE" if isinstance(value, str) else "NUMBER_VALUE"


def _mismatch(value: Any, target: str, *, list_message: str = _UNEXPECTED_OBJECT) -> CognitoError:
    """The `SerializationException` for a JSON value that cannot fill a `target` slot (§1.5)."""
    if isinstance(value, dict):
        return CognitoError(SERIALIZATION, _UNEXPECTED_OBJECT)
    if isinstance(value, list):
        return CognitoError(SERIALIZATION, list_message)
    return CognitoError(SERIALIZATION, f"{_token(value)} can not be converted to {target}")


# --------------------------------------------------------------------------- constraints


@dataclass(frozen=True, slots=True)
class _Check:
    """One model constraint: its kind (`min`, `max`, `pattern`, `enum`), test and Coral text."""

    kind: str
    holds: Callable[[Any], bool]
    text: str


@cache
def _pattern(source: str) -> Any:
    """Compile a model pattern once (§1.4 rule 5); matched with full-match, as Java's `matches()`.

    Java's `\\w`, `\\d` and `\\s` are ASCII-only, so patterns without `\\p{..}` classes compile with
    `regex.ASCII` (which would also narrow `\\p{L}`, so those patterns stay Unicode).
    """
    flags = 0 if "\\p{" in source or "\\P{" in source else regex.ASCII
    return regex.compile(source, flags)


def _bounds(meta: dict[str, Any], measure: Callable[[Any], int], noun: str) -> list[_Check]:
    """`min`/`max` checks on `measure(value)`; `noun` is `length` or `value` (§1.4 rule 5)."""
    checks = []
    if "min" in meta:
        low = meta["min"]
        text = f"Member must have {noun} greater than or equal to {low}"
        checks.append(_Check("min", lambda v: measure(v) >= low, text))
    if "max" in meta:
        high = meta["max"]
        text = f"Member must have {noun} less than or equal to {high}"
        checks.append(_Check("max", lambda v: measure(v) <= high, text))
    return checks


def _string_checks(meta: dict[str, Any]) -> list[_Check]:
    """Pattern, length (in code points) and enum checks of a string shape."""
    checks = _bounds(meta, len, "length")
    if "pattern" in meta:
        compiled = _pattern(meta["pattern"])
        text = f"Member must satisfy regular expression pattern: {meta['pattern']}"
        checks.append(_Check("pattern", lambda v: compiled.fullmatch(v) is not None, text))
    if "enum" in meta:
        allowed = frozenset(meta["enum"])
        text = "Member must satisfy enum value set: [" + ", ".join(meta["enum"]) + "]"
        checks.append(_Check("enum", allowed.__contains__, text))
    return checks


def _ordered(checks: list[_Check], order: tuple[str, ...]) -> tuple[_Check, ...]:
    return tuple(check for kind in order for check in checks if check.kind == kind)


def _identity(value: Any) -> Any:
    return value


def _all_of(tests: tuple[Callable[[Any], bool], ...]) -> Callable[[Any], bool]:
    """One predicate for the hot path: true when every test holds."""
    if len(tests) == 1:
        return tests[0]

    def accepts(value: Any) -> bool:
        for test in tests:  # noqa: SIM110 -- a plain loop is ~2x faster than all(<genexpr>)
            if not test(value):
                return False
        return True

    return accepts


# --------------------------------------------------------------------------- compiled shapes


class _Node:
    """A compiled shape: parses one decoded JSON value, appending constraint failures to `errors`."""

    __slots__ = ("hidden",)

    def __init__(self, hidden: bool) -> None:
        self.hidden = hidden  # never echo this value: it is, is inside or contains a sensitive shape

    def parse(self, value: Any, path: str, errors: list[str]) -> Any:
        raise NotImplementedError


class _Document(_Node):
    """A `document` structure: any JSON value, passed through as is."""

    __slots__ = ()

    def __init__(self) -> None:
        super().__init__(False)

    def parse(self, value: Any, path: str, errors: list[str]) -> Any:
        return value


class _Scalar(_Node):
    """A leaf shape: `convert` checks the JSON type, then the shape's constraints apply."""

    __slots__ = ("accepts", "bracket", "checks", "target")

    def __init__(self, checks: list[_Check], hidden: bool, target: str) -> None:
        super().__init__(hidden)
        self.checks = _ordered(checks, _ITEM_ORDER)
        self.accepts = _all_of(tuple(check.holds for check in self.checks))
        self.bracket = [check.text for check in _ordered(checks, _BRACKET_ORDER)]
        self.target = target  # the Java type named in type-mismatch messages

    def convert(self, value: Any) -> Any:
        raise NotImplementedError

    def parse(self, value: Any, path: str, errors: list[str]) -> Any:
        converted = self.convert(value)
        if not self.accepts(converted):
            shown = None if self.hidden else _display(value)
            errors.extend(
                _item(shown, path, check.text) for check in self.checks if not check.holds(converted)
            )
        return converted

    def bracket_text(self, prefix: str, has_null: bool) -> str:
        """`<prefix> must satisfy constraint: [...]`, the collection form of this shape's rules."""
        texts = [*self.bracket, _NOT_NULL] if has_null else self.bracket
        return f"{prefix} must satisfy constraint: [" + ", ".join(texts) + "]"


class _String(_Scalar):
    __slots__ = ()

    def __init__(self, shape: Shape, hidden: bool) -> None:
        super().__init__(_string_checks(shape.metadata), hidden, "a String")

    def convert(self, value: Any) -> Any:
        if type(value) is not str:
            raise _mismatch(value, self.target)
        return value


class _Integer(_Scalar):
    """`integer` (32-bit) and `long` (64-bit); booleans and floats are not integers."""

    __slots__ = ("limits",)

    def __init__(self, shape: Shape, hidden: bool) -> None:
        is_long = shape.type_name == "long"
        super().__init__(
            _bounds(shape.metadata, _identity, "value"), hidden, "a Long" if is_long else "an Integer"
        )
        self.limits = _INT64 if is_long else _INT32

    def convert(self, value: Any) -> Any:
        if type(value) is not int or not self.limits[0] <= value <= self.limits[1]:
            raise _mismatch(value, self.target)
        return value


class _Float(_Scalar):
    __slots__ = ()

    def __init__(self, shape: Shape, hidden: bool) -> None:
        super().__init__(_bounds(shape.metadata, _identity, "value"), hidden, "a Double")

    def convert(self, value: Any) -> Any:
        if type(value) not in (int, float):
            raise _mismatch(value, self.target)
        try:
            return float(value)
        except OverflowError:
            raise _mismatch(value, self.target) from None


class _Boolean(_Scalar):
    __slots__ = ()

    def __init__(self, shape: Shape, hidden: bool) -> None:
        super().__init__([], hidden, "a Boolean")

    def convert(self, value: Any) -> Any:
        if type(value) is not bool:
            raise _mismatch(value, self.target)
        return value


class _Timestamp(_Scalar):
    """Epoch seconds (JSON 1.1's timestamp format), returned as an aware UTC `datetime`."""

    __slots__ = ()

    def __init__(self, shape: Shape, hidden: bool) -> None:
        super().__init__([], hidden, "a Date")

    def convert(self, value: Any) -> Any:
        if type(value) not in (int, float):
            raise _mismatch(value, self.target)
        try:
            return datetime.fromtimestamp(value, UTC)
        except (OverflowError, OSError, ValueError):
            raise CognitoError(SERIALIZATION, f"Timestamp {value} is out of range") from None


class _Blob(_Scalar):
    """Base64 text decoded to `bytes`; `min`/`max` count bytes; never echoed."""

    __slots__ = ()

    def __init__(self, shape: Shape, hidden: bool) -> None:
        super().__init__(_bounds(shape.metadata, len, "length"), True, "a ByteBuffer")

    def convert(self, value: Any) -> Any:
        if type(value) is not str:
            raise _mismatch(value, self.target)
        try:
            return base64.b64decode(value, validate=True)
        except (binascii.Error, ValueError):
            raise CognitoError(SERIALIZATION, "Base64 encoded value is not valid") from None


class _Collection(_Node):
    """Shared by lists and maps: size constraints and how the whole collection is echoed."""

    __slots__ = ("sizes",)

    def __init__(self, shape: Shape, hidden: bool) -> None:
        super().__init__(hidden)
        self.sizes = _ordered(_bounds(shape.metadata, len, "length"), _ITEM_ORDER)

    def shown(self, value: Any) -> str | None:
        return None if self.hidden else _display(value)

    def check_size(self, value: Any, path: str, errors: list[str]) -> None:
        for check in self.sizes:
            if not check.holds(value):
                errors.append(_item(self.shown(value), path, check.text))


class _List(_Collection):
    __slots__ = ("member",)

    def __init__(self, shape: Shape, member: _Node, hidden: bool) -> None:
        super().__init__(shape, hidden or member.hidden)
        self.member = member

    def parse(self, value: Any, path: str, errors: list[str]) -> Any:
        if type(value) is not list:
            raise _mismatch(value, "a List")
        self.check_size(value, path, errors)
        if isinstance(self.member, _Scalar):
            return self._parse_scalars(self.member, value, path, errors)
        out = []
        for index, item in enumerate(value, 1):
            item_path = f"{path}.{index}.member"
            if item is None:
                errors.append(_null_item(item_path))
            else:
                out.append(self.member.parse(item, item_path, errors))
        return out

    def _parse_scalars(self, member: _Scalar, value: list[Any], path: str, errors: list[str]) -> Any:
        """Type-check every element, then report any failure once at the list (Coral form)."""
        out = [member.convert(item) for item in value if item is not None]
        has_null = len(out) != len(value)
        if has_null or not all(map(member.accepts, out)):
            errors.append(_item(self.shown(value), path, member.bracket_text("Member", has_null)))
        return out


class _Map(_Collection):
    __slots__ = ("key", "value")

    def __init__(self, shape: Shape, key: _Scalar, value: _Node, hidden: bool) -> None:
        super().__init__(shape, hidden or key.hidden or value.hidden)
        self.key = key
        self.value = value

    def parse(self, value: Any, path: str, errors: list[str]) -> Any:
        if type(value) is not dict:
            raise _mismatch(value, "a Map", list_message=_UNEXPECTED_LIST)
        self.check_size(value, path, errors)
        keys = [self.key.convert(key) for key in value]
        if not all(map(self.key.accepts, keys)):
            errors.append(_item(self.shown(value), path, self.key.bracket_text("Map keys", False)))
        if isinstance(self.value, _Scalar):
            return self._parse_scalars(self.value, value, path, errors)
        # A null map value is dropped, not refused: AWS's own amazon-cognito-identity-js retries a
        # PASSWORD_VERIFIER with `"DEVICE_KEY": null` after `Device does not exist.` (core spec
        # §9.5) and relies on Cognito ignoring it [INF from the client's code].
        return {
            key: self.value.parse(item, f"{path}.{key}.member", errors)
            for key, item in value.items()
            if item is not None
        }

    def _parse_scalars(self, member: _Scalar, value: dict[str, Any], path: str, errors: list[str]) -> Any:
        out = {key: member.convert(item) for key, item in value.items() if item is not None}
        if not all(map(member.accepts, out.values())):
            errors.append(_item(self.shown(value), path, member.bracket_text("Map value", False)))
        return out


@dataclass(frozen=True, slots=True)
class _Member:
    name: str  # model member name: the key in the parsed dict
    wire: str  # JSON key (the model's serialization name, normally the member name)
    coral: str  # path segment: the name with its first letter lower-cased (§1.4 rule 3)
    node: _Node
    required: bool


class _Structure(_Node):
    __slots__ = ("members",)

    def __init__(self, members: tuple[_Member, ...]) -> None:
        super().__init__(any(member.node.hidden for member in members))
        self.members = members

    def parse(self, value: Any, path: str, errors: list[str]) -> Any:
        if type(value) is not dict:
            raise _mismatch(value, "a Structure", list_message=_UNEXPECTED_LIST)
        out = {}
        prefix = f"{path}." if path else ""
        for member in self.members:
            item = value.get(member.wire)
            if item is not None:
                out[member.name] = member.node.parse(item, prefix + member.coral, errors)
            elif member.required:
                errors.append(_null_item(prefix + member.coral))
        return out


# --------------------------------------------------------------------------- compilation

_SCALARS: dict[str, type[_String | _Integer | _Float | _Boolean | _Timestamp | _Blob]] = {
    "string": _String,
    "integer": _Integer,
    "long": _Integer,
    "float": _Float,
    "double": _Float,
    "boolean": _Boolean,
    "timestamp": _Timestamp,
    "blob": _Blob,
}


@cache
def _input_node(operation: OperationModel) -> _Node | None:
    """The compiled input shape of `operation`, built on first use and kept for the process."""
    shape = operation.input_shape
    return None if shape is None else _compile(shape, False, {})


def _compile(shape: Shape, hidden: bool, memo: dict[tuple[str, bool], _Node]) -> _Node:
    """Compile `shape`; `hidden` is true when it or an enclosing shape is sensitive (§1.4 rule 4)."""
    hidden = hidden or bool(shape.metadata.get("sensitive"))
    key = (shape.name, hidden)
    if key not in memo:
        memo[key] = _build(shape, hidden, memo)
    return memo[key]


def _build(shape: Shape, hidden: bool, memo: dict[tuple[str, bool], _Node]) -> _Node:
    kind = shape.type_name
    if kind in _SCALARS:
        return _SCALARS[kind](shape, hidden)
    if kind == "list":
        return _List(shape, _compile(shape.member, hidden, memo), hidden)
    if kind == "map":
        key = _compile(shape.key, hidden, memo)
        assert isinstance(key, _Scalar), f"map key shape {shape.key.name} is not a scalar"
        return _Map(shape, key, _compile(shape.value, hidden, memo), hidden)
    if kind == "structure":
        if shape.metadata.get("document"):
            return _Document()
        return _Structure(_members(shape, hidden, memo))
    raise NotImplementedError(f"shape {shape.name} has unsupported type {kind}")


def _members(shape: Shape, hidden: bool, memo: dict[tuple[str, bool], _Node]) -> tuple[_Member, ...]:
    required = set(shape.required_members)
    return tuple(
        _Member(
            name=name,
            wire=member.serialization.get("name", name),
            coral=name[:1].lower() + name[1:],
            node=_compile(member, hidden, memo),
            required=name in required,
        )
        for name, member in shape.members.items()
    )
