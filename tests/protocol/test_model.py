"""userpool/api/model.py reads the botocore model file through classes of its own: every operation
and every shape reachable from it reads as botocore's own classes (`botocore.model`) read it."""

from __future__ import annotations

from typing import Any

import pytest
from botocore.model import ServiceModel as BotocoreService
from botocore.model import Shape as BotocoreShape

from tests import botocore_oracle
from userpool.api import model
from userpool.api.model import Shape


@pytest.fixture(scope="module")
def botocore_model() -> BotocoreService:
    """The model as botocore itself loads it (its session's loader, the newest API version)."""
    return botocore_oracle.service()


def _same_shape(ours: Shape, theirs: BotocoreShape, seen: set[str], path: str) -> int:
    assert (ours.name, ours.type_name) == (theirs.name, theirs.type_name), path
    assert ours.metadata == theirs.metadata, path
    assert ours.serialization == theirs.serialization, path
    if ours.name in seen:
        return 0
    seen.add(ours.name)
    compared = 1
    if ours.type_name == "structure":
        assert ours.required_members == list(theirs.required_members), path
        members: Any = theirs.members
        assert list(ours.members) == list(members), path
        for name, member in ours.members.items():
            compared += _same_shape(member, members[name], seen, f"{path}.{name}")
    elif ours.type_name == "list":
        compared += _same_shape(ours.member, theirs.member, seen, f"{path}.member")
    elif ours.type_name == "map":
        compared += _same_shape(ours.key, theirs.key, seen, f"{path}.key")
        compared += _same_shape(ours.value, theirs.value, seen, f"{path}.value")
    return compared


def test_every_operation_and_shape_reads_as_botocore_reads_it(botocore_model: BotocoreService) -> None:
    assert model.operation_names() == list(botocore_model.operation_names)
    seen: set[str] = set()
    compared = 0
    for name in model.operation_names():
        ours, theirs = model.operation_model(name), botocore_model.operation_model(name)
        assert ours is not None and ours.name == theirs.name == name
        assert (ours.auth_type, ours.auth) == (theirs.auth_type, theirs.auth), name
        ends = [(ours.input_shape, theirs.input_shape, "input")]
        ends.append((ours.output_shape, theirs.output_shape, "output"))
        for mine, other, part in ends:
            assert (mine is None) == (other is None), f"{name} {part}"
            if mine is not None and other is not None:
                compared += _same_shape(mine, other, seen, f"{name}.{part}")
        assert [s.name for s in ours.error_shapes] == [s.name for s in theirs.error_shapes], name
        for mine, other in zip(ours.error_shapes, theirs.error_shapes, strict=True):
            compared += _same_shape(mine, other, seen, f"{name}.error")
    assert compared > 300  # every shape reachable from an operation was walked
    username = model.service_model().shape_for("UsernameType")
    assert username.metadata == botocore_model.shape_for("UsernameType").metadata
