"""Load-generating worker processes for bench/run.py.

Each worker is its own process holding one keep-alive HTTP/1.1 connection (a plain socket, no
boto3, no signing) and sending JSON 1.1 bodies that were built before the clock started (as were
the TOTP clients' decoded secrets: a workload's `ready()`), so a request costs the client a few
tens of microseconds. A workload runs from a common start time for a fixed number of seconds (or
until its bodies run out); every worker reports its latencies, its error count and its first
error.
"""

from __future__ import annotations

import functools
import json
import math
import multiprocessing
import socket
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

TARGET_PREFIX = "AWSCognitoIdentityProviderService."
# A SigV4-shaped header: moto routes on its credential scope; userpool reads the region from it.
AUTHORIZATION = (
    "AWS4-HMAC-SHA256 Credential=bench/20240101/us-east-1/cognito-idp/aws4_request, "
    "SignedHeaders=host;x-amz-target, Signature=" + "0" * 64
)
STEP_SECONDS = 30
WAIT_SECONDS = 0.05  # a TOTP client's sleep when every user has used every step the server accepts


def password_auth(client_id: str, username: str, password: str) -> dict[str, Any]:
    """InitiateAuth's request for a USER_PASSWORD_AUTH sign-in."""
    auth = {"USERNAME": username, "PASSWORD": password}
    return {"ClientId": client_id, "AuthFlow": "USER_PASSWORD_AUTH", "AuthParameters": auth}


def totp_answer(client_id: str, session: str, username: str, code: str) -> dict[str, Any]:
    """RespondToAuthChallenge's request answering SOFTWARE_TOKEN_MFA with `code`."""
    return {
        "ClientId": client_id,
        "ChallengeName": "SOFTWARE_TOKEN_MFA",
        "Session": session,
        "ChallengeResponses": {"USERNAME": username, "SOFTWARE_TOKEN_MFA_CODE": code},
    }


class Client:
    """One keep-alive HTTP/1.1 connection speaking JSON 1.1 over a plain socket; reconnects when
    the server closes it (moto's server answers HTTP/1.0 and closes after every reply).

    Written on the socket rather than with `http.client`: `http.client` spent ~0.2 ms of CPU a
    call (header objects, email-parser replies), a sixth of what the server spent on a sign-in,
    on the same two cores. Here a request is one `sendall` of bytes prepared per operation, and a
    reply is split at its blank line and read to its Content-Length (or its chunks)."""

    def __init__(self, url: str, timeout: float = 60) -> None:
        parts = urlsplit(url)
        self.address = (parts.hostname or "127.0.0.1", parts.port or 80)
        self.timeout = timeout
        self.sock: socket.socket | None = None
        self.buffer = b""
        self.heads: dict[str, bytes] = {}

    def _head(self, operation: str) -> bytes:
        head = self.heads.get(operation)
        if head is None:
            head = (
                f"POST / HTTP/1.1\r\nHost: {self.address[0]}:{self.address[1]}\r\n"
                f"X-Amz-Target: {TARGET_PREFIX}{operation}\r\n"
                "Content-Type: application/x-amz-json-1.1\r\n"
                f"Authorization: {AUTHORIZATION}\r\nContent-Length: "
            ).encode()
            self.heads[operation] = head
        return head

    def call(self, operation: str, body: bytes) -> tuple[int, bytes]:
        request = b"%s%d\r\n\r\n%s" % (self._head(operation), len(body), body)
        for attempt in (1, 2):
            fresh = self.sock is None
            try:
                if self.sock is None:
                    self.sock = socket.create_connection(self.address, timeout=self.timeout)
                    self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
                    self.buffer = b""
                self.sock.sendall(request)
                return self._reply()
            except ConnectionError:
                self.close()
                if attempt == 2 or fresh:
                    raise
        raise AssertionError("unreachable")

    def _reply(self) -> tuple[int, bytes]:
        while (end := self.buffer.find(b"\r\n\r\n")) < 0:
            self._receive()
        head, self.buffer = self.buffer[:end].decode("latin-1"), self.buffer[end + 4 :]
        lines = head.split("\r\n")
        version, status = lines[0].split(" ", 2)[:2]
        fields = {}
        for line in lines[1:]:
            name, _, value = line.partition(":")
            fields[name.strip().lower()] = value.strip()
        if "content-length" in fields:
            body = self._exactly(int(fields["content-length"]))
        elif fields.get("transfer-encoding", "").lower() == "chunked":
            body = self._chunks()
        else:  # a body that ends with the connection
            while self._receive(allow_close=True):
                pass
            body, self.buffer = self.buffer, b""
            fields["connection"] = "close"
        if fields.get("connection", "").lower() == "close" or (
            version == "HTTP/1.0" and fields.get("connection", "").lower() != "keep-alive"
        ):
            self.close()
        return int(status), body

    def _receive(self, allow_close: bool = False) -> bool:
        assert self.sock is not None
        data = self.sock.recv(65536)
        if not data:
            if allow_close:
                return False
            raise _Closed
        self.buffer += data
        return True

    def _exactly(self, size: int) -> bytes:
        while len(self.buffer) < size:
            self._receive()
        data, self.buffer = self.buffer[:size], self.buffer[size:]
        return data

    def _chunks(self) -> bytes:
        parts: list[bytes] = []
        while True:
            while (end := self.buffer.find(b"\r\n")) < 0:
                self._receive()
            size = int(self.buffer[:end].split(b";")[0], 16)
            self.buffer = self.buffer[end + 2 :]
            data = self._exactly(size + 2)[:size]
            if size == 0:
                return b"".join(parts)  # no trailers are sent by the servers measured
            parts.append(data)

    def json(self, operation: str, params: dict[str, Any]) -> dict[str, Any]:
        """One call that must succeed (set-up steps); raises with the server's answer otherwise."""
        status, data = self.call(operation, json.dumps(params).encode())
        if status != 200:
            raise RuntimeError(f"{operation} failed: {status} {data[:300]!r}")
        found: dict[str, Any] = json.loads(data) if data else {}
        return found

    def close(self) -> None:
        if self.sock is not None:
            self.sock.close()
        self.sock = None
        self.buffer = b""


class _Closed(ConnectionError):
    """The server closed the connection before its reply was complete."""


@dataclass
class Outcome:
    """What one worker measured."""

    latencies: list[float] = field(default_factory=list)
    errors: int = 0
    first_error: str | None = None
    ended: float = 0.0
    cpu: float = 0.0  # this worker's own CPU seconds while it ran the workload
    worker: int = 0
    state: Any = None  # workload-specific state handed back to the parent (TOTP steps used)

    def failed(self, text: str) -> None:
        self.errors += 1
        if self.first_error is None:
            self.first_error = text[:300]


# --- workloads -----------------------------------------------------------------------------------

# What a workload runs once the clock starts: calls on the client until the time given, counted
# in the outcome. A workload's `ready()` makes it, with whatever it needs built beforehand.
Run = Callable[[Client, float, Outcome], None]


@dataclass(frozen=True)
class Calls:
    """Send `bodies` (operation, body) in turn, cycling, until the time is up; or each body once
    when `once` is set (AdminCreateUser). A reply with status `expect` counts as done."""

    bodies: Sequence[tuple[str, bytes]]
    once: bool = False
    expect: int = 200

    def ready(self) -> Run:
        return self.run

    def run(self, client: Client, until: float, out: Outcome) -> None:
        index = 0
        while time.time() < until:
            if index >= len(self.bodies):
                if self.once:
                    return
                index = 0
            operation, body = self.bodies[index]
            index += 1
            started = time.perf_counter()
            status, data = client.call(operation, body)
            if status == self.expect:
                out.latencies.append(time.perf_counter() - started)
            else:
                out.failed(f"{status} {data[:300]!r}")


@dataclass(frozen=True)
class Walk:
    """A full ListUsers walk, page by page, repeated until the time is up (one latency per walk)."""

    pool_id: str
    limit: int = 60

    def ready(self) -> Run:
        return self.run

    def run(self, client: Client, until: float, out: Outcome) -> None:
        walked = 0
        while time.time() < until:
            started = time.perf_counter()
            count, error = self.walk(client)
            if error:
                out.failed(error)
                continue
            walked = count
            out.latencies.append(time.perf_counter() - started)
        out.state = walked

    def walk(self, client: Client) -> tuple[int, str | None]:
        params: dict[str, Any] = {"UserPoolId": self.pool_id, "Limit": self.limit}
        count = 0
        while True:
            status, data = client.call("ListUsers", json.dumps(params).encode())
            if status != 200:
                return count, f"{status} {data[:300]!r}"
            page = json.loads(data)
            count += len(page.get("Users") or [])
            token = page.get("PaginationToken")
            if not token:
                return count, None
            params["PaginationToken"] = token


@functools.cache
def _any_length_totp() -> Any:
    """pyotp's TOTP class without its minimum secret length: moto hands every user the same 60-bit
    secret, shorter than pyotp's default minimum (the codes are the same). It keeps the secret
    it decoded: pyotp decodes the base32 text again for every code (4-5 µs of a code's 10 µs),
    on the cores the client shares with the server. Made once, not once a user."""
    import pyotp

    class AnyLengthTOTP(pyotp.TOTP):
        min_secret_length_bits = 0

        def byte_secret(self) -> bytes:
            key: bytes | None = self.__dict__.get("_key")
            if key is None:
                key = self._key = super().byte_secret()
            return key

    return AnyLengthTOTP


def totp_of(secret: str) -> Any:
    """pyotp's TOTP for a secret (of any length, see `_any_length_totp`)."""
    return _any_length_totp()(secret)


@dataclass(frozen=True)
class TotpUser:
    username: str
    secret: str


@dataclass(frozen=True)
class TotpSignIns:
    """InitiateAuth USER_PASSWORD_AUTH, then RespondToAuthChallenge SOFTWARE_TOKEN_MFA with a real
    TOTP (pyotp), one latency per complete sign-in. Where the server refuses a reused time step
    (`replay_protected`), each user signs in at most once per step: users are taken in turn, each
    with the lowest step after the one it last used that the server still accepts (one step of
    tolerance either side), and a user with none left is skipped until time moves on."""

    client_id: str
    password: str
    users: Sequence[TotpUser]
    last_steps: Sequence[int]
    replay_protected: bool = True
    window: int = 1  # steps the server accepts either side of its own

    def ready(self) -> Run:
        """Each user's TOTP, made (and its secret decoded) before the clock starts."""
        totps = [totp_of(user.secret) for user in self.users]
        return functools.partial(self.run, totps)

    def run(self, totps: Sequence[Any], client: Client, until: float, out: Outcome) -> None:
        last = list(self.last_steps)
        index = waits = 0
        while time.time() < until:
            picked = self._next(last, index)
            if picked is None:
                waits += 1
                time.sleep(WAIT_SECONDS)
                continue
            index, step = picked
            last[index] = step
            user = self.users[index]
            started = time.perf_counter()
            error = self._sign_in(client, user.username, totps[index].at(step * STEP_SECONDS))
            if error is None:
                out.latencies.append(time.perf_counter() - started)
            else:
                out.failed(error)
            index += 1
        out.state = {"last_steps": last, "waits": waits}

    def _next(self, last: list[int], start: int) -> tuple[int, int] | None:
        now = time.time()
        current = int(now // STEP_SECONDS)
        # The step before is still accepted if the server checks it within this step.
        lowest = current - self.window if now % STEP_SECONDS < STEP_SECONDS - 2 else current
        if not self.replay_protected:
            return start % len(self.users), current
        for offset in range(len(self.users)):
            index = (start + offset) % len(self.users)
            step = max(last[index] + 1, lowest)
            if step <= current + self.window:
                return index, step
        return None

    def _sign_in(self, client: Client, username: str, code: str) -> str | None:
        first = password_auth(self.client_id, username, self.password)
        status, data = client.call("InitiateAuth", json.dumps(first).encode())
        if status != 200:
            return f"InitiateAuth {status} {data[:300]!r}"
        challenge = json.loads(data)
        if challenge.get("ChallengeName") != "SOFTWARE_TOKEN_MFA":
            return f"InitiateAuth answered {data[:300]!r}"
        second = totp_answer(self.client_id, challenge["Session"], username, code)
        status, data = client.call("RespondToAuthChallenge", json.dumps(second).encode())
        if status != 200 or b"AccessToken" not in data:
            return f"RespondToAuthChallenge {status} {data[:300]!r}"
        return None


Workload = Calls | Walk | TotpSignIns


# --- running workers -----------------------------------------------------------------------------


def _worker(url: str, workload: Workload, start: float, seconds: float, queue: Any, worker: int) -> None:
    out = Outcome(worker=worker)
    client = Client(url)
    try:
        run = workload.ready()
        time.sleep(max(0.0, start - time.time()))
        cpu = time.process_time()
        run(client, start + seconds, out)
        out.cpu = time.process_time() - cpu
    except Exception as err:  # report, never hang the parent
        out.failed(f"{type(err).__name__}: {err}")
    finally:
        client.close()
        out.ended = time.time()
        queue.put(out)


@dataclass
class Result:
    """A workload's outcome over all its workers."""

    clients: int
    count: int
    errors: int
    first_error: str | None
    wall: float
    latencies: list[float]
    states: list[Any]
    client_cpu: float  # CPU seconds of all load-generating workers

    @property
    def rate(self) -> float:
        return self.count / self.wall if self.wall > 0 else 0.0

    def percentile(self, fraction: float) -> float:
        """Latency at `fraction` in milliseconds (nearest rank); NaN without a success."""
        if not self.latencies:
            return math.nan
        ordered = sorted(self.latencies)
        return 1000 * ordered[max(0, math.ceil(fraction * len(ordered)) - 1)]


_BEFORE_START = 0.01  # seconds before the start at which `before` is called


def run(
    url: str, workloads: Sequence[Workload], seconds: float, *, before: Callable[[], None] | None = None
) -> Result:
    """Run one worker process per workload from a common start, `seconds` at most; `before` is
    called just before the start (to sample the server and the machine), once the workers have
    had their time to make what they need (`ready()`), so that their making it is not counted."""
    context = multiprocessing.get_context("fork")
    queue = context.Queue()
    start = time.time() + 0.3
    procs = [
        context.Process(target=_worker, args=(url, workload, start, seconds, queue, n), daemon=True)
        for n, workload in enumerate(workloads)
    ]
    for proc in procs:
        proc.start()
    if before is not None:
        time.sleep(max(0.0, start - _BEFORE_START - time.time()))
        before()
    outs = sorted((queue.get(timeout=seconds + 120) for _ in procs), key=lambda out: out.worker)
    for proc in procs:
        proc.join(timeout=10)
    latencies = [value for out in outs for value in out.latencies]
    errors = [out.first_error for out in outs if out.first_error]
    return Result(
        clients=len(workloads),
        count=len(latencies),
        errors=sum(out.errors for out in outs),
        first_error=errors[0] if errors else None,
        wall=max(out.ended for out in outs) - start,
        latencies=latencies,
        states=[out.state for out in outs],
        client_cpu=sum(out.cpu for out in outs),
    )
