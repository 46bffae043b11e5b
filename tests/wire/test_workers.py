"""`userpool serve --workers N`: several server processes on one port and one database, as the
benchmark runs it (bench/run.py). Every call is answered whichever worker takes it, and writes
from many clients at once all land (SQLite's writers queue on the database's lock)."""

from __future__ import annotations

import fcntl
import os
import signal
import socket
import sqlite3
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import boto3
import httpx
import pytest
from botocore.config import Config

from tests.wire.helpers import PASSWORD
from tests.wire.test_process import Launcher, launch  # noqa: F401  (the fixture)


def _client(url: str, config: Config | None = None) -> Any:
    return boto3.client(
        "cognito-idp",
        endpoint_url=url,
        region_name="us-east-1",
        aws_access_key_id="AKIDEXAMPLE",
        aws_secret_access_key="secret",
        config=config or Config(max_pool_connections=8),
    )


def test_two_workers_share_one_sqlite_database(launch: Launcher, tmp_path: Path) -> None:  # noqa: F811
    server = launch(f"sqlite:///{tmp_path / 'workers.db'}", "--workers", "2")
    idp = _client(server.url)
    pool_id = idp.create_user_pool(PoolName="workers")["UserPool"]["Id"]
    client_id = idp.create_user_pool_client(
        UserPoolId=pool_id, ClientName="app", ExplicitAuthFlows=["ALLOW_USER_PASSWORD_AUTH"]
    )["UserPoolClient"]["ClientId"]

    def create(number: int) -> str:
        name = f"user{number:03d}"
        idp.admin_create_user(UserPoolId=pool_id, Username=name, MessageAction="SUPPRESS")
        idp.admin_set_user_password(UserPoolId=pool_id, Username=name, Password=PASSWORD, Permanent=True)
        return name

    with ThreadPoolExecutor(max_workers=6) as threads:
        names = list(threads.map(create, range(30)))

    listed = idp.list_users(UserPoolId=pool_id, Limit=60)["Users"]
    assert sorted(user["Username"] for user in listed) == names
    for name in names[:5]:  # a new connection each time: either worker may answer
        fresh = _client(server.url)
        result = fresh.initiate_auth(
            ClientId=client_id,
            AuthFlow="USER_PASSWORD_AUTH",
            AuthParameters={"USERNAME": name, "PASSWORD": PASSWORD},
        )["AuthenticationResult"]
        assert fresh.get_user(AccessToken=result["AccessToken"])["Username"] == name
    assert server.stop() in (0, -15)


def _workers_of(pid: int) -> list[int]:
    """The child processes of `pid` (Linux /proc)."""
    children = Path(f"/proc/{pid}/task/{pid}/children")
    return [int(p) for p in children.read_text().split()] if children.exists() else []


def _alive(pid: int) -> bool:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except FileNotFoundError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"  # a zombie has ended


def _wait(condition: Any, seconds: float = 15) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.05)
    return False


def test_sigterm_stops_every_worker(launch: Launcher, tmp_path: Path) -> None:  # noqa: F811
    server = launch(f"sqlite:///{tmp_path / 'term.db'}", "--workers", "3")
    assert _wait(lambda: len(_workers_of(server.proc.pid)) == 3)
    workers = _workers_of(server.proc.pid)
    assert server.stop() == 0
    assert not any(_alive(pid) for pid in workers)


def test_a_worker_that_dies_stops_the_server(launch: Launcher, tmp_path: Path) -> None:  # noqa: F811
    server = launch(f"sqlite:///{tmp_path / 'die.db'}", "--workers", "2")
    assert _wait(lambda: len(_workers_of(server.proc.pid)) == 2)
    first, second = _workers_of(server.proc.pid)
    os.kill(first, signal.SIGKILL)
    server.proc.wait(timeout=15)
    assert server.proc.returncode == 1
    assert _wait(lambda: not _alive(second))
    assert "stopping the server" in server.output()


def test_connections_are_spread_over_the_workers(launch: Launcher, tmp_path: Path) -> None:  # noqa: F811
    """The workers share one listening socket and a worker leaves a new connection to an idle
    worker holding fewer (web/balance.py): eight keep-alive connections opened one after another
    land four on each worker. (With a socket per worker, SO_REUSEPORT, the kernel placed them by a
    hash of their addresses: all four clients of a benchmark on one worker one time in eight.)"""
    server = launch(f"sqlite:///{tmp_path / 'spread.db'}", "--workers", "2")
    assert _wait(lambda: len(_workers_of(server.proc.pid)) == 2)
    # launch() waited for this: a worker still starting is not waited for (web/balance.py)
    assert httpx.get(f"{server.url}/_userpool/health").json()["workers"] == {"serving": 2, "of": 2}
    connections = []
    try:
        for _ in range(8):  # one request each, so every connection has been accepted
            conn = socket.create_connection(("127.0.0.1", server.port))
            connections.append(conn)
            conn.sendall(b"GET /_userpool/health HTTP/1.1\r\nHost: x\r\n\r\n")
            assert conn.recv(4096).startswith(b"HTTP/1.1 200")
        holders = sorted(_connections_of(pid, server.port) for pid in _workers_of(server.proc.pid))
        assert holders == [4, 4]
    finally:
        for conn in connections:
            conn.close()


def _connections_of(pid: int, port: int) -> int:
    """How many established TCP connections to `port` the process holds (Linux /proc)."""
    established = set()
    for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
        fields = line.split()
        local_port, state, inode = int(fields[1].split(":")[1], 16), fields[3], fields[9]
        if local_port == port and state == "01":
            established.add(f"socket:[{inode}]")
    count = 0
    for fd in Path(f"/proc/{pid}/fd").iterdir():
        try:
            count += os.readlink(fd) in established
        except OSError:
            continue
    return count


class _Holder:
    """Holds a SQLite database's write lock the way another process's writer does."""

    def __init__(self, database: Path, kind: str) -> None:
        self.database, self.kind = database, kind
        self.file: int | None = None
        self.conn: sqlite3.Connection | None = None

    def take(self) -> None:
        if self.kind == "userpool":  # a writing transaction of another userpool process
            self.file = os.open(f"{self.database}.lock", os.O_RDWR | os.O_CREAT, 0o600)
            fcntl.flock(self.file, fcntl.LOCK_EX)
        else:  # a writer outside userpool (the sqlite3 shell): SQLite's own lock
            self.conn = sqlite3.connect(self.database, isolation_level=None)
            self.conn.execute("BEGIN IMMEDIATE")

    def release(self) -> None:
        if self.file is not None:
            os.close(self.file)
            self.file = None
        if self.conn is not None:
            self.conn.execute("ROLLBACK")
            self.conn.close()
            self.conn = None


@pytest.mark.parametrize("holder", ["userpool", "sqlite"])
@pytest.mark.parametrize("workers", ["1", "2"])
def test_reads_do_not_queue_behind_a_writer(
    launch: Launcher,  # noqa: F811
    tmp_path: Path,
    workers: str,
    holder: str,
) -> None:
    """While another process holds the SQLite write lock, an operation that only reads (ListUsers,
    AdminGetUser) answers at once and one that writes (AdminCreateUser) waits for the lock. With
    one worker process, the waiting write must not hold up its event loop, where calls run: the
    holder is another userpool process (which queues on the lock file first) or a writer outside
    userpool (which only SQLite's own lock shows)."""
    database = tmp_path / "reads.db"
    server = launch(f"sqlite:///{database}", "--workers", workers)
    idp = _client(server.url, Config(read_timeout=5, retries={"max_attempts": 1}))  # a waiting read fails
    pool_id = idp.create_user_pool(PoolName="reads")["UserPool"]["Id"]
    idp.admin_create_user(UserPoolId=pool_id, Username="first", MessageAction="SUPPRESS")
    lock = _Holder(database, holder)
    try:
        lock.take()
        with ThreadPoolExecutor(max_workers=1) as thread:
            writing = thread.submit(
                idp.admin_create_user, UserPoolId=pool_id, Username="second", MessageAction="SUPPRESS"
            )
            time.sleep(0.2)  # the write is waiting now
            assert [u["Username"] for u in idp.list_users(UserPoolId=pool_id)["Users"]] == ["first"]
            assert idp.admin_get_user(UserPoolId=pool_id, Username="first")["Username"] == "first"
            time.sleep(0.5)
            assert not writing.done()
            lock.release()
            assert writing.result(timeout=10)["User"]["Username"] == "second"
    finally:
        lock.release()
