"""`POST /`: the cognito-idp JSON 1.1 protocol as a plain ASGI app. Every API call takes this path,
so it reads the two headers it needs and the body straight from the ASGI messages and answers
with two messages, without Starlette's request and response objects."""

from __future__ import annotations

import re
from collections.abc import Iterable

from starlette.concurrency import run_in_threadpool
from starlette.types import Receive, Scope, Send

from userpool.api import dispatch
from userpool.api.model import operation_of
from userpool.store.db import WriterBusy, is_postgres
from userpool.web import balance

CONTENT_TYPE = b"application/x-amz-json-1.1"
_CREDENTIAL_REGION = re.compile(r"Credential=[^/,\s]+/\d{8}/([a-z0-9-]+)/")


def region_of(authorization: str) -> str | None:
    """The region of a SigV4-signed call, from its credential scope (core spec §1.1)."""
    match = _CREDENTIAL_REGION.search(authorization)
    return match.group(1) if match else None


# How long a call on the event loop may wait there for SQLite's write lock before it goes to a
# worker thread to wait: about as long as a few other writers' transactions take.
LOOP_WAIT_SECONDS = 0.002


class Protocol:
    """The endpoint: headers and body in, `dispatch.invoke`, the reply out.

    On SQLite a call is CPU work (WAL commits do not wait for the disk), so it runs right here on
    the event loop: handing each call to a worker thread and back cost a fifth of the sign-ins a
    second (bench/run.py). Whatever could wait long runs in a worker thread, so that the loop
    keeps serving: a write that finds the write lock taken for longer than LOOP_WAIT_SECONDS
    (`WriterBusy`: an import's batch, a stuck process, a writer outside userpool such as the
    sqlite3 shell), and the deliveries after a commit (SMTP, webhooks). On PostgreSQL every
    statement is a round trip to the server, so every call runs in a worker thread."""

    def __init__(self, server: dispatch.Server) -> None:
        self.server = server
        self.on_loop = not is_postgres(server.engine)

    def answer_on_loop(
        self, name: str, body: bytes, region: str | None
    ) -> tuple[dispatch.Reply | None, dispatch.Effects]:
        """The call run right here, on SQLite, with the loop's bounded wait for the write lock:
        its reply (None if it found the lock taken: nothing has run then) and its after-commit
        effects, which the caller runs in a worker thread (`finish`) before it answers."""
        effects: dispatch.Effects = []
        balance.mark_busy(True)
        try:
            reply = dispatch.invoke(
                self.server, name, body, region=region, wait=LOOP_WAIT_SECONDS, effects=effects
            )
        except WriterBusy:
            reply = None
        finally:
            balance.mark_busy(False)
        return reply, effects

    async def finish(
        self,
        name: str,
        body: bytes,
        region: str | None,
        reply: dispatch.Reply | None,
        effects: dispatch.Effects,
    ) -> dispatch.Reply:
        """What is left to a worker thread: the whole call if nothing ran on the loop (`reply` is
        None: PostgreSQL, or `answer_on_loop` found the write lock taken), else its effects."""
        if reply is None:
            return await run_in_threadpool(dispatch.invoke, self.server, name, body, region=region)
        if effects:
            await run_in_threadpool(dispatch.run_effects, name, effects)
        return reply

    async def _reply(self, name: str, body: bytes, region: str | None) -> dispatch.Reply:
        # On PostgreSQL nothing runs on the loop: `finish` runs the whole call in a worker thread.
        reply, effects = self.answer_on_loop(name, body, region) if self.on_loop else (None, [])
        return await self.finish(name, body, region, reply, effects)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        name, region = call_of(scope["headers"])
        chunks = []
        more = True
        while more:
            message = await receive()
            if message["type"] == "http.disconnect":
                return
            chunks.append(message.get("body", b""))
            more = message.get("more_body", False)
        await send_reply(await self._reply(name, b"".join(chunks), region), send)


def call_of(headers: Iterable[tuple[bytes, bytes]]) -> tuple[str, str | None]:
    """The operation a call names (`X-Amz-Target`) and its region (the `Authorization` header's
    credential scope), from its header fields, names in lower case as ASGI and httptools give them."""
    target = authorization = ""
    for key, value in headers:
        if key == b"x-amz-target":
            target = value.decode("latin-1")
        elif key == b"authorization":
            authorization = value.decode("latin-1")
    return operation_of(target), region_of(authorization)


def reply_head(reply: dispatch.Reply) -> list[tuple[bytes, bytes]]:
    """A reply's header fields: the JSON 1.1 content type, its length and its own headers."""
    headers = [(b"content-type", CONTENT_TYPE), (b"content-length", b"%d" % len(reply.body))]
    headers += [(key.lower().encode(), value.encode("latin-1")) for key, value in reply.headers.items()]
    return headers


async def send_reply(reply: dispatch.Reply, send: Send) -> None:
    """A reply over HTTP: the JSON 1.1 content type, its length and its own headers, then its
    body. Every API call's reply, and the console guard's refusal of one, goes out here."""
    await send({"type": "http.response.start", "status": reply.status, "headers": reply_head(reply)})
    await send({"type": "http.response.body", "body": reply.body})
