"""Who may use the console and the admin operations (issue 6, "Access").

On a loopback bind address (127.0.0.1, ::1, localhost) nobody needs a credential: only this
machine can connect. On any other address the console, every admin operation (an operation the
botocore model does not mark `noAuth`, i.e. one AWS only accepts SigV4-signed) and the outbox
endpoint need the credential the server was started with (`--console-credential`); without one
configured they refuse everyone. Public operations (SignUp, InitiateAuth, ...) stay open.

How a caller shows the credential:
* API: as the SigV4 access key id (`aws_access_key_id=<credential>`); signatures are not checked.
* Console: the login form, or HTTP Basic with the credential as password (any user name).
* Outbox (`/_userpool/messages`): HTTP Basic as above, or `Authorization: Bearer <credential>`.
"""

from __future__ import annotations

import base64
import binascii
import hmac
import ipaddress
import json
import re
import uuid
from typing import Any

from starlette.responses import PlainTextResponse, Response
from starlette.types import ASGIApp, Receive, Scope, Send

from userpool.api.model import TARGET_PREFIX, operation_model
from userpool.settings import Settings

ENV_VAR = "USERPOOL_CONSOLE_CREDENTIAL"
# A credential must survive being an access key id inside `Credential=<id>/<date>/...`.
CREDENTIAL_PATTERN = re.compile(r"[A-Za-z0-9._~+=-]{8,256}")
_ACCESS_KEY = re.compile(r"Credential=([^/,\s]+)/")
API_REFUSAL = (
    "This server is not bound to a loopback address: admin operations need the console credential "
    "as the access key id."
)
# Paths under /_userpool that stay open: load balancers probe health, and an import job's upload
# URL is a pre-signed URL (its random job id is the capability, as with S3).
OPEN_PATHS = frozenset({"/_userpool/health"})
OPEN_PREFIXES = ("/_userpool/import/",)


def is_loopback(host: str) -> bool:
    """127.0.0.0/8, ::1 and `localhost` are loopback; anything else (0.0.0.0 too) is not."""
    if host.strip().lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def credential_required(settings: Settings) -> bool:
    return not is_loopback(settings.bind_host)


def credential_matches(settings: Settings, given: str | None) -> bool:
    """True when `given` is the configured credential (constant-time); never without one."""
    expected = settings.console_credential
    if expected is None or given is None:
        return False
    return hmac.compare_digest(given.encode(), expected.encode())


def allowed(settings: Settings, given: str | None) -> bool:
    """The whole check: no credential needed on loopback, else the right one."""
    return not credential_required(settings) or credential_matches(settings, given)


def is_public_operation(name: str) -> bool:
    """An operation AWS accepts unsigned (`smithy.api#noAuth` in the botocore model)."""
    model = operation_model(name) if name else None
    if model is None:
        return False
    return model.auth_type == "none" or "smithy.api#noAuth" in (model.auth or [])


def access_key_id(authorization: str) -> str | None:
    match = _ACCESS_KEY.search(authorization)
    return match.group(1) if match else None


def basic_password(authorization: str) -> str | None:
    """The password of an HTTP Basic `Authorization` header, or None."""
    scheme, _, encoded = authorization.partition(" ")
    if scheme.lower() != "basic":
        return None
    try:
        decoded = base64.b64decode(encoded.strip(), validate=True).decode()
    except (binascii.Error, UnicodeDecodeError):
        return None
    return decoded.partition(":")[2] if ":" in decoded else None


def bearer_or_basic(authorization: str) -> str | None:
    scheme, _, token = authorization.partition(" ")
    if scheme.lower() == "bearer":
        return token.strip() or None
    return basic_password(authorization)


def _header(scope: Scope, name: bytes) -> str:
    for key, value in scope.get("headers") or []:
        if key.lower() == name:
            return bytes(value).decode("latin-1")
    return ""


class AdminGuard:
    """ASGI middleware guarding the API's admin operations and the outbox endpoint (headers only:
    the request body is never read here). The console checks its own sessions."""

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
            target = _header(scope, b"x-amz-target")
            name = target[len(TARGET_PREFIX) :] if target.startswith(TARGET_PREFIX) else ""
            if is_public_operation(name) or credential_matches(self.settings, access_key_id(authorization)):
                return None
            return api_refusal()
        if path.startswith("/_userpool/") and path not in OPEN_PATHS and not path.startswith(OPEN_PREFIXES):
            if credential_matches(self.settings, bearer_or_basic(authorization)):
                return None
            return _plain_refusal()
        return None


def api_refusal() -> ASGIApp:
    """Cognito's error envelope (core spec §1.3): HTTP 400 NotAuthorizedException."""
    body: dict[str, Any] = {"__type": "NotAuthorizedException", "message": API_REFUSAL}
    headers = {
        "x-amzn-RequestId": str(uuid.uuid4()),
        "x-amzn-ErrorType": "NotAuthorizedException:",
        "x-amzn-ErrorMessage": API_REFUSAL,
    }
    return Response(json.dumps(body), 400, headers, media_type="application/x-amz-json-1.1")


def _plain_refusal() -> ASGIApp:
    return PlainTextResponse(
        "credential required", 401, headers={"WWW-Authenticate": 'Basic realm="userpool"'}
    )
