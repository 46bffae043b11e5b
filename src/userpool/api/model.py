"""The botocore `cognito-idp` service model: the wire contract (ARCHITECTURE idea 1).

The model file of the pinned botocore is read directly, and its shapes are read through the few
classes below, which give what botocore's `botocore.model` classes give for the members this
project reads (a shape's type, metadata, serialization name, members, required members, list
member, map key and value; an operation's input, output, errors and auth). Importing
`botocore.model` pulled in botocore's auth, HTTP and utility modules (urllib3, http.client,
dateutil): a tenth of a second of every start. `tests/protocol/test_model.py` checks every shape
and operation of the model against botocore's own classes."""

from __future__ import annotations

import gzip
import json
from functools import cache, cached_property
from pathlib import Path
from typing import Any

import botocore

TARGET_PREFIX = "AWSCognitoIdentityProviderService."


def operation_of(target: str) -> str:
    """The operation an `X-Amz-Target` header names (`AWSCognitoIdentityProviderService.<Name>`),
    or "" when the target lacks that prefix; whether the operation exists is `operation_model`'s to say."""
    return target[len(TARGET_PREFIX) :] if target.startswith(TARGET_PREFIX) else ""


# The model file of the pinned botocore, read directly: a botocore session (its loader, its
# credential and endpoint machinery) costs a fifth of a second to import and gives the same model.
_MODEL_DIR = Path(botocore.__file__).parent / "data" / "cognito-idp"

# What botocore's Shape moves out of a shape's model (`Shape.METADATA_ATTRS`,
# `Shape.SERIALIZED_ATTRS`); `locationName` is renamed `name`, as botocore does.
_METADATA = (
    "required", "min", "max", "pattern", "sensitive", "enum", "idempotencyToken", "error",
    "exception", "endpointdiscoveryid", "retryable", "document", "union", "contextParam",
    "clientContextParams", "requiresLength",
)  # fmt: skip
_SERIALIZED = (
    "locationName", "queryName", "flattened", "location", "payload", "streaming",
    "timestampFormat", "xmlNamespace", "resultWrapper", "xmlAttribute", "eventstream", "event",
    "eventheader", "eventpayload", "jsonvalue", "hostLabel",
)  # fmt: skip


class Shape:
    """One shape of the model, with the traits of the member reference it was reached by."""

    def __init__(self, name: str, model: dict[str, Any], shapes: _Shapes) -> None:
        self.name = name
        self.type_name: str = model["type"]
        self._model = model
        self._shapes = shapes

    @cached_property
    def metadata(self) -> dict[str, Any]:
        return {key: self._model[key] for key in _METADATA if key in self._model}

    @cached_property
    def serialization(self) -> dict[str, Any]:
        found = {key: self._model[key] for key in _SERIALIZED if key in self._model}
        if "locationName" in found:
            found["name"] = found.pop("locationName")
        return found

    @cached_property
    def members(self) -> dict[str, Shape]:
        return {name: self._shapes.resolve(ref) for name, ref in self._model.get("members", {}).items()}

    @property
    def required_members(self) -> list[str]:
        return list(self._model.get("required", []))

    @cached_property
    def member(self) -> Shape:
        return self._shapes.resolve(self._model["member"])

    @cached_property
    def key(self) -> Shape:
        return self._shapes.resolve(self._model["key"])

    @cached_property
    def value(self) -> Shape:
        return self._shapes.resolve(self._model["value"])

    def __repr__(self) -> str:
        return f"<Shape({self.name})>"


class _Shapes:
    def __init__(self, shapes: dict[str, dict[str, Any]]) -> None:
        self._shapes = shapes

    def named(self, name: str, traits: dict[str, Any] | None = None) -> Shape:
        model = self._shapes[name]
        return Shape(name, {**model, **traits} if traits else model, self)

    def resolve(self, ref: dict[str, Any]) -> Shape:
        """A member reference `{"shape": name, ...traits}`: the shape, its traits overridden by the
        reference's (as botocore's ShapeResolver does)."""
        traits = {key: value for key, value in ref.items() if key != "shape"}
        return self.named(ref["shape"], traits)


class OperationModel:
    def __init__(self, name: str, model: dict[str, Any], shapes: _Shapes) -> None:
        self.name = name
        self._model = model
        self._shapes = shapes
        self.auth_type: str | None = model.get("authtype")
        self.auth: list[str] | None = model.get("auth")

    @cached_property
    def input_shape(self) -> Shape | None:
        ref = self._model.get("input")
        return None if ref is None else self._shapes.resolve(ref)

    @cached_property
    def output_shape(self) -> Shape | None:
        ref = self._model.get("output")
        return None if ref is None else self._shapes.resolve(ref)

    @cached_property
    def error_shapes(self) -> list[Shape]:
        return [self._shapes.resolve(ref) for ref in self._model.get("errors", [])]


class ServiceModel:
    def __init__(self, description: dict[str, Any]) -> None:
        self._operations: dict[str, dict[str, Any]] = description["operations"]
        self._shapes = _Shapes(description["shapes"])
        self.operation_names = list(self._operations)

    def operation_model(self, name: str) -> OperationModel:
        return OperationModel(name, self._operations[name], self._shapes)

    def shape_for(self, name: str) -> Shape:
        return self._shapes.named(name)


@cache
def service_model() -> ServiceModel:
    version = max(_MODEL_DIR.iterdir())  # the newest API version, as botocore's loader takes
    with gzip.open(version / "service-2.json.gz", "rt", encoding="utf-8") as f:
        return ServiceModel(json.load(f))


@cache
def operation_model(name: str) -> OperationModel | None:
    model = service_model()
    if name not in model.operation_names:
        return None
    return model.operation_model(name)


def operation_names() -> list[str]:
    return list(service_model().operation_names)
