"""The servers bench/run.py compares: userpool on SQLite and on PostgreSQL, moto's server and
cognito-local. Each is started here on 127.0.0.1 and a free port, watched through /proc (CPU
seconds and RSS of its whole process tree) and stopped again, whatever happens.

The peers live apart from the project: moto in bench/.venv (bench/requirements.txt), cognito-local
in bench/node_modules (bench/package.json and its lockfile); `ensure_installed` sets them up.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from loadgen import Client

import userpool.crypto
from userpool.crypto import openssl_cpu

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
PEER_VENV = BENCH / ".venv"
PEER_PYTHON = PEER_VENV / "bin" / "python"
MOTO_SERVER = PEER_VENV / "bin" / "moto_server"
COGNITO_LOCAL = BENCH / "node_modules" / "cognito-local" / "lib" / "bin" / "start.js"
PG_ADMIN = "postgresql://postgres@127.0.0.1:5432/postgres"
PAGE_SIZE = os.sysconf("SC_PAGE_SIZE")
TICKS = os.sysconf("SC_CLK_TCK")


@dataclass(frozen=True)
class Engine:
    """A server to measure and what it does differently."""

    name: str
    kind: str  # userpool | moto | cognito-local
    db: str = ""  # userpool: sqlite | postgres
    replay_protected: bool = True  # refuses a TOTP step a user already used
    totp_window: int = 1  # TOTP steps accepted either side of the current one
    paginates: bool = True  # ListUsers honours Limit / PaginationToken


ENGINES = {
    "sqlite": Engine("userpool/sqlite", "userpool", db="sqlite"),
    "postgres": Engine("userpool/pg", "userpool", db="postgres"),
    "moto": Engine("moto", "moto", replay_protected=False, totp_window=0),
    "cognito-local": Engine("cognito-local", "cognito-local", replay_protected=False, paginates=False),
}


# --- installing the peers ------------------------------------------------------------------------


def compile_sources() -> None:
    """userpool's modules as bytecode, as installing the package leaves them: an editable install
    does not, and where PYTHONDONTWRITEBYTECODE is set (as on this project's machines) each start
    compiled some 200 modules again (ready on an existing database in 1.09 s instead of 0.87)."""
    subprocess.run([sys.executable, "-m", "compileall", "-q", str(ROOT / "src")], check=True)


def peer_venv_foreign() -> str | None:
    """Why bench/.venv is not on the interpreter that runs the bench, or None: its Python, asked,
    names another base installation or version (or does not run). A venv left by another
    checkout's or another machine's Python would measure moto on that Python."""
    if not PEER_PYTHON.exists():
        return None
    ours = repr((sys.base_prefix, sys.version))
    asked = subprocess.run(
        [str(PEER_PYTHON), "-c", "import sys; print(repr((sys.base_prefix, sys.version)))"],
        capture_output=True,
        text=True,
    )
    theirs = asked.stdout.strip() if asked.returncode == 0 else "a Python that does not run"
    return None if theirs == ours else f"{theirs}, not {ours}"


def peer_pip() -> list[str]:
    """`pip install --quiet` into bench/.venv, made first if missing or made by another Python
    (`peer_venv_foreign`): on the interpreter that runs the bench, as userpool is (a venv made
    from a venv takes its base interpreter), so that moto is not measured on another Python than
    the one it is compared with."""
    foreign = peer_venv_foreign()
    if foreign is not None:
        print(f"bench/.venv was made by another Python ({foreign}): making it again", flush=True)
        shutil.rmtree(PEER_VENV)
    if not PEER_PYTHON.exists():
        subprocess.run([sys.executable, "-m", "venv", str(PEER_VENV)], check=True)
    return [str(PEER_PYTHON), "-m", "pip", "install", "--quiet"]


def ensure_installed(kinds: set[str]) -> dict[str, str]:
    """Install missing peers; returns {kind: reason} for peers that cannot run here."""
    missing: dict[str, str] = {}
    if "moto" in kinds:
        pip = peer_pip()  # makes bench/.venv again, moto gone with it, if another Python made it
        if not MOTO_SERVER.exists():
            print("setting up bench/.venv with moto[server] (bench/requirements.txt) ...", flush=True)
            subprocess.run([*pip, "-r", str(BENCH / "requirements.txt")], check=True)
    if "cognito-local" in kinds and not COGNITO_LOCAL.exists():
        if shutil.which("npm") is None or shutil.which("node") is None:
            missing["cognito-local"] = "node/npm not installed"
        else:
            print("installing cognito-local into bench/node_modules (npm ci) ...", flush=True)
            subprocess.run(["npm", "ci", "--no-audit", "--no-fund"], cwd=BENCH, check=True)
    return missing


# --- process trees -------------------------------------------------------------------------------


def _children_map() -> dict[int, list[int]]:
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        with contextlib.suppress(OSError):
            stat = Path(f"/proc/{entry}/stat").read_text()
            ppid = int(stat[stat.rindex(")") + 2 :].split()[1])
            children.setdefault(ppid, []).append(int(entry))
    return children


def process_tree(pid: int) -> list[int]:
    children = _children_map()
    tree, todo = [], [pid]
    while todo:
        current = todo.pop()
        tree.append(current)
        todo.extend(children.get(current, []))
    return tree


@dataclass(frozen=True)
class Usage:
    cpu: float  # user + system seconds of the whole tree
    rss: int  # bytes, summed over the tree
    system: float = 0.0  # the system (kernel) part of `cpu`


@dataclass(frozen=True)
class Machine:
    """The whole machine's CPU seconds so far, over all cores (`/proc/stat`)."""

    busy: float  # user, nice, system, irq and softirq: every process's work and the kernel's
    steal: float  # taken by the hypervisor for other guests while this one wanted to run


def machine() -> Machine:
    fields = [int(value) for value in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:9]]
    user, nice, system, _idle, _iowait, irq, softirq, steal = fields
    return Machine((user + nice + system + irq + softirq) / TICKS, steal / TICKS)


def usage(pid: int) -> Usage:
    cpu = system = 0.0
    rss = 0
    for member in process_tree(pid):
        with contextlib.suppress(OSError):
            fields = Path(f"/proc/{member}/stat").read_text().rsplit(")", 1)[1].split()
            cpu += (int(fields[11]) + int(fields[12])) / TICKS
            system += int(fields[12]) / TICKS
            rss += int(fields[21]) * PAGE_SIZE
    return Usage(cpu, rss, system)


# --- starting and stopping -----------------------------------------------------------------------


@dataclass(frozen=True)
class Running:
    engine: Engine
    url: str
    pid: int
    ready_seconds: float

    def usage(self) -> Usage:
        return usage(self.pid)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_ready(url: str, proc: subprocess.Popen[bytes], timeout: float = 60) -> None:
    """Ready means it answers a cognito-idp call (ListUserPools)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"server exited with {proc.returncode}")
        client = Client(url, timeout=2)
        try:
            status, _ = client.call("ListUserPools", b'{"MaxResults": 1}')
            if status == 200:
                return
        except OSError:
            pass
        finally:
            client.close()
        time.sleep(0.01)
    raise RuntimeError(f"no answer from {url} within {timeout:.0f}s")


def _stop(proc: subprocess.Popen[bytes]) -> None:
    tree = process_tree(proc.pid)
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
    for pid in tree[1:]:  # workers the server started and left behind, by their own ids
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)


def _command(
    engine: Engine, workdir: str, port: int, db_url: str, workers: int
) -> tuple[list[str], dict[str, str]]:
    env = dict(os.environ)
    if engine.kind == "userpool":
        command = [sys.executable, "-m", "userpool.cli", "serve", "--port", str(port), "--db", db_url]
        return [*command, "--workers", str(workers), "--log-level", "warning"], env
    if engine.kind == "moto":
        env["MOTO_COGNITO_IDP_USER_POOL_ENABLE_TOTP"] = "true"
        return [str(MOTO_SERVER), "-H", "127.0.0.1", "-p", str(port)], env
    env.update(PORT=str(port), HOST="127.0.0.1")
    # cognito-local makes every new pool sign in by email unless its config says otherwise.
    config = Path(workdir, ".cognito", "config.json")
    config.parent.mkdir(exist_ok=True)
    config.write_text(json.dumps({"UserPoolDefaults": {"UsernameAttributes": []}}))
    return ["node", str(COGNITO_LOCAL)], env


@contextlib.contextmanager
def serve(engine: Engine, workdir: str, db_url: str, *, workers: int) -> Iterator[Running]:
    """The engine running in `workdir` on `db_url` (userpool); stopped on exit."""
    port = free_port()
    command, env = _command(engine, workdir, port, db_url, workers)
    log_path = Path(workdir, f"server-{port}.log")
    with log_path.open("wb") as log:
        started = time.perf_counter()
        proc = subprocess.Popen(command, cwd=workdir, env=env, stdout=log, stderr=subprocess.STDOUT)
        try:
            url = f"http://127.0.0.1:{port}"
            try:
                wait_ready(url, proc)
            except RuntimeError as err:
                text = log_path.read_text(errors="replace")[-2000:]
                raise RuntimeError(f"{engine.name} failed to start ({err}): {text}") from None
            yield Running(engine, url, proc.pid, time.perf_counter() - started)
        finally:
            _stop(proc)


@contextlib.contextmanager
def storage(engine: Engine) -> Iterator[tuple[str, str]]:
    """A working directory and a fresh database URL for the engine (a SQLite file there, or a new
    PostgreSQL database, dropped on exit)."""
    with tempfile.TemporaryDirectory(prefix="userpool-bench-") as tmp, _database(engine, tmp) as db_url:
        yield tmp, db_url


@contextlib.contextmanager
def _database(engine: Engine, tmp: str) -> Iterator[str]:
    if engine.db != "postgres":
        yield f"sqlite:///{tmp}/userpool.db"
        return
    import psycopg

    name = f"userpool_bench_{os.getpid()}"
    with psycopg.connect(PG_ADMIN, autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}"')
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield f"postgresql://postgres@127.0.0.1:5432/{name}"
    finally:
        with psycopg.connect(PG_ADMIN, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def describe_machine() -> str:
    """Cores, memory and the CPU: its model, its family (VMs often give a generic model name) and
    whether it has AVX-512 IFMA, which OpenSSL's RSA-2048 signing uses where present (session 15:
    its IFMA routine was 38% of a worker's CPU in password sign-ins, `bench/profile.py`), and the
    `OPENSSL_ia32cap` that userpool's servers load OpenSSL with here (session 31)."""
    cores = os.cpu_count() or 0
    memory = os.sysconf("SC_PHYS_PAGES") * PAGE_SIZE / 2**30
    fields = openssl_cpu.first_cpu(openssl_cpu.cpuinfo())
    cpu = {
        "cpu": fields.get("model name", ""),
        "cpu_family": fields.get("cpu family", ""),
        "avx512ifma": "avx512ifma" in fields.get("flags", "").split(),
        "model": fields.get("model", ""),
        # what userpool loads OpenSSL with on this CPU (src/userpool/crypto/openssl_cpu.py)
        "openssl_ia32cap": userpool.crypto.OPENSSL_MASK or os.environ.get(openssl_cpu.ENV_VAR),
    }
    return json.dumps({"cores": cores, "memory_gib": round(memory, 1), **cpu})
