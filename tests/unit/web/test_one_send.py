"""web/one_send.py: what the protocol writes within one turn of the event loop reaches the socket
as one write, in order; closing sends what is held first, aborting drops it. Over a real socket
pair, as uvicorn's protocol uses the transport."""

from __future__ import annotations

import asyncio
import socket
import threading
from collections.abc import Callable, Coroutine
from typing import Any

from userpool.web.one_send import _JoinedWrites


def _run(scenario: Callable[[], Coroutine[Any, Any, None]]) -> None:
    """`asyncio.run` on a thread of its own: the browser tests' Playwright keeps an event loop
    running on the main thread for the whole session."""
    failed: list[BaseException] = []

    def target() -> None:
        try:
            asyncio.run(scenario())
        except BaseException as err:  # handed to the test's thread
            failed.append(err)

    thread = threading.Thread(target=target)
    thread.start()
    thread.join(timeout=30)
    assert not thread.is_alive(), "the scenario did not end"
    if failed:
        raise failed[0]


async def _pair() -> tuple[_JoinedWrites, asyncio.Transport, socket.socket]:
    ours, theirs = socket.socketpair()
    loop = asyncio.get_running_loop()
    transport, _ = await loop.connect_accepted_socket(asyncio.Protocol, ours)
    return _JoinedWrites(transport, loop), transport, theirs


async def _sends_seen(transport: asyncio.Transport) -> list[bytes]:
    """Wrap the real transport's write to see each call."""
    seen: list[bytes] = []
    write = transport.write

    def recording(data: bytes | bytearray | memoryview) -> None:
        seen.append(bytes(data))
        write(data)

    transport.write = recording  # type: ignore[method-assign]
    return seen


def test_writes_of_one_turn_leave_as_one_write_in_order() -> None:
    async def scenario() -> None:
        joined, transport, theirs = await _pair()
        seen = await _sends_seen(transport)
        joined.write(b"HTTP/1.1 200 OK\r\ncontent-length: 5\r\n\r\n")
        joined.write(b"")
        joined.writelines([b"hel", bytearray(b"lo")])
        assert seen == []  # held until the end of this turn
        assert joined.get_write_buffer_size() == len(b"HTTP/1.1 200 OK\r\ncontent-length: 5\r\n\r\nhello")
        await asyncio.sleep(0)
        assert seen == [b"HTTP/1.1 200 OK\r\ncontent-length: 5\r\n\r\nhello"]
        joined.write(b"next")  # a later turn: a write of its own
        await asyncio.sleep(0)
        assert seen[1:] == [b"next"]
        joined.close()
        theirs.setblocking(False)
        await asyncio.sleep(0.01)
        assert theirs.recv(1024) == b"HTTP/1.1 200 OK\r\ncontent-length: 5\r\n\r\nhellonext"
        theirs.close()

    _run(scenario)


def test_past_64_kib_held_it_sends_at_once() -> None:
    async def scenario() -> None:
        joined, transport, theirs = await _pair()
        seen = await _sends_seen(transport)
        chunk = b"x" * 40_000
        joined.write(chunk)
        assert seen == []
        joined.write(chunk)  # 80,000 bytes held: sent now, within this turn
        assert seen == [chunk + chunk]
        joined.write(b"tail")
        await asyncio.sleep(0)
        assert seen[1:] == [b"tail"]
        joined.close()
        theirs.close()

    _run(scenario)


def test_closing_sends_what_is_held_and_aborting_drops_it() -> None:
    async def scenario() -> None:
        joined, transport, theirs = await _pair()
        seen = await _sends_seen(transport)
        joined.write(b"last words")
        joined.close()  # in the same turn as the write
        assert seen == [b"last words"]
        await asyncio.sleep(0.01)
        assert theirs.recv(1024) == b"last words"
        theirs.close()

        joined, transport, theirs = await _pair()
        seen = await _sends_seen(transport)
        joined.write(b"never sent")
        joined.abort()
        await asyncio.sleep(0.01)
        assert seen == []
        assert theirs.recv(1024) == b""  # closed, nothing sent
        theirs.close()

    _run(scenario)


def test_other_methods_are_the_transports() -> None:
    async def scenario() -> None:
        joined, transport, theirs = await _pair()
        assert joined.get_extra_info("socket") is transport.get_extra_info("socket")
        assert joined.is_closing() is False
        joined.close()
        assert joined.is_closing() is True
        theirs.close()

    _run(scenario)
