"""Malformed requests of every kind, on every operation: always Cognito's error shape and a 400
(200 for a valid call that succeeded), never a 500 or a traceback, and an error never leaves a
change behind (one transaction per call). Core spec §1.3-§1.5."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

import httpx
import pytest
import sqlalchemy as sa
from botocore.exceptions import ClientError
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.conftest import Running
from tests.wire.fuzz_requests import (
    AUTHORIZATIONS,
    CONTENT_TYPES,
    Refs,
    allowed_errors,
    bad_targets,
    bodies,
    encode,
    headers_for,
    odd_documents,
    valid_documents,
)
from userpool.api.model import TARGET_PREFIX, operation_names
from userpool.ops.passwords import with_password
from userpool.store import pools, users
from userpool.store.db import transaction
from userpool.store.tables import metadata

OPERATIONS = operation_names()
CONTENT_TYPE = "application/x-amz-json-1.1"
PASSWORD = "Fuzz-Horse-1"
FLOWS = ["ALLOW_USER_PASSWORD_AUTH", "ALLOW_ADMIN_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"]
# Operations whose success changes nothing the fixture resources depend on.
READ_ONLY = ("Describe", "Get", "List", "AdminGet", "AdminList")
NOT_READ_ONLY = frozenset({"GetTokensFromRefreshToken", "GetUserAttributeVerificationCode"})
# What may legitimately change on an error: lockout bookkeeping, throttling counters, the outbox.
VOLATILE_TABLES = frozenset({"counters", "messages"})
VOLATILE_COLUMNS = {"users": frozenset({"failed_attempts", "last_failure_at", "lockout_until"})}

FUZZ = settings(
    max_examples=16,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)

Snapshot = dict[str, list[str]]


# --------------------------------------------------------------------------- the database


def snapshot(engine: sa.Engine) -> Snapshot:
    """Every row of every table, less what an error may legitimately change."""
    out: Snapshot = {}
    with engine.connect() as conn:
        for table in metadata.sorted_tables:
            if table.name in VOLATILE_TABLES:
                continue
            skip = VOLATILE_COLUMNS.get(table.name, frozenset())
            columns = [column for column in table.columns if column.name not in skip]
            query = sa.select(*columns).order_by(*table.primary_key.columns)
            out[table.name] = [repr(tuple(row)) for row in conn.execute(query)]
    return out


def changes(before: Snapshot, after: Snapshot) -> list[str]:
    """The rows an erroring request added or removed, table by table (a few of each)."""
    found = []
    for name in before:
        if before[name] != after[name]:
            gone, new = set(before[name]) - set(after[name]), set(after[name]) - set(before[name])
            found.append(f"{name}: -{sorted(gone)[:3]} +{sorted(new)[:3]}"[:2000])
    return found


# --------------------------------------------------------------------------- fixture resources


def make_user(running: Running, pool_id: str, username: str) -> None:
    """A confirmed user with PASSWORD: through the API, or straight into the store while the
    user-writing operations are not implemented yet."""
    idp = running.client()
    try:
        idp.admin_create_user(UserPoolId=pool_id, Username=username, MessageAction="SUPPRESS")
        idp.admin_set_user_password(UserPoolId=pool_id, Username=username, Password=PASSWORD, Permanent=True)
    except ClientError as err:
        if "not implemented" not in err.response["Error"]["Message"]:
            raise
        store_user(running, pool_id, username)


def store_user(running: Running, pool_id: str, username: str) -> None:
    now = running.clock.now()
    sub = str(uuid.uuid4())
    with transaction(running.server.engine) as conn:
        pool = pools.get_pool(conn, pool_id)
        assert pool is not None
        found = users.get_by_username_key(conn, pool_id, username)
        user = found or users.User(pool_id, username, username, sub, "CONFIRMED", True, now, now, {"sub": sub})
        user = with_password(pool, user.with_changes(status="CONFIRMED"), PASSWORD, temporary=False, now=now)
        if found is None:
            users.insert_user(conn, user)
        else:
            users.save_user(conn, user)


def build_refs(running: Running) -> Refs:
    """A fresh pool with a client, a user in a group, and that user's tokens."""
    idp = running.client()
    pool_id = idp.create_user_pool(PoolName="fuzz")["UserPool"]["Id"]
    client = idp.create_user_pool_client(UserPoolId=pool_id, ClientName="fuzz", ExplicitAuthFlows=FLOWS)
    client_id = client["UserPoolClient"]["ClientId"]
    idp.create_group(UserPoolId=pool_id, GroupName="fuzzers")
    make_user(running, pool_id, "fuzzer")
    idp.admin_add_user_to_group(UserPoolId=pool_id, Username="fuzzer", GroupName="fuzzers")
    tokens = sign_in(running, client_id)
    assert tokens is not None
    return Refs(
        pool_id, client_id, "fuzzer", PASSWORD, "fuzzers", tokens["AccessToken"], tokens["RefreshToken"]
    )


def sign_in(running: Running, client_id: str) -> dict[str, Any] | None:
    """The fixture user's tokens, or None when password sign-in does not give them any more."""
    auth = {"USERNAME": "fuzzer", "PASSWORD": PASSWORD}
    try:
        reply = running.client().initiate_auth(
            ClientId=client_id, AuthFlow="USER_PASSWORD_AUTH", AuthParameters=auth
        )
    except ClientError:
        return None
    result: dict[str, Any] | None = reply.get("AuthenticationResult")
    return result


def renew(running: Running, refs: Refs) -> Refs | None:
    """After a successful call: fresh tokens if the fixture still works, else None."""
    try:
        running.client().get_group(UserPoolId=refs.pool_id, GroupName=refs.group)
    except ClientError:
        return None
    tokens = sign_in(running, refs.client_id)
    if tokens is None:
        return None
    return replace(refs, access_token=tokens["AccessToken"], refresh_token=tokens["RefreshToken"])


class ServerLog(logging.Handler):
    """Collects what the server logs at ERROR (every unexpected exception is logged there)."""

    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.records: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(self.format(record))


@dataclass
class World:
    """The running server, its real resources and the last known database content."""

    running: Running
    http: httpx.Client
    log: ServerLog
    refs: Refs
    last: Snapshot | None = field(default=None)

    def forget(self) -> None:
        """Something else may have written since the last request: snapshot again."""
        self.last = None

    def send(self, name: str, body: bytes, headers: Mapping[str, str]) -> dict[str, Any]:
        """POST one request; check the reply's shape and that an error changed nothing."""
        try:
            return self._exchange(name, body, headers)
        except AssertionError as err:
            raise AssertionError(f"{name} {dict(headers)} {body[:2000]!r}\n{err}") from None

    def _exchange(self, name: str, body: bytes, headers: Mapping[str, str]) -> dict[str, Any]:
        before = self.last if self.last is not None else snapshot(self.running.server.engine)
        self.log.records.clear()
        reply = self.http.post(self.running.url + "/", content=body, headers=dict(headers))
        answer = check_reply(reply, allowed_errors(name) if name else frozenset({"UnknownOperationException"}))
        assert not self.log.records, "the server logged an error:\n" + "\n".join(self.log.records)
        if reply.status_code == 200:
            self.last = None
            if not name.startswith(READ_ONLY) or name in NOT_READ_ONLY:
                self.refs = renew(self.running, self.refs) or build_refs(self.running)
            return answer
        after = snapshot(self.running.server.engine)
        assert not changes(before, after), f"{answer} left changes behind: {changes(before, after)}"
        self.last = after
        return answer


def check_reply(reply: httpx.Response, allowed: frozenset[str]) -> dict[str, Any]:
    """Core spec §1.3: 200 or 400, the JSON 1.1 content type, `{"__type", "message"?}` on errors."""
    assert reply.status_code in (200, 400), f"HTTP {reply.status_code}: {reply.text[:2000]}"
    assert reply.headers["content-type"] == CONTENT_TYPE
    body = reply.json()
    assert isinstance(body, dict), reply.text[:2000]
    if reply.status_code == 200:
        return body
    assert set(body) <= {"__type", "message"}, body
    assert body["__type"] in allowed, body
    assert isinstance(body.get("message", ""), str), body
    assert reply.headers["x-amzn-errortype"] == f"{body['__type']}:"
    assert "Traceback" not in reply.text
    return body


@pytest.fixture(scope="module")
def world(running: Running) -> Iterator[World]:
    log = ServerLog()
    server_logger = logging.getLogger("userpool")
    server_logger.addHandler(log)
    try:
        with httpx.Client(timeout=60) as http:
            yield World(running, http, log, build_refs(running))
    finally:
        server_logger.removeHandler(log)


def target(name: str) -> dict[str, str]:
    return {"X-Amz-Target": TARGET_PREFIX + name, "Content-Type": CONTENT_TYPE}


def fuzz(world: World, test: Callable[[st.DataObject], None]) -> None:
    """Run a hypothesis test against `world`, snapshotting afresh first (other tests may have run)."""
    world.forget()
    FUZZ(given(st.data())(test))()


# --------------------------------------------------------------------------- properties


@pytest.mark.parametrize("name", OPERATIONS)
def test_any_body_gets_cognito_error_shape_and_changes_nothing(world: World, name: str) -> None:
    def run(data: st.DataObject) -> None:
        real = data.draw(st.sampled_from([True, True, True, False]), label="real resources")
        refs = world.refs if real else None
        world.send(name, data.draw(bodies(name, refs), label="body"), target(name))

    fuzz(world, run)


def test_bad_target_is_unknown_operation(world: World) -> None:
    def run(data: st.DataObject) -> None:
        name = data.draw(st.sampled_from(OPERATIONS), label="operation")
        body = encode(data.draw(valid_documents(name, world.refs), label="document"))
        bad = data.draw(st.sampled_from(bad_targets(name)), label="target")
        content_type = data.draw(st.sampled_from([*CONTENT_TYPES, None]), label="content type")
        answer = world.send("", body, headers_for(bad, content_type, None))
        assert answer == {"__type": "UnknownOperationException"}

    fuzz(world, run)


def test_odd_content_type_and_authorization(world: World) -> None:
    def run(data: st.DataObject) -> None:
        name = data.draw(st.sampled_from(OPERATIONS), label="operation")
        body = data.draw(bodies(name, data.draw(st.sampled_from([world.refs, None]))), label="body")
        content_type = data.draw(st.sampled_from([*CONTENT_TYPES, None]), label="content type")
        authorization = data.draw(st.sampled_from(AUTHORIZATIONS) | st.text(st.characters(min_codepoint=0x20, max_codepoint=0x7E)).map(str.strip))
        world.send(name, body, headers_for(TARGET_PREFIX + name, content_type, authorization))

    fuzz(world, run)


@pytest.mark.parametrize("name", OPERATIONS)
def test_odd_but_valid_text_reaches_the_handler_safely(world: World, name: str) -> None:
    """NUL, lone surrogates, astral characters and longest-allowed values in every string member
    the model lets through: the handler and the database must cope (PostgreSQL rejects NUL)."""
    world.forget()
    refs = world.refs
    cases = odd_documents(name, refs)
    for index in range(len(cases)):
        if world.refs is not refs:  # a call succeeded and the fixture was rebuilt
            refs, cases = world.refs, odd_documents(name, world.refs)
        if index < len(cases):
            world.send(name, encode(cases[index][1]), target(name))
