"""Response shaping: a handler's result, cut to the operation's output shape (core spec §1.3).

`shape_response(operation, result)` returns the JSON-ready body of a successful response:

* only members the output shape models go out (anything else a handler returns is dropped), and
  `None` values are left out, both for structure members and map values;
* timestamps (`datetime`, naive taken as UTC, or epoch `int`/`float`) become epoch seconds, floats
  rounded to milliseconds, as AWS JSON 1.1 sends them; blobs (`bytes`) become base64 text;
* integers, booleans and strings must already be of that kind (an `Enum` member is replaced by its
  value, an integral float by the int); anything else raises `TypeError` naming the member path,
  because it is a handler bug that must surface in tests rather than on the wire.

Operations without an output shape answer `{}`. Each output shape is compiled once per operation.
"""

from __future__ import annotations

import base64
import enum
import math
from collections.abc import Callable, Iterable, Mapping
from datetime import UTC, datetime
from functools import cache
from typing import Any

from userpool.api.model import OperationModel, Shape

_Emit = Callable[[Any], Any]
_INT_LIMITS = {"integer": (-(2**31), 2**31 - 1), "long": (-(2**63), 2**63 - 1)}


def shape_response(operation: OperationModel, result: Mapping[str, Any]) -> dict[str, Any]:
    """The response body for `result`, shaped by `operation`'s output shape (core spec §1.3)."""
    emit = _output_emitter(operation)
    if emit is None:
        return {}
    try:
        body: dict[str, Any] = emit(result)
    except _Mismatch as exc:
        raise TypeError(exc.describe(operation.name)) from None
    return body


class _Mismatch(TypeError):
    """A value that cannot fill its shape; `where` collects the path while unwinding."""

    def __init__(self, expected: str, shape: Shape, value: Any) -> None:
        super().__init__(expected)
        self.expected = expected
        self.shape_name: str = shape.name
        self.value = value
        self.where: list[str] = []

    def describe(self, operation: str) -> str:
        path = "".join(reversed(self.where)).lstrip(".") or "<result>"
        shown = repr(self.value)
        shown = shown if len(shown) <= 80 else shown[:77] + "..."
        return (
            f"{operation} response: {path} must be {self.expected} (shape {self.shape_name}), "
            f"got {type(self.value).__name__} {shown}"
        )


@cache
def _output_emitter(operation: OperationModel) -> _Emit | None:
    shape = operation.output_shape
    return None if shape is None else _compile(shape, {})


def _compile(shape: Shape, memo: dict[str, _Emit]) -> _Emit:
    if shape.name not in memo:
        memo[shape.name] = _build(shape, memo)
    return memo[shape.name]


def _build(shape: Shape, memo: dict[str, _Emit]) -> _Emit:
    kind = shape.type_name
    if kind == "structure":
        return _document if shape.metadata.get("document") else _structure(shape, memo)
    if kind == "list":
        return _list(shape, _compile(shape.member, memo))
    if kind == "map":
        return _map(shape, _compile(shape.key, memo), _compile(shape.value, memo))
    factory = _SCALARS.get(kind)
    if factory is None:
        raise NotImplementedError(f"shape {shape.name} has unsupported type {kind}")
    return factory(shape)


# --------------------------------------------------------------------------- containers


def _structure(shape: Shape, memo: dict[str, _Emit]) -> _Emit:
    members = tuple(
        (name, member.serialization.get("name", name), _compile(member, memo))
        for name, member in shape.members.items()
    )

    def emit(value: Any) -> Any:
        if type(value) is not dict and not isinstance(value, Mapping):  # a dict skips the ABC check
            raise _Mismatch("a mapping", shape, value)
        out = {}
        for name, wire, emit_member in members:
            item = value.get(name)
            if item is not None:
                try:
                    out[wire] = emit_member(item)
                except _Mismatch as exc:
                    exc.where.append(f".{name}")
                    raise
        return out

    return emit


def _list(shape: Shape, emit_member: _Emit) -> _Emit:
    def emit(value: Any) -> Any:
        if type(value) is not list and (
            isinstance(value, str | bytes | bytearray | Mapping) or not isinstance(value, Iterable)
        ):
            raise _Mismatch("a list", shape, value)
        out = []
        for index, item in enumerate(value):
            try:
                if item is None:
                    raise _Mismatch("a list element (None is not allowed)", shape, item)
                out.append(emit_member(item))
            except _Mismatch as exc:
                exc.where.append(f"[{index}]")
                raise
        return out

    return emit


def _map(shape: Shape, emit_key: _Emit, emit_value: _Emit) -> _Emit:
    def emit(value: Any) -> Any:
        if not isinstance(value, Mapping):
            raise _Mismatch("a mapping", shape, value)
        out = {}
        for key, item in value.items():
            if item is None:
                continue
            try:
                out[emit_key(key)] = emit_value(item)
            except _Mismatch as exc:
                exc.where.append(f"[{key!r}]")
                raise
        return out

    return emit


def _document(value: Any) -> Any:
    """A `document` member is free JSON and goes out as given."""
    return value


# --------------------------------------------------------------------------- scalars


def _plain(value: Any) -> Any:
    """An `Enum` member stands for its value."""
    return value.value if isinstance(value, enum.Enum) else value


def _string(shape: Shape) -> _Emit:
    def emit(value: Any) -> Any:
        if type(value) is str:
            return value
        value = _plain(value)
        if not isinstance(value, str):
            raise _Mismatch("a str", shape, value)
        return str.__str__(value)  # a plain str even for str subclasses

    return emit


def _integer(shape: Shape) -> _Emit:
    low, high = _INT_LIMITS[shape.type_name]

    def emit(value: Any) -> Any:
        value = _plain(value)
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
            raise _Mismatch(f"an int in [{low}, {high}]", shape, value)
        return int(value)

    return emit


def _float(shape: Shape) -> _Emit:
    def emit(value: Any) -> Any:
        if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
            raise _Mismatch("a finite float", shape, value)
        return float(value)

    return emit


def _boolean(shape: Shape) -> _Emit:
    def emit(value: Any) -> Any:
        if not isinstance(value, bool):
            raise _Mismatch("a bool", shape, value)
        return value

    return emit


def _timestamp(shape: Shape) -> _Emit:
    """Epoch seconds, millisecond precision (AWS JSON 1.1 timestamps)."""

    def emit(value: Any) -> Any:
        if isinstance(value, datetime):
            aware = value if value.tzinfo is not None else value.replace(tzinfo=UTC)
            return round(aware.timestamp(), 3)
        if isinstance(value, int) and not isinstance(value, bool):
            return int(value)
        if isinstance(value, float) and math.isfinite(value):
            return round(value, 3)
        raise _Mismatch("a datetime or epoch seconds", shape, value)

    return emit


def _blob(shape: Shape) -> _Emit:
    def emit(value: Any) -> Any:
        if not isinstance(value, bytes | bytearray | memoryview):
            raise _Mismatch("bytes", shape, value)
        return base64.b64encode(value).decode("ascii")

    return emit


_SCALARS: dict[str, Callable[[Shape], _Emit]] = {
    "string": _string,
    "integer": _integer,
    "long": _integer,
    "float": _float,
    "double": _float,
    "boolean": _boolean,
    "timestamp": _timestamp,
    "blob": _blob,
}
