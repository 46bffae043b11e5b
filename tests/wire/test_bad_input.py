"""Malformed requests of every kind, on every operation: always Cognito's error shape and a 400
(200 for a valid call that succeeded), never a 500 or a traceback, and an error never leaves a
change behind (one transaction per call). Core spec §1.3-§1.5."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, replace
from typing import Any

import httpx
import pytest
import sqlalchemy as sa
from botocore.exceptions import ClientError
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy.dialects.postgresql import aggregate_order_by

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
    deadline=None,
    database=None,  # one inner test function serves every operation: saved examples would mix
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)

Snapshot = dict[str, list[str]]


# --------------------------------------------------------------------------- the database


def watched(table: sa.Table) -> list[sa.Column[Any]]:
    skip = VOLATILE_COLUMNS.get(table.name, frozenset())
    return [column for column in table.columns if column.name not in skip]


WATCHED = [table for table in metadata.sorted_tables if table.name not in VOLATILE_TABLES]


class Fingerprint:
    """The content an erroring call must leave alone: every table, less what an error may
    legitimately change. SQLite: the rows, re-read only when `PRAGMA data_version` says another
    connection committed; PostgreSQL: an md5 per table computed by the server."""

    def __init__(self, engine: sa.Engine) -> None:
        self.engine = engine
        self.raw = engine.raw_connection() if engine.dialect.name == "sqlite" else None
        self.version: int | None = None
        self.rows: Snapshot = {}

    def take(self) -> Snapshot:
        if self.raw is None:
            with self.engine.connect() as conn:
                digests = conn.execute(POSTGRES_DIGESTS).one()
            return {table.name: [digest] for table, digest in zip(WATCHED, digests, strict=True)}
        cursor = self.raw.cursor()
        version = cursor.execute("PRAGMA data_version").fetchone()[0]
        cursor.close()
        if version != self.version:
            self.rows, self.version = self._read_rows(), version
        return self.rows

    def _read_rows(self) -> Snapshot:
        with self.engine.connect() as conn:
            return {
                table.name: [
                    repr(tuple(row))
                    for row in conn.execute(sa.select(*watched(table)).order_by(*table.primary_key))
                ]
                for table in WATCHED
            }

    def close(self) -> None:
        if self.raw is not None:
            self.raw.close()


def _postgres_digest(table: sa.Table) -> sa.ScalarSelect[Any]:
    row = sa.cast(sa.func.json_build_array(*watched(table)), sa.Text)
    ordered = aggregate_order_by(sa.literal("\n"), *table.primary_key.columns)
    digest = sa.func.md5(sa.func.coalesce(sa.func.string_agg(row, ordered), ""))
    return sa.select(digest).select_from(table).scalar_subquery()


POSTGRES_DIGESTS = sa.select(*(_postgres_digest(table) for table in WATCHED))


def changes(before: Snapshot, after: Snapshot) -> list[str]:
    """The rows (SQLite) or the tables' digests (PostgreSQL) an erroring request changed."""
    found = []
    for name in before:
        if before[name] != after[name]:
            gone, new = set(before[name]) - set(after[name]), set(after[name]) - set(before[name])
            found.append(f"{name}: -{sorted(gone)[:3]} +{sorted(new)[:3]}"[:2000])
    return found


# --------------------------------------------------------------------------- fixture resources


def build_refs(running: Running) -> Refs:
    """A fresh pool with a client, a user in a group, and that user's tokens."""
    idp = running.client()
    case_insensitive = {"CaseSensitive": False}  # usernames are looked up lower-cased (core spec §6.2)
    pool_id = idp.create_user_pool(PoolName="fuzz", UsernameConfiguration=case_insensitive)["UserPool"]["Id"]
    client = idp.create_user_pool_client(UserPoolId=pool_id, ClientName="fuzz", ExplicitAuthFlows=FLOWS)
    client_id = client["UserPoolClient"]["ClientId"]
    idp.create_group(UserPoolId=pool_id, GroupName="fuzzers")
    idp.admin_create_user(UserPoolId=pool_id, Username="fuzzer", MessageAction="SUPPRESS")
    idp.admin_set_user_password(UserPoolId=pool_id, Username="fuzzer", Password=PASSWORD, Permanent=True)
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
    """The running server, its real resources, and what to watch it with."""

    running: Running
    http: httpx.Client
    log: ServerLog
    database: Fingerprint
    refs: Refs

    def send(self, name: str, body: bytes, headers: Mapping[str, str]) -> dict[str, Any]:
        """POST one request; check the reply's shape and that an error changed nothing."""
        try:
            return self._exchange(name, body, headers)
        except AssertionError as err:
            raise AssertionError(f"{name} {dict(headers)} {body[:2000]!r}\n{err}") from None

    def _exchange(self, name: str, body: bytes, headers: Mapping[str, str]) -> dict[str, Any]:
        before = self.database.take()
        self.log.records.clear()
        reply = self.http.post(self.running.url + "/", content=body, headers=dict(headers))
        answer = check_reply(
            reply, allowed_errors(name) if name else frozenset({"UnknownOperationException"})
        )
        assert not self.log.records, "the server logged an error:\n" + "\n".join(self.log.records)
        if reply.status_code == 200:
            if not name.startswith(READ_ONLY) or name in NOT_READ_ONLY:
                self.refs = renew(self.running, self.refs) or build_refs(self.running)
            return answer
        after = self.database.take()
        assert not changes(before, after), f"{answer} left changes behind: {changes(before, after)}"
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
    database = Fingerprint(running.server.engine)
    try:
        with httpx.Client(timeout=60) as http:
            yield World(running, http, log, database, build_refs(running))
    finally:
        database.close()
        server_logger.removeHandler(log)


def target(name: str) -> dict[str, str]:
    return {"X-Amz-Target": TARGET_PREFIX + name, "Content-Type": CONTENT_TYPE}


def fuzz(test: Callable[[st.DataObject], None], examples: int = 16) -> None:
    """Run `test` as a bounded hypothesis test (inside a plain test, so fixtures stay simple)."""
    settings(FUZZ, max_examples=examples)(given(st.data())(test))()


# --------------------------------------------------------------------------- properties


def test_the_fingerprint_sees_a_committed_change(world: World) -> None:
    """The atomicity check below is only as good as this: a change must show."""
    before = world.database.take()
    world.running.client().update_group(
        UserPoolId=world.refs.pool_id, GroupName=world.refs.group, Description=str(uuid.uuid4())
    )
    assert changes(before, world.database.take()) != []


@pytest.mark.parametrize("name", OPERATIONS)
def test_any_body_gets_cognito_error_shape_and_changes_nothing(world: World, name: str) -> None:
    """Valid bodies, then mutated ones (core spec §1.4, §1.5), mostly naming real resources."""

    def run(data: st.DataObject) -> None:
        real = data.draw(st.sampled_from([True, True, True, False]), label="real resources")
        refs = world.refs if real else None
        world.send(name, data.draw(bodies(name, refs), label="body"), target(name))

    fuzz(run)


def test_bad_target_is_unknown_operation(world: World) -> None:
    def run(data: st.DataObject) -> None:
        name = data.draw(st.sampled_from(OPERATIONS), label="operation")
        body = encode(data.draw(valid_documents(name, world.refs), label="document"))
        bad = data.draw(st.sampled_from(bad_targets(name)), label="target")
        content_type = data.draw(st.sampled_from([*CONTENT_TYPES, None]), label="content type")
        answer = world.send("", body, headers_for(bad, content_type, None))
        assert answer == {"__type": "UnknownOperationException"}

    fuzz(run, examples=100)


def test_odd_content_type_and_authorization(world: World) -> None:
    def run(data: st.DataObject) -> None:
        name = data.draw(st.sampled_from(OPERATIONS), label="operation")
        body = data.draw(bodies(name, data.draw(st.sampled_from([world.refs, None]))), label="body")
        content_type = data.draw(st.sampled_from([*CONTENT_TYPES, None]), label="content type")
        authorization = data.draw(
            st.sampled_from(AUTHORIZATIONS)
            | st.text(st.characters(min_codepoint=0x20, max_codepoint=0x7E)).map(str.strip)
        )
        world.send(name, body, headers_for(TARGET_PREFIX + name, content_type, authorization))

    fuzz(run, examples=100)


@pytest.mark.parametrize("name", OPERATIONS)
def test_odd_but_valid_text_reaches_the_handler_safely(world: World, name: str) -> None:
    """Odd text the model lets through (astral, combining, bidi and non-characters, upper case,
    longest-allowed values) in each string member in turn: the handler and the columns must cope."""
    refs = world.refs
    cases = odd_documents(name, refs)
    for index in range(len(cases)):
        if world.refs is not refs:  # a call succeeded and the fixture was rebuilt
            refs, cases = world.refs, odd_documents(name, world.refs)
        if index < len(cases):
            world.send(name, encode(cases[index]), target(name))


# --------------------------------------------------------------------------- through boto3

LIMIT = "Member must have value less than or equal to"
LENGTH = "Member must have length less than or equal to"
PATTERN = "Member must satisfy regular expression pattern:"
AUTH_FLOWS = "USER_SRP_AUTH, REFRESH_TOKEN_AUTH, REFRESH_TOKEN, CUSTOM_AUTH, ADMIN_NO_SRP_AUTH, "
AUTH_FLOWS += "USER_PASSWORD_AUTH, ADMIN_USER_PASSWORD_AUTH, USER_AUTH"


def boto3_cases(refs: Refs) -> list[tuple[str, dict[str, Any], str]]:
    """Calls botocore's client-side validation lets through (it checks required members, types
    and minimums only) and the exact item the server answers (core spec §1.4); `{}` stands for
    `failed to satisfy constraint`."""
    pool, client, user = refs.pool_id, refs.client_id, refs.username
    long_email = [{"Name": "email", "Value": "x" * 2049}]
    return [
        ("list_users", {"UserPoolId": pool, "Limit": 100}, f"Value '100' at 'limit' {{}}: {LIMIT} 60"),
        ("list_user_pools", {"MaxResults": 61}, f"Value '61' at 'maxResults' {{}}: {LIMIT} 60"),
        (
            "admin_get_user",
            {"UserPoolId": "bad pool!", "Username": user},
            f"Value 'bad pool!' at 'userPoolId' {{}}: {PATTERN} [\\w-]+_[0-9a-zA-Z]+",
        ),
        (
            "create_group",
            {"UserPoolId": pool, "GroupName": "g" * 129},
            f"Value '{'g' * 129}' at 'groupName' {{}}: {LENGTH} 128",
        ),
        (
            "confirm_sign_up",
            {"ClientId": client, "Username": user, "ConfirmationCode": "1 12 123"},
            f"Value '1 12 123' at 'confirmationCode' {{}}: {PATTERN} [\\S]+",
        ),
        (
            "sign_up",
            {"ClientId": client, "Username": "x", "Password": "a b"},
            f"Value at 'password' {{}}: {PATTERN} [\\S]+",
        ),
        (
            "initiate_auth",
            {"ClientId": client, "AuthFlow": "NOPE", "AuthParameters": {}},
            f"Value 'NOPE' at 'authFlow' {{}}: Member must satisfy enum value set: [{AUTH_FLOWS}]",
        ),
        (
            "admin_update_user_attributes",
            {"UserPoolId": pool, "Username": user, "UserAttributes": long_email},
            f"Value at 'userAttributes.1.member.value' {{}}: {LENGTH} 2048",
        ),
    ]


@pytest.mark.parametrize("index", range(8))
def test_boto3_gets_the_exact_validation_sentence(world: World, index: int) -> None:
    method, params, item = boto3_cases(world.refs)[index]
    with pytest.raises(ClientError) as err:
        getattr(world.running.client(), method)(**params)
    assert err.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400
    assert err.value.response["Error"] == {
        "Code": "InvalidParameterException",
        "Message": "1 validation error detected: " + item.format("failed to satisfy constraint"),
    }


def test_boto3_two_errors_in_member_order(world: World) -> None:
    with pytest.raises(ClientError) as err:
        world.running.client().create_user_pool_client(
            UserPoolId=world.refs.pool_id, ClientName="c" * 129, RefreshTokenValidity=315360001
        )
    assert err.value.response["Error"]["Message"] == (
        "2 validation errors detected: "
        f"Value '{'c' * 129}' at 'clientName' failed to satisfy constraint: {LENGTH} 128; "
        f"Value '315360001' at 'refreshTokenValidity' failed to satisfy constraint: {LIMIT} 315360000"
    )


# --------------------------------------------------------------------------- reproducers


def post(world: World, name: str, document: dict[str, Any]) -> httpx.Response:
    return world.http.post(world.running.url + "/", content=encode(document), headers=target(name))


@pytest.mark.parametrize("value", ["a\r\nX-Injected: 1", "a\x01\x1b\x7fb", "ü€", "a" * 100_000])
def test_an_echoed_value_never_breaks_the_error_headers(world: World, value: str) -> None:
    """The validation message echoes the caller's value; its header copy must stay a valid, short
    header value (a control character used to make the server drop the connection, a long value
    to overflow the client's header buffer)."""
    reply = post(world, "ListUsers", {"UserPoolId": value})
    assert reply.status_code == 400
    message = reply.json()["message"]
    assert f"Value '{value}' at 'userPoolId'" in message
    header = reply.headers["x-amzn-errormessage"]
    assert header.startswith(message[:30])
    assert len(header) <= 2048
    assert not set(header) & {"\r", "\n", "\x01", "\x1b", "\x7f"}


@pytest.mark.parametrize("text", ["abc\x00", "abc\ud800", "\udc00abc"])
def test_text_no_store_can_hold_is_a_serialization_error(world: World, text: str) -> None:
    """A NUL (PostgreSQL text refuses it) or a lone surrogate (no UTF-8 encoder takes it) used to
    reach the database and answer a 500."""
    refs = world.refs
    document = {"UserPoolId": refs.pool_id, "GroupName": refs.group, "Description": text}
    reply = world.send("UpdateGroup", encode(document), target("UpdateGroup"))
    assert reply == {"__type": "SerializationException"}


@pytest.mark.parametrize("region", ["x" * 60, "-", "0", "EU-WEST-1"])
def test_a_garbage_credential_region_is_ignored(world: World, region: str) -> None:
    """A pool id is built from the caller's region: a long one used to overflow `pools.id` on
    PostgreSQL (a 500) and make, on SQLite, a pool id no call could address."""
    headers = {
        **target("CreateUserPool"),
        "Authorization": f"AWS4-HMAC-SHA256 Credential=AKID/20240101/{region}/cognito-idp/aws4_request",
    }
    reply = world.http.post(world.running.url + "/", content=b'{"PoolName": "p"}', headers=headers)
    pool_id = reply.json()["UserPool"]["Id"]
    assert pool_id.startswith("us-east-1_")
    assert world.running.client().describe_user_pool(UserPoolId=pool_id)["UserPool"]["Id"] == pool_id


def test_a_longest_username_whose_lower_case_is_longer(world: World) -> None:
    """`İ` lower-cases to two characters: a 128-character username of them has a 256-character
    lookup key in a case-insensitive pool (core spec §6.2), which `users.username_key` must hold
    (it was VARCHAR(128): PostgreSQL answered a 500)."""
    created = {"UserPoolId": world.refs.pool_id, "Username": "İ" * 128, "MessageAction": "SUPPRESS"}
    assert post(world, "AdminCreateUser", created).status_code == 200  # raw HTTP: boto3 retries a 500
    found = post(world, "AdminGetUser", {"UserPoolId": world.refs.pool_id, "Username": "İ" * 128})
    assert found.json()["Username"] == "İ" * 128


@pytest.mark.parametrize("name", ["AdminGetDevice", "AdminListDevices"])
def test_admin_device_calls_for_an_unknown_user_answer_a_declared_error(world: World, name: str) -> None:
    """Core spec §1.3: only declared exceptions (found by the property test above)."""
    document = {"UserPoolId": world.refs.pool_id, "Username": "nobody", "DeviceKey": "us-east-1_0f8f-2b36"}
    assert post(world, name, document).json()["__type"] in allowed_errors(name)
