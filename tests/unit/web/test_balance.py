"""How the workers of `serve --workers N` share one listening socket (web/balance.py): two
listeners on one socket in this process stand for two forked workers."""

from __future__ import annotations

import os
import socket
import time
from collections.abc import Iterator

import pytest

from userpool.web import balance


@pytest.fixture
def pair(monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[balance.SharedListener, balance.SharedListener]]:
    monkeypatch.setattr(balance, "_ACTIVE", None)  # serve_as marks this process; undone after
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen(16)
    board = balance.Board(2)
    first = balance.SharedListener.of(sock, board)
    second = balance.SharedListener.of(socket.socket(fileno=os.dup(first.fileno())), board)
    first.serve_as(0)
    second.serve_as(1)
    board.set_serving(0)
    board.set_serving(1)
    first.setblocking(False)
    second.setblocking(False)
    yield first, second
    first.close()
    second.close()


@pytest.fixture
def opened() -> Iterator[list[socket.socket]]:
    """Sockets a test opens or accepts, closed after it."""
    found: list[socket.socket] = []
    yield found
    for sock in found:
        sock.close()


def _connect(listener: socket.socket, count: int, opened: list[socket.socket]) -> None:
    opened.extend(socket.create_connection(listener.getsockname()) for _ in range(count))
    time.sleep(0.05)  # the handshakes have completed: the connections wait in the accept queue


def _take(listener: balance.SharedListener, opened: list[socket.socket]) -> socket.socket:
    conn, _ = listener.accept()
    opened.append(conn)
    return conn


Pair = tuple[balance.SharedListener, balance.SharedListener]


def test_a_worker_leaves_a_connection_to_an_idle_worker_with_fewer(
    pair: Pair, opened: list[socket.socket]
) -> None:
    first, second = pair
    _connect(first, 2, opened)
    taken = _take(first, opened)
    with pytest.raises(BlockingIOError):  # the second worker holds none and is idle
        first.accept()
    _take(second, opened)
    assert (first.board.connections(0), first.board.connections(1)) == (1, 1)
    taken.close()
    assert first.board.connections(0) == 0  # closing a connection counts it off


def test_a_worker_does_not_wait_for_one_still_starting(opened: list[socket.socket]) -> None:
    """Before a worker serves (it builds its server first) the others take every connection."""
    board = balance.Board(2)
    board.set_serving(0)
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen(16)
    first = balance.SharedListener.of(sock, board)
    opened.append(first)
    first.worker = 0
    _connect(first, 3, opened)
    for _ in range(3):
        _take(first, opened)
    assert board.connections(0) == 3
    board.set_serving(1)
    _connect(first, 1, opened)
    with pytest.raises(BlockingIOError):  # now the second worker serves, holding none
        first.accept()


def test_a_worker_takes_the_connection_when_the_other_is_busy(
    pair: Pair, opened: list[socket.socket]
) -> None:
    first, _ = pair
    _connect(first, 2, opened)
    _take(first, opened)
    first.board.set_busy(1, True)  # the second worker's loop is running a call
    _take(first, opened)
    assert first.board.connections(0) == 2


def test_a_worker_stops_deferring_after_a_moment(pair: Pair, opened: list[socket.socket]) -> None:
    """The other worker may be stuck: a connection never waits on it longer than the patience."""
    first, _ = pair
    _connect(first, 2, opened)
    _take(first, opened)
    started = time.monotonic()
    while True:
        try:
            _take(first, opened)
            break
        except BlockingIOError:
            assert time.monotonic() - started < 1
    assert time.monotonic() - started >= balance.PATIENCE_SECONDS


def test_taking_a_connection_ends_a_streak_of_deferring(pair: Pair, opened: list[socket.socket]) -> None:
    first, second = pair
    _connect(first, 4, opened)
    _take(first, opened)
    started = time.monotonic()
    while time.monotonic() - started < 0.8 * balance.PATIENCE_SECONDS:  # the second is slow to take it
        with pytest.raises(BlockingIOError):
            first.accept()
    _take(second, opened)
    _take(first, opened)  # equal counts: taken at once
    again = time.monotonic()
    while time.monotonic() - again < 0.5 * balance.PATIENCE_SECONDS:  # a new streak, full patience
        with pytest.raises(BlockingIOError):
            first.accept()


def test_a_call_marks_its_worker_busy(pair: Pair) -> None:
    first, _ = pair  # the second listener's serve_as(1) ran last: this process is worker 1
    balance.mark_busy(True)
    assert first.board.busy(1) and not first.board.busy(0)
    balance.mark_busy(False)
    assert not first.board.busy(1)
