"""Users of a pool: the list with search by the filterable attributes (ListUsers Filter) and
paging, each user's next sign-in, and creating a user (AdminCreateUser)."""

from __future__ import annotations

from typing import Any

from starlette.responses import Response

from userpool.console import table
from userpool.console.calls import call, pool_view
from userpool.console.forms import Field, FormState, blank, failed_form
from userpool.console.pages import Page
from userpool.domain.filters import FILTERABLE
from userpool.explaining import explain_user
from userpool.store.db import transaction

PAGE_SIZE = 20
MEDIUMS = ("EMAIL", "SMS")
SEARCH_OPS = (("^=", "starts with"), ("=", "is"))
CREATE_FIELDS = (
    Field("Username", "Username", ("username", "user account", "exists")),
    Field("TemporaryPassword", "TemporaryPassword", ("password",)),
    Field("mediums", "DesiredDeliveryMediums", ("delivery medium",)),
    Field("phone_number", "", ("phone",)),
    Field("email", "", ("email",)),
)


def quoted(value: str) -> str:
    """A ListUsers filter value: in double quotes, backslash before `"` and `\\` (core spec §11.1)."""
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def search_request(pool_id: str, attribute: str, op: str, value: str, token: str) -> dict[str, Any]:
    request: dict[str, Any] = {"UserPoolId": pool_id, "Limit": PAGE_SIZE}
    if value:
        request["Filter"] = f"{attribute} {op} {quoted(value)}"
    if token:
        request["PaginationToken"] = token
    return request


def _next_sign_in(page: Page, pool_id: str, users: list[dict[str, Any]]) -> dict[str, str]:
    """Username -> the challenge its next password sign-in gets (the same decision as the server)."""
    settings = page.server.settings
    out = {}
    with transaction(page.server.engine) as conn:
        for user in users:
            found = explain_user(conn, settings, pool_id, user["Username"])
            out[user["Username"]] = table.outcome(found.decision.step)
    return out


def _search(page: Page) -> dict[str, str]:
    attribute = page.query("attribute", "username")
    return {
        "attribute": attribute if attribute in FILTERABLE else "username",
        "op": page.query("op", "^="),
        "q": page.query("q"),
    }


def users_page(page: Page, create: FormState | None = None) -> Response:
    view = pool_view(page.server, page.path("pool_id"))
    search = _search(page)
    request = search_request(view.id, search["attribute"], search["op"], search["q"], page.query("token"))
    outcome = call(page.server, "ListUsers", request)
    users = outcome.body.get("Users", [])
    for user in users:
        user["attributes"] = {a["Name"]: a["Value"] for a in user.get("Attributes", [])}
    return page.render(
        "users.html",
        400 if create is not None else 200,
        pool=view.pool,
        tab="users",
        users=users,
        next_sign_in=_next_sign_in(page, view.id, users),
        search=search,
        search_error="" if outcome.ok else f"{outcome.code}: {outcome.message}",
        next_token=outcome.body.get("PaginationToken"),
        paged=bool(page.query("token")),
        filterable=sorted(FILTERABLE),
        search_ops=SEARCH_OPS,
        create=create or blank("create", {"mediums": ["EMAIL"]}),
        mediums=MEDIUMS,
    )


def show_users(page: Page) -> Response:
    return users_page(page)


def create_request(pool_id: str, page: Page) -> dict[str, Any]:
    form = page.form
    attributes = []
    for name in ("email", "phone_number"):
        if form.stripped(name):
            attributes.append({"Name": name, "Value": form.stripped(name)})
            if form.checked(f"{name}_verified"):
                attributes.append({"Name": f"{name}_verified", "Value": "true"})
    request: dict[str, Any] = {"UserPoolId": pool_id, "Username": form.get("Username")}
    if attributes:
        request["UserAttributes"] = attributes
    if form.get("TemporaryPassword"):
        request["TemporaryPassword"] = form.get("TemporaryPassword")
    if form.checked("MessageAction"):
        request["MessageAction"] = "SUPPRESS"
    elif form.getlist("mediums"):
        request["DesiredDeliveryMediums"] = form.getlist("mediums")
    return request


def create_user(page: Page) -> Response:
    pool_id = page.path("pool_id")
    outcome = call(page.server, "AdminCreateUser", create_request(pool_id, page))
    if not outcome.ok:
        return users_page(page, failed_form("create", page.form, outcome, CREATE_FIELDS))
    sub = next(a["Value"] for a in outcome.body["User"]["Attributes"] if a["Name"] == "sub")
    return page.redirect(f"/pools/{pool_id}/users/{sub}", "created")
