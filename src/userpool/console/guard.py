"""The ASGI middleware that enforces `userpool.console.access` on the API's admin operations and
on the outbox endpoint (headers only: the request body is never read here). The console checks its
own sessions (`userpool.console.pages`)."""

from __future__ import annotations

from starlette.responses import PlainTextResponse
from starlette.types import ASGIApp, Receive, Scope, Send

from userpool.api.dispatch import error_reply
from userpool.api.errors import not_authorized
from userpool.api.model import operation_model, operation_of
from userpool.console.access import access_key_id, bearer_or_basic, credential_matches, credential_required
from userpool.domain import ids
from userpool.settings import Settings
from userpool.web.protocol import send_reply

API_REFUSAL = (
    "This server is not bound to a loopback address: admin operations need the console credential "
    "as the access key id."
)
# Paths under /_userpool that stay open: load balancers probe health, and an import job's upload
# URL is a pre-signed URL (its random job id is the capability, as with S3).
OPEN_PATHS = frozenset({"/_userpool/health"})
OPEN_PREFIXES = ("/_userpool/import/",)


def is_public_operation(name: str) -> bool:
    """An operation AWS accepts unsigned (`smithy.api#noAuth` in the botocore model)."""
    model = operation_model(name) if name else None
    if model is None:
        return False
    return model.auth_type == "none" or "smithy.api#noAuth" in (model.auth or [])


def _header(scope: Scope, name: bytes) -> str:
    for key, value in scope.get("headers") or []:
        if key.lower() == name:
            return bytes(value).decode("latin-1")
    return ""


class AdminGuard:
    """Refuses admin operations and /_userpool/* without the credential when it is required."""

    def __init__(self, app: ASGIApp, settings: Settings) -> None:
        self.app = app
        self.settings = settings

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and credential_required(self.settings):
            refusal = self._refusal(scope)
            if refusal is not None:
                await refusal(scope, receive, send)
                return
        await self.app(scope, receive, send)

    def _refusal(self, scope: Scope) -> ASGIApp | None:
        path, method = scope.get("path", ""), scope.get("method", "")
        authorization = _header(scope, b"authorization")
        if path == "/" and method == "POST":
            name = operation_of(_header(scope, b"x-amz-target"))
            if is_public_operation(name) or credential_matches(self.settings, access_key_id(authorization)):
                return None
            return api_refusal()
        if path.startswith("/_userpool/") and path not in OPEN_PATHS and not path.startswith(OPEN_PREFIXES):
            if credential_matches(self.settings, bearer_or_basic(authorization)):
                return None
            return _plain_refusal()
        return None


def api_refusal() -> ASGIApp:
    """HTTP 400 NotAuthorizedException in the envelope every API call's error has, sent as every
    API reply is (`protocol.send_reply`)."""
    reply = error_reply(not_authorized(API_REFUSAL), ids.new_uuid())

    async def refuse(_scope: Scope, _receive: Receive, send: Send) -> None:
        await send_reply(reply, send)

    return refuse


def _plain_refusal() -> ASGIApp:
    return PlainTextResponse(
        "credential required", 401, headers={"WWW-Authenticate": 'Basic realm="userpool"'}
    )
