"""The HTTP edge: `POST /` for the cognito-idp protocol, the JWKS and discovery documents, health,
and the outbox. Knows nothing about users; everything goes through `dispatch.invoke`."""

from __future__ import annotations

from typing import Any

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.routing import Mount, Route
from starlette.types import ASGIApp, Receive, Scope, Send

from userpool.api import dispatch
from userpool.api.errors import pool_not_found
from userpool.console.guard import AdminGuard
from userpool.store import outbox, pools
from userpool.store.db import transaction
from userpool.tokens.jwks import jwks_document, openid_configuration
from userpool.web import balance
from userpool.web.protocol import Protocol
from userpool.web.uploads import import_endpoint


def create_app(server: dispatch.Server) -> Starlette:
    def health(_: Request) -> Response:
        doc: dict[str, Any] = {"status": "ok"}
        serving = balance.workers_serving()
        if serving is not None:  # `serve --workers N`: how many have started serving so far
            doc["workers"] = {"serving": serving[0], "of": serving[1]}
        return JSONResponse(doc)

    def messages(request: Request) -> Response:
        query = request.query_params
        limit = int(query["limit"]) if query.get("limit", "").isdigit() else 100
        with transaction(server.engine) as conn:
            found = outbox.list_messages(
                conn, pool_id=query.get("pool_id"), recipient=query.get("to"), limit=limit
            )
        return JSONResponse({"messages": found})

    def well_known(request: Request) -> Response:
        pool_id = request.path_params["pool_id"]
        with transaction(server.engine) as conn:
            pool = pools.get_pool(conn, pool_id)
        if pool is None:
            return JSONResponse({"message": pool_not_found(pool_id).message}, 404)
        doc: dict[str, Any]
        if request.path_params["doc"] == "jwks.json":
            doc = jwks_document(pool)
        else:
            doc = openid_configuration(server.settings.issuer(pool.id))
        return JSONResponse(doc)

    endpoint = Protocol(server)
    routes = [
        Route("/", endpoint, methods=["POST"]),
        Route("/_userpool/health", health, methods=["GET"]),
        Route("/_userpool/messages", messages, methods=["GET"]),
        Route("/_userpool/import/{job_id}", import_endpoint(server), methods=["PUT", "GET"]),
        Route("/{pool_id}/.well-known/{doc:str}", well_known, methods=["GET"]),
        # The web console (issue 6); a browser opening the root URL lands there.
        Route("/", lambda _: RedirectResponse("/console/", 302), methods=["GET"]),
        Mount("/console", app=_Console(server)),
    ]
    # Off loopback, admin operations and the outbox need the console credential (console/access.py).
    app = Starlette(routes=routes, middleware=[Middleware(AdminGuard, settings=server.settings)])
    app.state.endpoint = endpoint  # what web/direct.py answers API calls with, past this stack
    return app


class _Console:
    """The web console, made on its first request: importing and assembling it (templates, forms,
    pages) was a tenth of a second of every start, which the API does not need."""

    def __init__(self, server: dispatch.Server) -> None:
        self.server = server
        self.app: ASGIApp | None = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if self.app is None:
            from userpool.console.app import create_console

            self.app = create_console(self.server)
        await self.app(scope, receive, send)
