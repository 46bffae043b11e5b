"""The request plumbing every console page shares: session and access check, CSRF check of every
POST, the form, rendering (Jinja2 with autoescape) and the redirect after a successful action."""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

import jinja2
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response

from userpool.api import dispatch
from userpool.console import access
from userpool.console.calls import OperationFailed
from userpool.console.forms import Submitted
from userpool.console.session import COOKIE, Session, Sessions

BASE = "/console"
# The notices a redirect may ask the next page to show (`?ok=<key>`); no free text in URLs.
NOTICES = {
    "saved": "Saved.",
    "created": "Created.",
    "deleted": "Deleted.",
    "enabled": "The user is enabled.",
    "disabled": "The user is disabled.",
    "reset": "The password was reset: the user must set a new one with the code sent to them.",
    "password": "The password was set.",
    "signed-out": "Every refresh token of the user is revoked: they are signed out everywhere.",
}
NOT_FOUND = frozenset({"ResourceNotFoundException", "UserNotFoundException", "GroupNotFoundException"})


@dataclass
class Console:
    server: dispatch.Server
    env: jinja2.Environment
    sessions: Sessions


@dataclass
class Page:
    request: Request
    console: Console
    session: Session
    form: Submitted = field(default_factory=Submitted)

    @property
    def server(self) -> dispatch.Server:
        return self.console.server

    def path(self, name: str) -> str:
        return str(self.request.path_params[name])

    def query(self, name: str, default: str = "") -> str:
        return self.request.query_params.get(name, default)

    def render(self, template: str, status: int = 200, **context: Any) -> HTMLResponse:
        settings = self.server.settings
        html = self.console.env.get_template(template).render(
            base=BASE,
            csrf=self.console.sessions.csrf_token(self.session),
            notice=NOTICES.get(self.query("ok")),
            login_required=access.credential_required(settings),
            **context,
        )
        return HTMLResponse(html, status)

    def redirect(self, path: str, ok: str | None = None, anchor: str = "") -> RedirectResponse:
        """303 to a console page, with a notice (`NOTICES` key) and an anchor to scroll to."""
        suffix = f"?{urlencode({'ok': ok})}" if ok else ""
        return RedirectResponse(f"{BASE}{path}{suffix}{'#' + anchor if anchor else ''}", 303)


View = Callable[[Page], Response]
Endpoint = Callable[[Request], Awaitable[Response]]


def timestamp(seconds: float) -> str:
    return time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime(seconds))


def environment() -> jinja2.Environment:
    """Templates from the package; every value is escaped (autoescape on for every template)."""
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("userpool.console", "templates"),
        autoescape=True,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["datetime"] = timestamp
    return env


async def _submitted(request: Request) -> Submitted:
    data = await request.form()
    fields: dict[str, list[str]] = {}
    for key, value in data.multi_items():
        if not isinstance(value, UploadFile):
            fields.setdefault(key, []).append(value)
    return Submitted(fields)


def _session(console: Console, request: Request) -> tuple[Session, bool]:
    """The request's session (and whether it is new): HTTP Basic with the credential logs in."""
    sessions, settings = console.sessions, console.server.settings
    session = sessions.read(request.cookies.get(COOKIE))
    basic = access.basic_password(request.headers.get("authorization", ""))
    logged_in = session is not None and session.authenticated
    if not logged_in and basic is not None and access.credential_matches(settings, basic):
        return sessions.new(authenticated=True), True
    if session is None:
        return sessions.new(authenticated=False), True
    return session, False


def _may_enter(console: Console, session: Session) -> bool:
    return session.authenticated or not access.credential_required(console.server.settings)


def endpoint(console: Console, view: View, *, public: bool = False) -> Endpoint:
    """A Starlette endpoint running `view` (in a thread: operations are synchronous) once the
    session may see the console and, for a POST, its CSRF token is right."""

    async def run(request: Request) -> Response:
        session, fresh = _session(console, request)
        response = await _guarded(console, view, request, session, public)
        if fresh:
            response.set_cookie(
                COOKIE, console.sessions.cookie(session), httponly=True, samesite="strict", path=BASE
            )
        return response

    return run


async def _guarded(
    console: Console, view: View, request: Request, session: Session, public: bool
) -> Response:
    if not public and not _may_enter(console, session):
        if request.method == "GET":
            query = urlencode({"next": request.url.path})
            return RedirectResponse(f"{BASE}/login?{query}", 303)
        return _refused(console, request, session, "Log in first.", 401)
    form = Submitted()
    if request.method == "POST":
        form = await _submitted(request)
        if not console.sessions.csrf_ok(session, form.get("csrf")):
            message = "The form's CSRF token is missing or wrong: reload the page and try again."
            return _refused(console, request, session, message, 403)
    page = Page(request, console, session, form)
    try:
        return await run_in_threadpool(view, page)
    except OperationFailed as failed:
        status = 404 if failed.outcome.code in NOT_FOUND else 400
        return page.render("error.html", status, code=failed.outcome.code, message=failed.outcome.message)


def _refused(console: Console, request: Request, session: Session, message: str, status: int) -> Response:
    return Page(request, console, session).render("error.html", status, code="Refused", message=message)


def form_values(values: Mapping[str, object]) -> dict[str, object]:
    """Stored settings as form values: True checkboxes become "on", False/None disappear."""
    out: dict[str, object] = {}
    for key, value in values.items():
        if value is True:
            out[key] = "on"
        elif value is not None and value is not False:
            out[key] = value
    return out
