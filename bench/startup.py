"""Start-up time and password sign-in rate of `userpool serve` on a fresh SQLite database.

Run from the repository root:  .venv/bin/python bench/startup.py [--runs 5] [--seconds 5]

1. Starts `userpool serve` N times, each on a new SQLite file, and measures the time from process
   start to the first 200 from GET /_userpool/health (target: under 2 seconds).
2. Against one server: a pool, a client and a user, then InitiateAuth USER_PASSWORD_AUTH from 1
   and from 4 client threads for a few seconds each, printing sign-ins/s and p50/p99 latency.
   The load generator is plain httpx speaking JSON 1.1 (no boto3) so it stays light.
3. New pools, as a test suite makes them (`--pools`, default 10): each pool's creation with its
   client and user, its first sign-in and the median of its next nine, each pool over one
   keep-alive connection (so all of a pool's sign-ins reach the same worker process). A worker
   loads a pool's two signing keys at that pool's first sign-in there.
"""

from __future__ import annotations

import argparse
import json
import math
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
from loadgen import password_auth
from peers import compile_sources, free_port

STARTUP_TARGET = 2.0
TARGET_PREFIX = "AWSCognitoIdentityProviderService."
PASSWORD = "Bench-Horse-1"  # noqa: S105  (the benchmark user's password)


def wait_healthy(url: str, proc: subprocess.Popen[bytes], timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    with httpx.Client(timeout=1) as http:
        while time.monotonic() < deadline:
            if proc.poll() is not None:
                raise RuntimeError(f"userpool exited with {proc.returncode}")
            try:
                if http.get(f"{url}/_userpool/health").status_code == 200:
                    return
            except httpx.TransportError:
                pass
            time.sleep(0.005)
    raise RuntimeError("userpool did not answer /_userpool/health in time")


@contextmanager
def serve(db_path: Path) -> Iterator[tuple[str, float]]:
    """A `userpool serve` process; yields its URL and seconds from spawn to the first health 200."""
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    command = [
        sys.executable,
        "-m",
        "userpool.cli",
        "serve",
        "--port",
        str(port),
        "--db",
        f"sqlite:///{db_path}",
    ]
    started = time.perf_counter()
    proc = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_healthy(url, proc)
        yield url, time.perf_counter() - started
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def measure_startup(runs: int) -> None:
    times: list[float] = []
    for run in range(runs):
        with tempfile.TemporaryDirectory() as tmp, serve(Path(tmp) / "userpool.db") as (_, elapsed):
            times.append(elapsed)
            print(f"  run {run + 1}: {elapsed:.3f}s")
    verdict = "OK" if max(times) < STARTUP_TARGET else "OVER TARGET"
    print(
        f"start-up to first health 200: min {min(times):.3f}s  median {statistics.median(times):.3f}s  "
        f"max {max(times):.3f}s  (target < {STARTUP_TARGET:.1f}s: {verdict})"
    )


def call(http: httpx.Client, url: str, operation: str, body: dict[str, Any]) -> httpx.Response:
    return http.post(
        url,
        content=json.dumps(body),
        headers={"X-Amz-Target": TARGET_PREFIX + operation, "Content-Type": "application/x-amz-json-1.1"},
    )


def checked(http: httpx.Client, url: str, operation: str, body: dict[str, Any]) -> dict[str, Any]:
    reply = call(http, url, operation, body)
    if reply.status_code != 200:
        raise RuntimeError(f"{operation} failed: {reply.status_code} {reply.text[:300]}")
    found: dict[str, Any] = reply.json()
    return found


def set_up(url: str, name: str = "bench") -> str:
    """One pool, one client allowing password sign-in, one confirmed user; returns the client id."""
    with httpx.Client(timeout=30) as http:
        pool_id = checked(http, url, "CreateUserPool", {"PoolName": name})["UserPool"]["Id"]
        client = checked(
            http,
            url,
            "CreateUserPoolClient",
            {"UserPoolId": pool_id, "ClientName": "bench", "ExplicitAuthFlows": ["ALLOW_USER_PASSWORD_AUTH"]},
        )
        user = {"UserPoolId": pool_id, "Username": "bench"}
        checked(http, url, "AdminCreateUser", {**user, "MessageAction": "SUPPRESS"})
        checked(http, url, "AdminSetUserPassword", {**user, "Password": PASSWORD, "Permanent": True})
    client_id: str = client["UserPoolClient"]["ClientId"]
    return client_id


def sign_in_worker(
    url: str, body: dict[str, Any], until: float, latencies: list[float], errors: list[str]
) -> None:
    with httpx.Client(timeout=30) as http:
        while time.perf_counter() < until:
            started = time.perf_counter()
            reply = call(http, url, "InitiateAuth", body)
            elapsed = time.perf_counter() - started
            if reply.status_code == 200:
                latencies.append(elapsed)
            else:
                errors.append(f"{reply.status_code} {reply.text[:200]}")


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[max(0, math.ceil(fraction * len(ordered)) - 1)]


def measure_sign_ins(url: str, client_id: str, threads: int, seconds: float) -> None:
    body = password_auth(client_id, "bench", PASSWORD)
    latencies: list[float] = []  # list.append is atomic under the GIL
    errors: list[str] = []
    started = time.perf_counter()
    until = started + seconds
    workers = [
        threading.Thread(target=sign_in_worker, args=(url, body, until, latencies, errors))
        for _ in range(threads)
    ]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    wall = time.perf_counter() - started
    if not latencies:
        print(f"  {threads} thread(s): no successful sign-in; first error: {errors[:1]}")
        return
    p50, p99 = percentile(latencies, 0.50) * 1000, percentile(latencies, 0.99) * 1000
    print(
        f"  {threads} thread(s): {len(latencies) / wall:7.1f} sign-ins/s  "
        f"p50 {p50:6.1f} ms  p99 {p99:6.1f} ms  ({len(latencies)} ok, {len(errors)} failed)"
    )
    if errors:
        print(f"    first error: {errors[0]}")


def measure_new_pools(url: str, pools: int) -> None:
    created: list[float] = []
    first: list[float] = []
    later: list[float] = []
    for number in range(pools):
        started = time.perf_counter()
        client_id = set_up(url, f"bench-{number}")
        created.append(time.perf_counter() - started)
        with httpx.Client(timeout=30) as http:
            took = []
            for _ in range(10):
                started = time.perf_counter()
                checked(http, url, "InitiateAuth", password_auth(client_id, "bench", PASSWORD))
                took.append(time.perf_counter() - started)
        first.append(took[0])
        later.append(statistics.median(took[1:]))
    print(
        f"  a pool with its client and user: median {1000 * statistics.median(created):.1f} ms; "
        f"its first sign-in: median {1000 * statistics.median(first):.1f} ms, "
        f"max {1000 * max(first):.1f} ms; the next nine: median {1000 * statistics.median(later):.1f} ms"
    )


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--runs", type=int, default=5, help="start-ups to time (default 5)")
    parser.add_argument(
        "--seconds", type=float, default=5.0, help="seconds per sign-in load step (default 5)"
    )
    parser.add_argument(
        "--threads", default="1,4", help="client thread counts, comma-separated (default 1,4)"
    )
    parser.add_argument("--pools", type=int, default=10, help="new pools to time (default 10)")
    args = parser.parse_args()
    compile_sources()
    print(f"start-up, {args.runs} runs, each on a fresh SQLite file:")
    measure_startup(args.runs)
    print(f"password sign-in (InitiateAuth USER_PASSWORD_AUTH), {args.seconds:g}s per step, SQLite:")
    with tempfile.TemporaryDirectory() as tmp, serve(Path(tmp) / "userpool.db") as (url, _):
        client_id = set_up(url)
        for threads in (int(n) for n in args.threads.split(",")):
            measure_sign_ins(url, client_id, threads, args.seconds)
        print(f"new pools, {args.pools} of them, SQLite:")
        measure_new_pools(url, args.pools)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
