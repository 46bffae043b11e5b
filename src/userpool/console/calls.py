"""Every console action and most reads go through the operation layer with the operation's JSON,
exactly as an API call would (`dispatch.invoke`): same validation, same errors, one transaction."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from userpool.api import dispatch
from userpool.api.model import operation_model
from userpool.domain.mfa import MFA_STATE, PoolMfa, pool_mfa


@dataclass(frozen=True)
class Outcome:
    """An operation's answer: its body on success, else the error's code and message."""

    body: dict[str, Any] = field(default_factory=dict)
    code: str | None = None
    message: str = ""

    @property
    def ok(self) -> bool:
        return self.code is None


class OperationFailed(Exception):
    """A read the page cannot do without (e.g. DescribeUserPool of a pool that does not exist)."""

    def __init__(self, outcome: Outcome) -> None:
        super().__init__(f"{outcome.code}: {outcome.message}")
        self.outcome = outcome


def call(server: dispatch.Server, name: str, params: Mapping[str, Any]) -> Outcome:
    """Invoke `name` as an unsigned call (pools it creates get the server's default region)."""
    reply = dispatch.invoke(server, name, json.dumps(params).encode(), region=None)
    body = json.loads(reply.body or b"{}")
    if reply.status == 200:
        return Outcome(body)
    return Outcome(
        code=str(body.get("__type") or "InternalErrorException"), message=body.get("message") or ""
    )


def read(server: dispatch.Server, name: str, params: Mapping[str, Any]) -> dict[str, Any]:
    """The body of a call that must succeed; raises OperationFailed otherwise."""
    outcome = call(server, name, params)
    if not outcome.ok:
        raise OperationFailed(outcome)
    return outcome.body


def input_members(name: str) -> frozenset[str]:
    """The request members the botocore model gives operation `name`."""
    model = operation_model(name)
    shape = model.input_shape if model is not None else None
    return frozenset(shape.members) if shape is not None else frozenset()


def update_pool_request(pool: Mapping[str, Any]) -> dict[str, Any]:
    """An UpdateUserPool request that keeps every setting of `pool` (a DescribeUserPool UserPool):
    UpdateUserPool replaces the whole configuration, so a form that edits one section sends the
    rest unchanged (core spec §2 "full replace")."""
    members = input_members("UpdateUserPool")
    request = {k: v for k, v in pool.items() if k in members}
    request["UserPoolId"] = pool["Id"]
    request["PoolName"] = pool["Name"]
    return request


@dataclass(frozen=True)
class PoolView:
    """A pool as the API shows it: DescribeUserPool's UserPool and GetUserPoolMfaConfig."""

    pool: dict[str, Any]
    mfa_config: dict[str, Any]

    @property
    def id(self) -> str:
        return str(self.pool["Id"])

    @property
    def mfa(self) -> PoolMfa:
        """The decision's view of the pool (`pool_mfa` over the settings and the MFA state)."""
        return pool_mfa({**self.pool, MFA_STATE: self.mfa_config})


def pool_view(server: dispatch.Server, pool_id: str) -> PoolView:
    pool = read(server, "DescribeUserPool", {"UserPoolId": pool_id})["UserPool"]
    return PoolView(pool, read(server, "GetUserPoolMfaConfig", {"UserPoolId": pool_id}))
