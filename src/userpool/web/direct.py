"""uvicorn's HTTP protocol answering API calls straight from the parser's callbacks.

For every request uvicorn builds an ASGI scope, a request cycle and an asyncio task, and the app
answers through ASGI messages, Starlette's middleware and its router. For a call that does
nothing that machinery was most of the server's CPU: 0.109 ms a call, of which uvicorn's protocol
took 31% of the workers' Python samples, asyncio's tasks and handles 26%, Starlette 11%
(docs/performance.md, session 30). Here a cognito-idp call (`POST /` over keep-alive HTTP/1.1)
that the endpoint can answer on the event loop (SQLite, `web/protocol.Protocol.answer_on_loop`)
is answered as soon as its body is in, in the same turn of the loop. Two servers side by side
(four rounds at 4 clients, in alternating order): a call that does nothing took 0.049-0.071 ms of
server CPU instead of 0.091-0.112 (+44% calls/s, median of the pairs); TOTP-MFA sign-ins +11%
and creates +5% (medians of the pairs; a create took less CPU in all four); password sign-ins
within the rounds' spread (-6% to +8%).

Everything else takes uvicorn's own path, unchanged: other paths and methods (the console, JWKS,
health, uploads), HTTP/1.0 or `Connection: close`, `Expect: 100-continue`, a request that arrives
while an earlier one on the connection is still being answered (pipelining), PostgreSQL (where a
call runs in a worker thread), a server whose admin operations need the console credential (the
guard, `console/guard.py`), and a server configured to log every request (`access_log`). A call
that finds SQLite's write lock taken, or that has deliveries to make after its commit, is
finished by a task, as the endpoint's own path finishes it (`Protocol.finish`); until its reply
is written the connection reads nothing more and queues what it has read, as uvicorn does for
pipelined requests.
"""

from __future__ import annotations

import asyncio
from typing import Any

from uvicorn.protocols.http.httptools_impl import STATUS_LINE

from userpool.api.dispatch import Effects, Reply, internal_error_reply
from userpool.console.access import credential_required
from userpool.domain.ids import new_uuid
from userpool.web.one_send import OneSendProtocol
from userpool.web.protocol import Protocol, call_of, reply_head


class _Answering:
    """Stands in for uvicorn's request cycle while a task finishes a call: a request read
    meanwhile is queued behind it (uvicorn's pipeline), and a shutdown or a lost connection marks
    it as it would mark a cycle."""

    def __init__(self) -> None:
        self.response_complete = False
        self.keep_alive = True
        self.disconnected = False
        self.message_event = asyncio.Event()


class DirectProtocol(OneSendProtocol):
    """`uvicorn.Config(http=DirectProtocol)` for an app made by `web.app.create_app`."""

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        endpoint = getattr(getattr(self.config.app, "state", None), "endpoint", None)
        direct = (
            isinstance(endpoint, Protocol)
            and endpoint.on_loop
            and not credential_required(endpoint.server.settings)
            and not self.config.access_log
        )
        self.endpoint: Protocol | None = endpoint if direct else None
        self.body: list[bytes] | None = None  # the direct call's body while it is read

    def on_headers_complete(self) -> None:
        if (
            self.endpoint is not None
            and self.url == b"/"
            and self.parser.get_method() == b"POST"
            and self.parser.get_http_version() == "1.1"
            and self.parser.should_keep_alive()
            and not self.expect_100_continue
            and (self.cycle is None or self.cycle.response_complete)
        ):
            self.body = []
            return
        self.body = None
        super().on_headers_complete()

    def on_body(self, body: bytes) -> None:
        if self.body is None:
            super().on_body(body)
        else:
            self.body.append(body)

    def on_message_complete(self) -> None:
        if self.body is None:
            super().on_message_complete()
            return
        assert self.endpoint is not None  # a body is collected only for the endpoint
        body, self.body = b"".join(self.body), None
        name, region = call_of(self.headers)
        reply, effects = self.endpoint.answer_on_loop(name, body, region)
        if reply is not None and not effects:
            self._write(reply)
            self.on_response_complete()
            return
        answering = _Answering()
        self.cycle = answering  # type: ignore[assignment]
        self.flow.pause_reading()
        task = self.loop.create_task(self._finish(answering, name, body, region, reply, effects))
        task.add_done_callback(self.tasks.discard)
        self.tasks.add(task)

    async def _finish(
        self,
        answering: _Answering,
        name: str,
        body: bytes,
        region: str | None,
        reply: Reply | None,
        effects: Effects,
    ) -> None:
        assert self.endpoint is not None
        try:
            done = await self.endpoint.finish(name, body, region, reply, effects)
        except Exception:  # as uvicorn answers an app that failed before it answered
            self.logger.exception("Exception in %s", name)
            done = internal_error_reply(new_uuid())
            answering.keep_alive = False
        answering.response_complete = True
        if answering.disconnected or self.transport.is_closing():
            return
        self._write(done, close=not answering.keep_alive)
        if answering.keep_alive:
            self.on_response_complete()
        else:
            self.transport.close()

    def _write(self, reply: Reply, *, close: bool = False) -> None:
        """The reply in one write: status line, uvicorn's default headers (`server`, `date`), the
        reply's own, then its body."""
        content: list[Any] = [STATUS_LINE[reply.status]]
        for name, value in [*self.server_state.default_headers, *reply_head(reply)]:
            content += [name, b": ", value, b"\r\n"]
        if close:
            content.append(b"connection: close\r\n")
        content += [b"\r\n", reply.body]
        self.transport.write(b"".join(content))
