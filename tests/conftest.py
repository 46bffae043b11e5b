"""Shared fixtures: a real server on 127.0.0.1 per storage engine, and boto3 clients for it."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import boto3
import httpx
import pytest
import uvicorn
from hypothesis import settings

from userpool.api.dispatch import Server
from userpool.clock import ShiftedClock
from userpool.server import build_server
from userpool.store import pools
from userpool.store.db import scratch_postgres
from userpool.web.direct import DirectProtocol

PG_ADMIN = "postgresql://postgres@127.0.0.1:5432/postgres"

# No per-example deadline: a shared 2-core CI machine makes timings noisy, and speed is measured by
# the benchmarks in bench/, never by tests.
settings.register_profile("userpool", deadline=None)
settings.load_profile("userpool")


@pytest.fixture(autouse=True)
def _no_kept_config_changed_in_place() -> Iterator[None]:
    """Pools and clients are kept parsed and shared between calls (store/pools.py): after every
    test, none may have had its config changed in place by whatever the test made run."""
    yield
    assert pools.changed_in_place() == []


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def drop_postgres_sessions(database: str) -> list[int]:
    """What a restart of PostgreSQL does to a server's pool: every session on `database` ended
    (and gone, as `pg_terminate_backend` only signals). The ended sessions' process ids."""
    import psycopg

    query = "SELECT pid FROM pg_stat_activity WHERE datname = %s"
    with psycopg.connect(PG_ADMIN, autocommit=True) as admin:
        ended = [int(row[0]) for row in admin.execute(query, (database,)).fetchall()]
        for pid in ended:
            admin.execute("SELECT pg_terminate_backend(%s)", (pid,))
        deadline = time.monotonic() + 10
        while admin.execute(query, (database,)).fetchall() and time.monotonic() < deadline:
            time.sleep(0.01)
    return ended


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """A fresh PostgreSQL database for this test session, dropped afterwards."""
    with scratch_postgres(PG_ADMIN, "userpool_test") as url:
        yield url


@dataclass
class Running:
    url: str
    server: Server
    clock: ShiftedClock
    engine_name: str

    def client(self, region: str = "us-east-1") -> Any:
        return boto3.client(
            "cognito-idp",
            endpoint_url=self.url,
            region_name=region,
            aws_access_key_id="AKIDEXAMPLE",
            aws_secret_access_key="secret",
        )

    def messages(self, **query: str) -> list[dict[str, Any]]:
        reply = httpx.get(f"{self.url}/_userpool/messages", params=query)
        reply.raise_for_status()
        found: list[dict[str, Any]] = reply.json()["messages"]
        return found

    def last_code(self, to: str) -> str:
        found = self.messages(to=to)
        assert found, f"no message to {to}"
        code = found[0]["code"]
        assert isinstance(code, str)
        return code


def start_server(
    url: str, engine_name: str, **options: Any
) -> tuple[Running, uvicorn.Server, threading.Thread]:
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    clock = ShiftedClock()
    app, server = build_server(url, issuer_base=base, clock=clock, **options)
    # The protocol `userpool serve` runs (web/direct.py), so every wire test goes through it.
    config = uvicorn.Config(
        app, host="127.0.0.1", port=port, log_level="warning", access_log=False, http=DirectProtocol
    )
    uv = uvicorn.Server(config)
    thread = threading.Thread(target=uv.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not uv.started:
        if time.monotonic() > deadline:
            raise RuntimeError("server did not start")
        time.sleep(0.01)
    return Running(base, server, clock, engine_name), uv, thread


def stop_server(uv: uvicorn.Server, thread: threading.Thread) -> None:
    uv.should_exit = True
    thread.join(timeout=10)  # the app's lifespan closes the engine as it ends (server.py)


@contextmanager
def served(url: str, engine_name: str, **options: Any) -> Iterator[Running]:
    """A server on `url` (build_server `options`) for the `with` block; stopped afterwards."""
    live, uv, thread = start_server(url, engine_name, **options)
    try:
        yield live
    finally:
        stop_server(uv, thread)


@pytest.fixture(scope="session", params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def running(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Running]:
    """One server per storage engine for the whole session; tests create their own pools."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path_factory.mktemp('db') / 'userpool.db'}"
    else:
        url = request.getfixturevalue("postgres_url")
    with served(url, request.param) as live:
        yield live


@pytest.fixture
def idp(running: Running) -> Any:
    """A boto3 cognito-idp client pointed at the running server."""
    return running.client()


@pytest.fixture
def clock(running: Running) -> Iterator[ShiftedClock]:
    """The server's clock; moved forward by a test, put back afterwards."""
    before = running.clock.offset
    yield running.clock
    running.clock.offset = before
    running.clock.unfreeze()
