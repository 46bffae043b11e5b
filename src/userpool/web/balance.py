"""`serve --workers N`: one listening socket shared by the forked workers, each taking a new
connection only when it is its turn, so that a few keep-alive clients spread over the workers.

With a socket per worker (SO_REUSEPORT) the kernel places a connection by a hash of its
addresses: the four keep-alive clients of bench/run.py all landed on one worker one time in
eight, leaving a core idle (600 instead of 1,000 sign-ins/s). On one shared socket as asyncio
serves it, the first worker to wake accepts every connection waiting.

Here every worker counts its open connections in memory shared across the fork, marks when it
has started serving, and marks when its event loop is running a call. A worker accepts unless it
holds more connections than another worker that serves and is idle: that one is woken by the same
connection and takes it a moment later. (A worker still starting is not waited for: while one
took 0.3 s to build its server, the first connections went to the other after each waited out
the patience, and eight connections opened right after start split 3-5 in 8 runs of 15.) While
it defers, a worker pauses 0.2 ms at each look (the other may need this core to wake up); after
`PATIENCE_SECONDS` it takes the connection anyway (the other may be stuck). With both cores
kept busy by two other processes, a patience of 5 ms without the pause let the connections of
tests/wire/test_workers.py split unevenly in 5 runs of 12; 20 ms with it, in none of 16.

asyncio's event loop takes connections through `socket.accept`, which is what `SharedListener`
overrides; the server runs on asyncio's own loop (not uvloop) for that reason.
"""

from __future__ import annotations

import mmap
import socket
import time

PATIENCE_SECONDS = 0.02
_DEFER_PAUSE_SECONDS = 0.0002
_CONNECTIONS, _BUSY, _SERVING = 0, 1, 2  # the counters of a worker
_SLOTS = 3


class Board:
    """Each worker's open connections, whether it serves yet and whether its loop is busy, shared
    by forked workers (an anonymous shared mapping made before the fork)."""

    def __init__(self, workers: int) -> None:
        self.workers = workers
        self._memory = mmap.mmap(-1, 8 * _SLOTS * workers)
        self.slots = memoryview(self._memory).cast("q")

    def connections(self, worker: int) -> int:
        return int(self.slots[_SLOTS * worker + _CONNECTIONS])

    def add(self, worker: int, change: int) -> None:
        self.slots[_SLOTS * worker + _CONNECTIONS] += change

    def busy(self, worker: int) -> bool:
        return bool(self.slots[_SLOTS * worker + _BUSY])

    def set_busy(self, worker: int, busy: bool) -> None:
        self.slots[_SLOTS * worker + _BUSY] = int(busy)

    def serving(self, worker: int) -> bool:
        return bool(self.slots[_SLOTS * worker + _SERVING])

    def set_serving(self, worker: int) -> None:
        self.slots[_SLOTS * worker + _SERVING] = 1

    def defer(self, worker: int) -> bool:
        """Whether `worker` should leave a new connection to another: one that serves, with fewer
        connections, whose loop is free to take it now."""
        mine = self.connections(worker)
        return any(
            self.serving(other) and self.connections(other) < mine and not self.busy(other)
            for other in range(self.workers)
            if other != worker
        )


class SharedListener(socket.socket):
    """The listening socket, shared by the workers; `accept` as the board allows (module doc).
    Made in the parent from a bound, listening socket; each worker calls `serve_as` after fork."""

    board: Board
    worker = -1
    _deferring_since = 0.0  # when this streak of deferring began
    _deferred_at = -1.0  # the last time this worker deferred

    @classmethod
    def of(cls, sock: socket.socket, board: Board) -> SharedListener:
        listener = cls(sock.family, sock.type, sock.proto, fileno=sock.detach())
        listener.board = board
        return listener

    def serve_as(self, worker: int) -> None:
        """This process is worker number `worker` (0 to N-1), which `mark_busy` marks."""
        global _ACTIVE
        self.worker = worker
        _ACTIVE = (self.board, worker)

    def accept(self) -> tuple[socket.socket, object]:
        if self.board.defer(self.worker):
            now = time.monotonic()
            if now - self._deferred_at > PATIENCE_SECONDS:  # a new streak (asyncio retries at once)
                self._deferring_since = now
            self._deferred_at = now
            if now - self._deferring_since < PATIENCE_SECONDS:
                # Give the other worker the core a moment, then asyncio's "nothing to accept":
                # the socket is still ready, so the loop comes back here at once.
                time.sleep(_DEFER_PAUSE_SECONDS)
                raise BlockingIOError
        # Taking one ends a streak: without this, a worker that had deferred 15 ms for one
        # connection, then took the next, counted its deferring for the one after from the first
        # streak's start and took it (and every one after) within a few ms (eight connections
        # opened right after start split 6-2).
        self._deferred_at = -1.0
        fd, address = self._accept()  # type: ignore[attr-defined]
        conn = _Counted(self.family, self.type, self.proto, fileno=fd)
        conn.count_in(self.board, self.worker)
        return conn, address


# The board and worker number of this process, once it serves as a worker of a shared listener.
_ACTIVE: tuple[Board, int] | None = None


def mark_serving() -> None:
    """Mark this worker as serving: its event loop takes connections from now on."""
    if _ACTIVE is not None:
        board, worker = _ACTIVE
        board.set_serving(worker)


def workers_serving() -> tuple[int, int] | None:
    """(workers serving, workers) of a shared listener; None in a single-process server."""
    if _ACTIVE is None:
        return None
    board = _ACTIVE[0]
    return sum(board.serving(n) for n in range(board.workers)), board.workers


def mark_busy(busy: bool) -> None:
    """Mark this worker's event loop busy while it runs a call, so that an idle worker takes the
    new connections meanwhile (nothing without a shared listener: one worker)."""
    if _ACTIVE is not None:
        board, worker = _ACTIVE
        board.set_busy(worker, busy)


class _Counted(socket.socket):
    """An accepted connection, counted on the board until it is closed."""

    _board: Board | None = None
    _worker = -1

    def count_in(self, board: Board, worker: int) -> None:
        self._board, self._worker = board, worker
        board.add(worker, 1)

    def close(self) -> None:
        if self._board is not None:
            self._board.add(self._worker, -1)
            self._board = None
        super().close()
