"""The console's routes, mounted under /console by `userpool.web.app`."""

from __future__ import annotations

from starlette.applications import Starlette
from starlette.responses import RedirectResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from userpool.api import dispatch
from userpool.console import access, views_messages, views_mfa, views_pools, views_user, views_users
from userpool.console.pages import BASE, Console, Page, View, endpoint, environment
from userpool.console.session import COOKIE, Sessions


def _safe_next(target: str) -> str:
    """Only a console path: never an absolute URL or `//host` (no open redirect)."""
    if target.startswith(f"{BASE}/") and not target.startswith("//") and "\\" not in target:
        return target
    return f"{BASE}/"


def show_login(page: Page) -> Response:
    return page.render("login.html", next=_safe_next(page.query("next")), error="")


def login(page: Page) -> Response:
    target = _safe_next(page.form.get("next"))
    if not access.credential_matches(page.server.settings, page.form.get("credential")):
        return page.render("login.html", 401, next=target, error="That is not the console credential.")
    response = RedirectResponse(target, 303)
    session = page.console.sessions.new(authenticated=True)
    cookie = page.console.sessions.cookie(session)
    response.set_cookie(COOKIE, cookie, httponly=True, samesite="strict", path=BASE)
    return response


def logout(page: Page) -> Response:
    response = RedirectResponse(f"{BASE}/login", 303)
    response.delete_cookie(COOKIE, path=BASE)
    return response


def create_console(server: dispatch.Server) -> Starlette:
    console = Console(server, environment(), Sessions(server.settings))

    def get(path: str, view: View, *, public: bool = False) -> Route:
        return Route(path, endpoint(console, view, public=public), methods=["GET"])

    def post(path: str, view: View, *, public: bool = False) -> Route:
        return Route(path, endpoint(console, view, public=public), methods=["POST"])

    pool = "/pools/{pool_id}"
    user = pool + "/users/{sub}"
    routes = [
        Mount("/static", StaticFiles(packages=[("userpool.console", "static")]), name="static"),
        get("/login", show_login, public=True),
        post("/login", login, public=True),
        post("/logout", logout, public=True),
        get("/", views_pools.index),
        post("/pools", views_pools.create_pool),
        get(pool, views_pools.show_pool),
        post(pool + "/settings/{section}", views_pools.save_section),
        post(pool + "/delete", views_pools.delete_pool),
        get(pool + "/clients", views_pools.show_clients),
        post(pool + "/clients", views_pools.create_client),
        post(pool + "/clients/{client_id}/flows", views_pools.save_flows),
        get(pool + "/mfa", views_mfa.show_mfa),
        post(pool + "/mfa", views_mfa.save_mfa),
        get(pool + "/mfa/table", views_mfa.show_table),
        get(pool + "/mfa/table.csv", views_mfa.table_csv),
        get(pool + "/users", views_users.show_users),
        post(pool + "/users", views_users.create_user),
        get(user, views_user.show_user),
        post(user + "/mfa", views_user.save_mfa),
        post(user + "/{action}", views_user.run_action),
        get("/messages", views_messages.show_messages),
    ]
    return Starlette(routes=routes)
