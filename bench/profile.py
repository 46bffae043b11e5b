"""Where userpool's CPU goes during one measured step of bench/run.py, by library and by function.

Run from the repository root with the project's venv:

    .venv/bin/python bench/profile.py                        # password sign-ins, 4 clients, SQLite
    .venv/bin/python bench/profile.py --workload totp --seconds 10
    .venv/bin/python bench/profile.py --workload create --engine postgres --workers 1

It starts `userpool serve` on a new database as bench/run.py does, sets up the step's users, and
runs the step (the same load generator) while two recorders watch every worker process:
- `perf record -e cpu-clock` (Debian's linux-perf), where perf can record: the workers' CPU by
  library (OpenSSL inside `cryptography`, the Python interpreter, GMP, SQLite, the kernel) and the
  busiest native functions. perf's software clock needs no hardware counters, so it works in VMs
  that have none.
- `py-spy record --gil`: the Python functions that held the interpreter lock, by their own share
  and with what they call. Without `--gil`, py-spy's wall-clock samples also count a worker that
  is runnable but not running (pre-empted in the reply's `send` by the client it woke), and with
  it they leave out what runs without the lock (`cryptography` signs without it).
It also prints the step's rate and the server's user and system CPU a sign-in or a user (from
the step's own figures, bench/workloads.py). py-spy is installed into bench/.venv on first use
unless the project's venv has it.
"""

from __future__ import annotations

import argparse
import collections
import os
import re
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import fixtures
import peers
import workloads
from peers import Running
from workloads import Row

PY_SPY = "py-spy==0.4.3"
PERF_RATE = 1000  # samples a second
PY_SPY_RATE = 250  # py-spy slows the process it reads more than perf does
TOP = 15
# perf's names for the libraries a worker runs in, and what they are.
LIBRARIES = (
    ("_rust.abi3.so", "cryptography's own OpenSSL (RS256 signatures, sealed strings)"),
    ("libpython", "the Python interpreter"),
    ("libgmp", "GMP (gmpy2: the SRP verifier's power)"),
    ("[kernel", "the kernel"),
    ("libsqlite3", "SQLite"),
    ("libc.so", "libc (malloc, memcpy)"),
)
# The operations' own code, below HTTP, routing and dispatch (`userpool/web`, `userpool/api`).
_OPERATIONS = re.compile(r"\(userpool/(?:ops|tokens|crypto|store|domain)/")
_PERCENT = re.compile(r"^\s+([\d.]+)%\s+(.+?)\s*$")


def _py_spy() -> str:
    for candidate in (Path(sys.executable).parent / "py-spy", peers.PEER_VENV / "bin" / "py-spy"):
        if candidate.exists():
            return str(candidate)
    print(f"installing {PY_SPY} into bench/.venv ...", flush=True)
    subprocess.run([*peers.peer_pip(), PY_SPY], check=True)
    return str(peers.PEER_VENV / "bin" / "py-spy")


def _perf_works(directory: str) -> bool:
    probe = [
        "perf", "record", "-q", "-e", "cpu-clock", "-o", f"{directory}/probe.data", "true",
    ]  # fmt: skip
    try:
        return subprocess.run(probe, capture_output=True, timeout=30).returncode == 0
    except (OSError, subprocess.TimeoutExpired):
        return False


@contextmanager
def _recording(pids: list[int], directory: str, perf: bool, py_spy: str) -> Iterator[None]:
    """perf (when `perf`) and py-spy (at `py_spy`) on `pids` while the block runs; stopped by
    SIGINT after it."""
    listed = ",".join(map(str, pids))
    recorders = []
    if perf:
        command = ["perf", "record", "-q", "-e", "cpu-clock", "-F", str(PERF_RATE)]
        command += ["-o", f"{directory}/perf.data", "-p", listed]
        recorders.append(subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
    for pid in pids:
        command = [py_spy, "record", "--gil", "--nonblocking", "--format", "raw"]
        command += ["--rate", str(PY_SPY_RATE), "--pid", str(pid), "-o", f"{directory}/spy-{pid}.txt"]
        recorders.append(subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
    time.sleep(1.0)  # both attach before the step starts
    try:
        yield
    finally:
        for recorder in recorders:
            recorder.send_signal(signal.SIGINT)
        for recorder in recorders:
            try:
                recorder.wait(timeout=60)
            except subprocess.TimeoutExpired:
                recorder.kill()
                recorder.wait()


def _perf_report(directory: str, sort: str) -> list[tuple[float, str]]:
    command = ["perf", "report", "-i", f"{directory}/perf.data", "--no-children", "--sort", sort]
    text = subprocess.run([*command, "--stdio"], capture_output=True, text=True).stdout
    found = []
    for line in text.splitlines():
        match = _PERCENT.match(line)
        if match:
            found.append((float(match.group(1)), match.group(2)))
    return found


def _library(name: str) -> str:
    return next((label for prefix, label in LIBRARIES if name.startswith(prefix)), name)


def print_perf(directory: str) -> None:
    by_library: dict[str, float] = collections.defaultdict(float)
    for share, name in _perf_report(directory, "dso"):
        by_library[_library(name)] += share
    print("\nperf: the workers' CPU by library")
    for label, share in sorted(by_library.items(), key=lambda item: -item[1])[:TOP]:
        print(f"  {share:5.1f}%  {label}")
    print(f"\nperf: the busiest {TOP} functions")
    for share, name in _perf_report(directory, "dso,sym")[:TOP]:
        print(f"  {share:5.1f}%  {name}")


def _frame(text: str) -> str:
    """py-spy's `function (file:line)` without the line, the file from `site-packages` or `src`."""
    text = re.sub(r":\d+\)$", ")", text)
    return re.sub(r"\((?:[^()]*/)?(?:site-packages|src)/", "(", text)


def print_py_spy(directory: str) -> None:
    own: collections.Counter[str] = collections.Counter()
    within: collections.Counter[str] = collections.Counter()
    total = 0
    for path in Path(directory).glob("spy-*.txt"):
        for line in path.read_text().splitlines():
            stack, _, samples = line.rpartition(" ")
            if not stack or not samples.isdigit():
                continue
            frames = [_frame(frame) for frame in stack.split(";")]
            total += int(samples)
            own[frames[-1]] += int(samples)
            for frame in set(frames):
                within[frame] += int(samples)
    if not total:
        print("\npy-spy: no samples (py-spy needs ptrace: run as the server's user, or as root)")
        return
    print(f"\npy-spy --gil: {total:,} samples of Python holding the interpreter lock")
    print(f"  by their own share (top {TOP}):")
    for frame, count in own.most_common(TOP):
        print(f"  {100 * count / total:5.1f}%  {frame}")
    print(f"  the operations' functions with what they call (top {TOP}):")
    ours = [(count, frame) for frame, count in within.items() if _OPERATIONS.search(frame)]
    for count, frame in sorted(ours, reverse=True)[:TOP]:
        print(f"  {100 * count / total:5.1f}%  {frame}")


def _step(args: argparse.Namespace, running: Running) -> Callable[[], Row]:
    """The step's users set up now; the returned call measures it."""
    engine = running.engine
    if args.workload == "create":
        return lambda: workloads.admin_create_users(running, args.users, args.clients, args.seconds)[0]
    totp_users = args.users if args.workload == "totp" else 0
    pool = fixtures.sign_in_pool(running.url, engine, password_users=50, totp_users=totp_users)
    measure = workloads.totp_sign_ins if args.workload == "totp" else workloads.password_sign_ins
    return lambda: measure(running, pool, args.clients, args.seconds)


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--workload", choices=("password", "totp", "create"), default="password")
    parser.add_argument("--engine", choices=("sqlite", "postgres"), default="sqlite")
    parser.add_argument("--clients", type=int, default=4)
    parser.add_argument("--seconds", type=float, default=8.0, help="seconds of the measured step")
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1, help="server processes")
    parser.add_argument(
        "--users", type=int, default=8000, help="TOTP users (totp) or users to create (create)"
    )
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    engine = peers.ENGINES[args.engine]
    peers.compile_sources()
    with tempfile.TemporaryDirectory(prefix="userpool-profile-") as directory:
        perf = _perf_works(directory)
        py_spy = _py_spy()
        with (
            peers.storage(engine) as (workdir, db_url),
            peers.serve(engine, workdir, db_url, workers=args.workers) as running,
        ):
            step = _step(args, running)
            tree = peers.process_tree(running.pid)
            pids = tree[1:] or tree[:1]  # the workers, or the one process serving alone
            with _recording(pids, directory, perf, py_spy):
                row = step()
        noun = "user" if args.workload == "create" else "sign-in"
        print(f"{row.workload}, {engine.name}, {args.workers} workers: {row.rate:,.0f} {row.unit}")
        print(
            f"  the server's CPU a {noun}: user {row.per_call(row.cpu - row.system_cpu):.3f} ms, "
            f"system {row.per_call(row.system_cpu):.3f} ms (recorded, so slower than bench/run.py's)"
        )
        if row.errors:
            print(f"  {row.errors} errors; the first: {row.first_error}")
        if perf:
            print_perf(directory)
        else:
            print("\nperf: cannot record here (Debian's linux-perf, and perf_event_paranoid <= 1)")
        print_py_spy(directory)
    return 0


if __name__ == "__main__":
    sys.exit(main())
