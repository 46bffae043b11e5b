"""web/direct.py: API calls answered from the HTTP parser's callbacks, over a raw socket.

Pipelined calls are answered in order, including when one of them is finished by a task (a
delivery after its commit, SQLite's write lock taken by another writer); the requests that
uvicorn's own path must serve (HTTP/1.0, `Expect: 100-continue`, a query string, PostgreSQL) go
to the ASGI endpoint and are answered alike."""

from __future__ import annotations

import json
import socket
import threading
import time
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import Running
from tests.wire.test_refresh_tokens import write_locks_held
from tests.wire.test_smtp import slow_smtp_served
from userpool.web.protocol import Protocol

PREFIX = "AWSCognitoIdentityProviderService."


def call(
    operation: str, params: dict[str, Any], *, version: bytes = b"HTTP/1.1", extra: bytes = b""
) -> bytes:
    body = json.dumps(params).encode()
    return (
        b"POST / %s\r\nHost: 127.0.0.1\r\nX-Amz-Target: %s\r\n"
        b"Content-Type: application/x-amz-json-1.1\r\nContent-Length: %d\r\n%s\r\n%s"
        % (version, (PREFIX + operation).encode(), len(body), extra, body)
    )


class Replies:
    """Responses read off one connection, each to its Content-Length."""

    def __init__(self, sock: socket.socket) -> None:
        self.sock = sock
        self.buffer = b""

    def _more(self) -> None:
        data = self.sock.recv(65536)
        assert data, "the server closed the connection"
        self.buffer += data

    def next(self) -> tuple[int, dict[str, str], dict[str, Any]]:
        while b"\r\n\r\n" not in self.buffer:
            self._more()
        head, self.buffer = self.buffer.split(b"\r\n\r\n", 1)
        lines = head.decode("latin-1").split("\r\n")
        fields = {}
        for line in lines[1:]:
            name, _, value = line.partition(":")
            fields[name.strip().lower()] = value.strip()
        size = int(fields["content-length"])
        while len(self.buffer) < size:
            self._more()
        body, self.buffer = self.buffer[:size], self.buffer[size:]
        return int(lines[0].split()[1]), fields, json.loads(body)


def connect(url: str) -> tuple[socket.socket, Replies]:
    host, port = url.removeprefix("http://").split(":")
    sock = socket.create_connection((host, int(port)), timeout=20)
    return sock, Replies(sock)


@pytest.fixture
def asgi_calls(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The calls the ASGI endpoint (uvicorn's own path) answered, by path taken."""
    seen: list[str] = []
    original = Protocol.__call__

    async def counting(self: Protocol, scope: Any, receive: Any, send: Any) -> None:
        seen.append(scope["path"])
        await original(self, scope, receive, send)

    monkeypatch.setattr(Protocol, "__call__", counting)
    return seen


def test_pipelined_calls_are_answered_in_order(running: Running, asgi_calls: list[str]) -> None:
    pool_id = running.client().create_user_pool(PoolName="direct")["UserPool"]["Id"]
    asgi_calls.clear()
    sock, replies = connect(running.url)
    with sock:
        sock.sendall(
            call("DescribeUserPool", {"UserPoolId": pool_id})
            + call("NoSuchOperation", {})
            + call("ListUsers", {"UserPoolId": pool_id})
        )
        status, _, first = replies.next()
        assert (status, first["UserPool"]["Id"]) == (200, pool_id)
        status, fields, second = replies.next()
        assert (status, second["__type"]) == (400, "UnknownOperationException")
        assert fields["x-amzn-errortype"] == "UnknownOperationException:"
        status, _, third = replies.next()
        assert (status, third["Users"]) == (200, [])
    # On SQLite none of them took uvicorn's path; on PostgreSQL (calls in worker threads) all did.
    assert len(asgi_calls) == (0 if running.engine_name == "sqlite" else 3)


def test_calls_uvicorns_path_must_serve_are_answered_alike(running: Running, asgi_calls: list[str]) -> None:
    if running.engine_name != "sqlite":
        pytest.skip("on PostgreSQL every call takes uvicorn's path")
    pool_id = running.client().create_user_pool(PoolName="direct")["UserPool"]["Id"]
    asgi_calls.clear()
    describe = call("DescribeUserPool", {"UserPoolId": pool_id})
    sock, replies = connect(running.url)
    with sock:
        sock.sendall(describe.replace(b"POST / ", b"POST /?x=1 ", 1))
        assert replies.next()[2]["UserPool"]["Id"] == pool_id
        assert asgi_calls == ["/"]
        head, _, body = describe.partition(b"\r\n\r\n")
        sock.sendall(head + b"\r\nExpect: 100-continue\r\n\r\n")
        time.sleep(0.2)
        assert sock.recv(65536).startswith(b"HTTP/1.1 100 Continue")
        sock.sendall(body)
        assert replies.next()[2]["UserPool"]["Id"] == pool_id
        assert asgi_calls == ["/", "/"]
        sock.sendall(describe)  # and the connection goes on being answered directly
        assert replies.next()[2]["UserPool"]["Id"] == pool_id
        assert asgi_calls == ["/", "/"]
    sock, replies = connect(running.url)
    with sock:
        sock.sendall(call("DescribeUserPool", {"UserPoolId": pool_id}, version=b"HTTP/1.0"))
        status, _, found = replies.next()
        assert (status, found["UserPool"]["Id"]) == (200, pool_id)
        assert replies.buffer == b"" and sock.recv(1) == b""  # HTTP/1.0: closed after the answer
        assert asgi_calls == ["/", "/", "/"]


def test_a_call_that_waits_for_the_writer_is_answered_before_the_next(running: Running) -> None:
    """SQLite's write lock held by another writer: the call goes on in a worker thread, and the
    call pipelined behind it waits its turn."""
    if running.engine_name != "sqlite":
        pytest.skip("SQLite's write lock")
    idp = running.client()
    pool_id = idp.create_user_pool(PoolName="direct")["UserPool"]["Id"]
    database = running.server.engine.url.database
    assert database is not None
    sock, replies = connect(running.url)
    with sock:
        with write_locks_held(database):
            sock.sendall(
                call(
                    "AdminCreateUser", {"UserPoolId": pool_id, "Username": "gus", "MessageAction": "SUPPRESS"}
                )
                + call("ListUsers", {"UserPoolId": pool_id})
            )
            time.sleep(0.3)  # well past the event loop's wait for the lock
            sock.settimeout(0.1)
            with pytest.raises(TimeoutError):
                sock.recv(1)  # nothing answered while the writer holds the lock
            sock.settimeout(20)
        status, _, created = replies.next()
        assert (status, created["User"]["Username"]) == (200, "gus")
        status, _, listed = replies.next()
        assert (status, [u["Username"] for u in listed["Users"]]) == (200, ["gus"])


def test_a_call_with_a_delivery_is_answered_once_delivered_then_the_next(tmp_path: Path) -> None:
    """A sign-up's email goes to the SMTP server after the commit, in a worker thread, before the
    answer (as on uvicorn's path); the call pipelined behind it is answered after it."""
    with slow_smtp_served(tmp_path, delay=0.5) as (live, handler, pool_id, client_id):
        sign_up = {
            "ClientId": client_id,
            "Username": "hal",
            "Password": "Correct-Horse-1",
            "UserAttributes": [{"Name": "email", "Value": "hal@example.net"}],
        }
        sock, replies = connect(live.url)
        with sock:
            sock.sendall(call("SignUp", sign_up) + call("ListUsers", {"UserPoolId": pool_id}))
            status, _, signed_up = replies.next()
            assert handler.accepted.is_set()
            assert (status, signed_up["CodeDeliveryDetails"]["DeliveryMedium"]) == (200, "EMAIL")
            status, _, listed = replies.next()
            assert (status, [u["Username"] for u in listed["Users"]]) == (200, ["hal"])


def test_many_calls_on_many_connections(running: Running) -> None:
    """Four connections, each with calls pipelined two at a time, all answered in order."""
    pool_id = running.client().create_user_pool(PoolName="direct")["UserPool"]["Id"]
    failures: list[str] = []
    answered: list[str] = []

    def client(number: int) -> None:
        try:
            sock, replies = connect(running.url)
            with sock:
                for n in range(25):
                    name = f"user{number}x{n}"
                    sock.sendall(
                        call(
                            "AdminCreateUser",
                            {"UserPoolId": pool_id, "Username": name, "MessageAction": "SUPPRESS"},
                        )
                        + call("AdminGetUser", {"UserPoolId": pool_id, "Username": name})
                    )
                    created, got = replies.next(), replies.next()
                    if (created[0], got[0], got[2].get("Username")) != (200, 200, name):
                        failures.append(f"{name}: {created} {got}")
                    answered.append(name)
        except Exception as err:  # a thread's failure is the test's: a timeout, a closed socket
            failures.append(f"client {number}: {err!r}")

    threads = [threading.Thread(target=client, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not any(thread.is_alive() for thread in threads)
    assert not failures
    assert len(answered) == 100
    listed = running.client().list_users(UserPoolId=pool_id)["Users"]
    assert len(listed) == 60  # a page of the 100
