"""uvicorn's HTTP protocol (httptools), sending each response in one `send` instead of two.

uvicorn writes a response's head when the app sends `http.response.start` and its body when the
app sends `http.response.body`: two writes on the socket, and with TCP_NODELAY (cli.py) two
segments, each a system call that on loopback also runs the receiving side's TCP (py-spy on a
worker under bench/run.py's password sign-ins: 18% of its samples in the socket write). Here the
connection's transport holds what is written during one turn of the event loop and sends it
joined at the end of that turn, so a call's head and body leave together; past 64 KiB held it
sends at once, so a long body written in one turn is not gathered whole in memory.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable
from typing import Any, cast

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

_HOLD_AT_MOST = 64 * 1024


class _JoinedWrites:
    """A transport whose writes within one turn of the loop reach the socket as one write; every
    other method is the wrapped transport's, and closing sends what is held first."""

    def __init__(self, transport: asyncio.Transport, loop: asyncio.AbstractEventLoop) -> None:
        self._transport = transport
        self._loop = loop
        self._held: list[bytes] = []
        self._held_bytes = 0

    def write(self, data: bytes | bytearray | memoryview) -> None:
        if not data:
            return
        if not self._held:
            self._loop.call_soon(self._send)
        chunk = bytes(data)
        self._held.append(chunk)
        self._held_bytes += len(chunk)
        if self._held_bytes > _HOLD_AT_MOST:
            self._send()

    def writelines(self, lines: Iterable[bytes | bytearray | memoryview]) -> None:
        for data in lines:
            self.write(data)

    def _send(self) -> None:
        if not self._held:
            return
        data = b"".join(self._held)
        self._held.clear()
        self._held_bytes = 0
        if not self._transport.is_closing():
            self._transport.write(data)

    def get_write_buffer_size(self) -> int:
        return self._transport.get_write_buffer_size() + self._held_bytes

    def write_eof(self) -> None:
        self._send()
        self._transport.write_eof()

    def close(self) -> None:
        self._send()
        self._transport.close()

    def abort(self) -> None:
        self._held.clear()
        self._held_bytes = 0
        self._transport.abort()

    def __getattr__(self, name: str) -> Any:
        return getattr(self._transport, name)


class OneSendProtocol(HttpToolsProtocol):
    """`uvicorn.Config(http=OneSendProtocol)`: httptools with joined writes."""

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(cast(asyncio.Transport, _JoinedWrites(transport, self.loop)))
