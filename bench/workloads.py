"""The measured workloads of bench/run.py, each against one running engine: password and TOTP-MFA
sign-ins at 1 and 4 clients, AdminCreateUser, ListUsers with `=` and `^=` filters, a full
paginated walk, and a long sign-in loop watching the server's memory. Every workload samples the
server's CPU seconds and RSS just before it starts and after its workers are done."""

from __future__ import annotations

import json
import math
import time
from collections.abc import Sequence
from dataclasses import dataclass, field

import fixtures
import loadgen
from loadgen import Calls, Result, TotpSignIns, Walk, Workload
from peers import Machine, Running, Usage, machine


@dataclass
class Row:
    """One figure of the table."""

    workload: str
    engine: str
    rate: float
    unit: str
    p50: float
    p99: float
    cpu: float
    wall: float
    rss_before: int
    rss_after: int
    errors: int = 0
    first_error: str | None = None
    client_cpu: float = 0.0  # CPU seconds the load generator spent
    system_cpu: float = 0.0  # the system (kernel) part of `cpu`
    notes: list[str] = field(default_factory=list)
    waited: float = 0.0  # seconds the clients waited for a TOTP user with a code the server accepts
    steal: float = 0.0  # cores the hypervisor took over the step, for other guests

    def done(self) -> float:
        """The calls the step counted (sign-ins, users, walks): its rate over its time."""
        return self.rate * self.wall

    def per_call(self, seconds: float) -> float:
        """`seconds` of CPU (the server's, the load generator's, ...) in ms for each call counted."""
        done = self.done()
        return 1000 * seconds / done if done else math.nan

    def cpu_per_call(self) -> float:
        """The server's CPU in ms for each call (each sign-in, each user) the step counted."""
        return self.per_call(self.cpu)


# A step's figures are the server's and the load generator's alone when nothing else ran: more than
# this many cores' worth of other work (or of the hypervisor's steal) over the step is noted.
OTHERS_NOTED = 0.1


@dataclass(frozen=True)
class Step:
    """A measured step's outcome, with the server and the machine sampled at its start and end."""

    result: Result
    before: Usage
    after: Usage
    machine_before: Machine
    machine_after: Machine

    def steal(self) -> float:
        """The cores the hypervisor took over the step, for other guests."""
        wall = self.result.wall
        return (self.machine_after.steal - self.machine_before.steal) / wall if wall > 0 else 0.0


def run_step(running: Running, workloads: Sequence[Workload], seconds: float) -> Step:
    before: list[tuple[Usage, Machine]] = []
    result = loadgen.run(
        running.url, workloads, seconds, before=lambda: before.append((running.usage(), machine()))
    )
    return Step(result, before[0][0], running.usage(), before[0][1], machine())


def measure(running: Running, name: str, workloads: Sequence[Workload], seconds: float, unit: str) -> Row:
    return row_of(name, running, run_step(running, workloads, seconds), unit)


def row_of(name: str, running: Running, step: Step, unit: str) -> Row:
    result, before, after = step.result, step.before, step.after
    row = Row(
        workload=name,
        engine=running.engine.name,
        rate=result.rate,
        unit=unit,
        p50=result.percentile(0.50),
        p99=result.percentile(0.99),
        cpu=after.cpu - before.cpu,
        system_cpu=after.system - before.system,
        wall=result.wall,
        rss_before=before.rss,
        rss_after=after.rss,
        errors=result.errors,
        first_error=result.first_error,
        client_cpu=result.client_cpu,
        steal=step.steal(),
    )
    note_others(row, step, postgres=running.engine.db == "postgres")
    return row


def note_others(row: Row, step: Step, *, postgres: bool) -> None:
    """What else the machine did over the step, noted when it is more than `OTHERS_NOTED` cores:
    another process's work (an idle peer's housekeeping, PostgreSQL's background writers) or the
    hypervisor's steal slows the server without showing in its own CPU figures. On PostgreSQL
    the database's own processes, which serve the step, are among the others."""
    if row.wall <= 0:
        return
    busy = step.machine_after.busy - step.machine_before.busy
    others = (busy - row.cpu - row.client_cpu) / row.wall
    if others > OTHERS_NOTED:
        who = "PostgreSQL's processes and any others" if postgres else "other processes"
        row.notes.append(f"{who} used {others:.2f} cores over the step")
    if row.steal > OTHERS_NOTED:
        row.notes.append(f"the hypervisor took {row.steal:.2f} cores over the step (steal)")


def _sign_in_body(client_id: str, username: str) -> tuple[str, bytes]:
    return "InitiateAuth", fixtures.sign_in_body(client_id, username)


def password_sign_ins(running: Running, pool: fixtures.SignInPool, clients: int, seconds: float) -> Row:
    bodies = [_sign_in_body(pool.client_id, name) for name in pool.password_users]
    workloads = [Calls(bodies[n::clients]) for n in range(clients)]
    noun = "client" if clients == 1 else "clients"
    return measure(running, f"password sign-in, {clients} {noun}", workloads, seconds, "sign-ins/s")


def totp_sign_ins(running: Running, pool: fixtures.SignInPool, clients: int, seconds: float) -> Row:
    """Users are split between the clients; the steps they used are carried to the next run."""
    engine = running.engine
    slices = [list(range(n, len(pool.totp_users), clients)) for n in range(clients)]
    workloads: list[Workload] = [
        TotpSignIns(
            client_id=pool.client_id,
            password=fixtures.PASSWORD,
            users=[pool.totp_users[i] for i in indexes],
            last_steps=[pool.last_steps[i] for i in indexes],
            replay_protected=engine.replay_protected,
            window=engine.totp_window,
        )
        for indexes in slices
    ]
    measured = run_step(running, workloads, seconds)
    waits = 0
    for indexes, state in zip(slices, measured.result.states, strict=True):
        if state:
            waits += state["waits"]
            for i, step in zip(indexes, state["last_steps"], strict=True):
                pool.last_steps[i] = step
    noun = "client" if clients == 1 else "clients"
    row = row_of(f"TOTP-MFA sign-in, {clients} {noun}", running, measured, "sign-ins/s")
    row.waited = waits * loadgen.WAIT_SECONDS
    if waits:
        row.notes.append(f"every TOTP user had used its codes: clients waited {row.waited:.1f}s")
    return row


# An X-Amz-Target no service has: answered UnknownOperationException (400) before any operation runs.
EMPTY_CALL = "a call that does nothing"


def empty_calls(running: Running, clients: int, seconds: float) -> Row:
    """What a call costs the server when the call itself does nothing: an unknown operation,
    through HTTP, routing and dispatch to the error reply, no database and no cryptography."""
    workloads = [Calls([("NoSuchOperation", b"{}")], expect=400) for _ in range(clients)]
    return measure(running, f"{EMPTY_CALL}, {clients} clients", workloads, seconds, "calls/s")


@dataclass(frozen=True)
class ListPool:
    pool_id: str
    created: int


def admin_create_users(running: Running, count: int, clients: int, seconds: float) -> tuple[Row, ListPool]:
    """`count` users (or as many as `seconds` allow) into a new pool by AdminCreateUser."""
    pool_id, _ = fixtures.create_pool(running.url, "bench-list", mfa=False)
    names = [fixtures.user_name("list", n) for n in range(count)]
    bodies = [("AdminCreateUser", json.dumps(fixtures.create_user_body(pool_id, n)).encode()) for n in names]
    workloads: list[Workload] = [Calls(bodies[n::clients], once=True) for n in range(clients)]
    row = measure(running, f"AdminCreateUser, {clients} clients", workloads, seconds, "users/s")
    created = round(row.done())
    if created < count:
        row.notes.append(f"{created} of {count} users created within {seconds:g}s")
    return row, ListPool(pool_id, created)


def _list_body(pool_id: str, filter_text: str) -> tuple[str, bytes]:
    return "ListUsers", json.dumps({"UserPoolId": pool_id, "Filter": filter_text, "Limit": 60}).encode()


def list_equals(running: Running, pool: ListPool, clients: int, seconds: float) -> Row:
    """`email = "..."` for users spread over the ones created (lowest numbers: made first)."""
    spread = max(1, int(pool.created * 0.9))
    numbers = [n * 7919 % spread for n in range(200)]
    bodies = [
        _list_body(pool.pool_id, f'email = "{fixtures.user_name("list", n)}@example.com"') for n in numbers
    ]
    workloads: list[Workload] = [Calls(bodies[n::clients]) for n in range(clients)]
    return measure(running, f'ListUsers email = "...", {clients} clients', workloads, seconds, "calls/s")


def list_prefix(running: Running, pool: ListPool, clients: int, seconds: float) -> Row:
    """`email ^= "list00012"`: ten users a page."""
    groups = max(1, min(200, int(pool.created * 0.9) // 10))
    bodies = [_list_body(pool.pool_id, f'email ^= "list{n:05d}"') for n in range(groups)]
    workloads: list[Workload] = [Calls(bodies[n::clients]) for n in range(clients)]
    return measure(running, f'ListUsers email ^= "...", {clients} clients', workloads, seconds, "calls/s")


def list_walk(running: Running, pool: ListPool, seconds: float) -> Row:
    """Every page of the pool, 60 users a page, repeated; the rate is users listed per second."""
    row = measure(running, "ListUsers full walk (60/page)", [Walk(pool.pool_id)], seconds, "walks/s")
    if row.done():
        row.notes.append(f"{pool.created} users a walk: {pool.created * row.rate:,.0f} users/s")
    if not running.engine.paginates:
        row.notes.append("no pagination: one call returns every user")
    return row


def soak(running: Running, pool: fixtures.SignInPool, total: int, clients: int) -> Row:
    """`total` password sign-ins in a row, RSS sampled as they go; notes growth from the first
    tenth (after warm-up) to the end."""
    bodies = [_sign_in_body(pool.client_id, name) for name in pool.password_users]
    samples: list[int] = []
    first = running.usage()
    started = time.perf_counter()
    done, errors, error_text, client_cpu = 0, 0, None, 0.0
    chunk = max(1000, total // 20)
    while done < total:
        per_client = max(1, min(chunk, total - done) // clients)
        workloads: list[Workload] = [
            Calls(_repeat(bodies[n::clients], per_client), once=True) for n in range(clients)
        ]
        result = loadgen.run(running.url, workloads, 3600)
        done += result.count + result.errors
        errors += result.errors
        error_text = error_text or result.first_error
        client_cpu += result.client_cpu
        samples.append(running.usage().rss)
    wall = time.perf_counter() - started
    last = running.usage()
    row = Row(
        workload=f"soak: {total:,} password sign-ins",
        engine=running.engine.name,
        rate=done / wall,
        unit="sign-ins/s",
        p50=math.nan,
        p99=math.nan,
        cpu=last.cpu - first.cpu,
        wall=wall,
        rss_before=first.rss,
        rss_after=last.rss,
        errors=errors,
        first_error=error_text,
        client_cpu=client_cpu,
    )
    base = samples[max(0, len(samples) // 10 - 1)]
    growth = (samples[-1] - base) / base * 100 if base else 0.0
    trace = " ".join(f"{sample / 2**20:.0f}" for sample in samples)
    row.notes.append(
        f"RSS after warm-up {base / 2**20:.1f} MB, end {samples[-1] / 2**20:.1f} MB, "
        f"max {max(samples) / 2**20:.1f} MB: {growth:+.1f}% (flat within 10%: "
        f"{'yes' if abs(growth) <= 10 else 'NO'}); MB every {chunk:,}: {trace}"
    )
    return row


def _repeat(bodies: list[tuple[str, bytes]], count: int) -> list[tuple[str, bytes]]:
    return [bodies[i % len(bodies)] for i in range(count)]
