"""The operation alone: the CPU that userpool's own code spends on a password sign-in, a TOTP-MFA
sign-in (both calls) and an AdminCreateUser when nothing else runs. `dispatch.invoke` is called in
a loop, in one process, on a new SQLite database, as the server's endpoint calls it
(`web/protocol.py`: on the event loop's terms, with its bounded wait for the write lock), with
SQLite's WAL checkpointed every second as the server does. There is no HTTP, no load generator
and no second worker on the cores.

bench/run.py prints these beside each 5x target it misses. The machine's cores divided by this
cost is the most that any server running this code could reach, however thin its HTTP layer.
Measured in a forked child, so the parent keeps no engine or database.
"""

from __future__ import annotations

import itertools
import json
import multiprocessing
import os
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import fixtures
from loadgen import totp_answer

from userpool.api import dispatch
from userpool.clock import ShiftedClock
from userpool.crypto import totp
from userpool.server import build_server
from userpool.store import db
from userpool.web.protocol import LOOP_WAIT_SECONDS

USERS = 50  # signing in in turn, as bench/run.py's password users do
REGION = "us-east-1"


@dataclass(frozen=True)
class Alone:
    """CPU milliseconds of one operation (a TOTP-MFA sign-in: its two calls)."""

    password: float
    totp: float
    create: float

    def of(self, workload: str) -> float:
        if workload.startswith("TOTP"):
            return self.totp
        return self.create if workload.startswith("AdminCreateUser") else self.password


class _Loop:
    """One server on a new database, called in-process; `cpu` counts the calls' CPU only."""

    def __init__(self, directory: str) -> None:
        self.clock = ShiftedClock()
        _, self.server = build_server(f"sqlite:///{directory}/inprocess.db", clock=self.clock)
        self.cpu = 0.0
        self.checkpointed = time.monotonic()

    def call(self, operation: str, body: bytes) -> bytes:
        started = time.process_time()
        reply = dispatch.invoke(
            self.server, operation, body, region=REGION, wait=LOOP_WAIT_SECONDS, effects=[]
        )
        if time.monotonic() - self.checkpointed >= db.CHECKPOINT_INTERVAL:
            db.checkpoint(self.server.engine)  # the server's maintenance thread does this
            self.checkpointed = time.monotonic()
        self.cpu += time.process_time() - started
        if reply.status != 200:
            raise RuntimeError(f"{operation}: {reply.status} {reply.body[:300]!r}")
        return reply.body

    def json(self, operation: str, params: dict[str, Any]) -> dict[str, Any]:
        found: dict[str, Any] = json.loads(self.call(operation, json.dumps(params).encode()) or b"{}")
        return found

    def close(self) -> None:
        self.server.engine.dispose()


def _users(loop: _Loop, pool_id: str, prefix: str) -> list[str]:
    names = [fixtures.user_name(prefix, n) for n in range(USERS)]
    for name in names:
        fixtures.add_user(loop, pool_id, name)
    return names


def _timed(loop: _Loop, seconds: float, one: Callable[[int], None]) -> float:
    """CPU ms a run of `one(n)`, after a warm-up of a tenth of the time."""
    for warm_up in (True, False):
        loop.cpu, done = 0.0, 0
        until = time.perf_counter() + (seconds / 10 if warm_up else seconds)
        while time.perf_counter() < until:
            one(done)
            done += 1
    return 1000 * loop.cpu / done


def _password(loop: _Loop, seconds: float) -> float:
    pool_id, client_id = fixtures.add_pool(loop, "inprocess", mfa=False)
    bodies = [fixtures.sign_in_body(client_id, name) for name in _users(loop, pool_id, "pw")]
    return _timed(loop, seconds, lambda n: _check(loop.call("InitiateAuth", bodies[n % USERS])))


def _totp(loop: _Loop, seconds: float) -> float:
    """Each user signs in once a time step (the server refuses a step used twice): the clock
    moves one step on every round of the users. Working out the code is the client's part and
    is not counted."""
    pool_id, client_id = fixtures.add_pool(loop, "inprocess", mfa=True)
    names = _users(loop, pool_id, "mfa")
    secrets = [fixtures.add_totp(loop, client_id, name, window=1)[1] for name in names]
    firsts = [fixtures.sign_in_body(client_id, name) for name in names]

    def one(n: int) -> None:
        index = n % USERS
        if index == 0:
            loop.clock.advance(30)
        code = totp.code_at(secrets[index], loop.clock.now())
        challenge = json.loads(loop.call("InitiateAuth", firsts[index]))
        answer = totp_answer(client_id, challenge["Session"], names[index], code)
        _check(loop.call("RespondToAuthChallenge", json.dumps(answer).encode()))

    return _timed(loop, seconds, one)


def _create(loop: _Loop, seconds: float) -> float:
    pool_id, _ = fixtures.add_pool(loop, "inprocess", mfa=False)
    made = itertools.count()  # a new name every call, warm-up included

    def one(_: int) -> None:
        body = fixtures.create_user_body(pool_id, fixtures.user_name("list", next(made)))
        loop.call("AdminCreateUser", json.dumps(body).encode())

    return _timed(loop, seconds, one)


def _check(body: bytes) -> None:
    if b"AccessToken" not in body:
        raise RuntimeError(f"no tokens: {body[:300]!r}")


def _measure(seconds: float) -> Alone:
    costs = []
    for workload in (_password, _totp, _create):
        with tempfile.TemporaryDirectory(prefix="userpool-inprocess-") as directory:
            loop = _Loop(directory)
            try:
                costs.append(workload(loop, seconds))
            finally:
                loop.close()
    return Alone(*costs)


def measure(seconds: float = 3.0) -> Alone:
    with multiprocessing.get_context("fork").Pool(1) as pool:
        found: Alone = pool.apply(_measure, (seconds,))
    return found


if __name__ == "__main__":
    alone = measure()
    cores = os.cpu_count() or 1
    for name, cost in (
        ("password sign-in", alone.password),
        ("TOTP-MFA sign-in", alone.totp),
        ("AdminCreateUser", alone.create),
    ):
        print(f"{name:18} {cost:.3f} ms of CPU; {cores} cores doing only this: {1000 * cores / cost:,.0f}/s")
