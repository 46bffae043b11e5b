"""Pools: the list, creating one, the pool page with its settings forms, and its app clients."""

from __future__ import annotations

from typing import Any

from starlette.responses import Response

from userpool.console.calls import call, input_members, read, update_pool_request
from userpool.console.forms import Field, FormState, blank, failed_form
from userpool.console.pages import Page, form_values
from userpool.console.pool_settings import (
    AUTO_VERIFIED,
    FIRST_FACTORS,
    PASSWORD_FLAGS,
    RECOVERY,
    SECTIONS,
    SECURITY_MODES,
    TIERS,
)

# Sign-in identifiers offered at creation (UsernameAttributes is fixed afterwards).
SIGN_IN: tuple[tuple[str, str, list[str]], ...] = (
    ("username", "User name", []),
    ("email", "Email address", ["email"]),
    ("phone_number", "Phone number", ["phone_number"]),
    ("email_phone", "Email address or phone number", ["email", "phone_number"]),
)
CREATE_FIELDS = (
    Field("PoolName", "PoolName", ("pool name", "poolname")),
    Field("UserPoolTier", "UserPoolTier", ("tier",)),
)
FLOWS = (
    "ALLOW_USER_SRP_AUTH",
    "ALLOW_USER_PASSWORD_AUTH",
    "ALLOW_ADMIN_USER_PASSWORD_AUTH",
    "ALLOW_CUSTOM_AUTH",
    "ALLOW_USER_AUTH",
    "ALLOW_REFRESH_TOKEN_AUTH",
)
CLIENT_FIELDS = (
    Field("ClientName", "ClientName", ("client name", "clientname")),
    Field("flows", "ExplicitAuthFlows", ("auth flow", "explicitauthflows")),
)


def _pools(page: Page) -> list[dict[str, Any]]:
    found = read(page.server, "ListUserPools", {"MaxResults": 60})["UserPools"]
    described = []
    for item in found:
        pool = read(page.server, "DescribeUserPool", {"UserPoolId": item["Id"]})["UserPool"]
        described.append(pool)
    return described


def pools_page(page: Page, create: FormState | None = None, status: int = 200) -> Response:
    values = {"UserPoolTier": "ESSENTIALS", "sign_in": "username"}
    return page.render(
        "pools.html",
        status,
        pools=_pools(page),
        create=create or blank("create", values),
        sign_in=SIGN_IN,
        tiers=TIERS,
    )


def index(page: Page) -> Response:
    return pools_page(page)


def create_pool(page: Page) -> Response:
    form = page.form
    request: dict[str, Any] = {"PoolName": form.get("PoolName")}
    if form.get("UserPoolTier"):
        request["UserPoolTier"] = form.get("UserPoolTier")
    attributes = next((a for v, _, a in SIGN_IN if v == form.get("sign_in")), [])
    if attributes:
        request["UsernameAttributes"] = attributes
        request["AutoVerifiedAttributes"] = attributes
    outcome = call(page.server, "CreateUserPool", request)
    if not outcome.ok:
        return pools_page(page, failed_form("create", form, outcome, CREATE_FIELDS), 400)
    return page.redirect(f"/pools/{outcome.body['UserPool']['Id']}", "created")


def describe(page: Page) -> dict[str, Any]:
    pool: dict[str, Any] = read(page.server, "DescribeUserPool", {"UserPoolId": page.path("pool_id")})[
        "UserPool"
    ]
    return pool


def pool_page(page: Page, failed: FormState | None = None) -> Response:
    pool = describe(page)
    forms = {name: blank(name, form_values(s.values(pool))) for name, s in SECTIONS.items()}
    if failed is not None:
        forms[failed.name] = failed
    return page.render(
        "pool.html",
        400 if failed is not None else 200,
        pool=pool,
        tab="settings",
        forms=forms,
        sections=SECTIONS,
        first_factors=FIRST_FACTORS,
        auto_verified=AUTO_VERIFIED,
        password_flags=PASSWORD_FLAGS,
        tiers=TIERS,
        security_modes=SECURITY_MODES,
        recovery=RECOVERY,
        sandbox=page.server.settings.sms_sandbox,
    )


def show_pool(page: Page) -> Response:
    return pool_page(page)


def save_section(page: Page) -> Response:
    """One settings form: the stored settings with this section replaced, in one UpdateUserPool."""
    section = SECTIONS.get(page.path("section"))
    if section is None:
        return page.render("error.html", 404, code="NotFound", message="No such settings form.")
    request = update_pool_request(describe(page))
    section.apply(request, page.form)
    outcome = call(page.server, "UpdateUserPool", request)
    if not outcome.ok:
        return pool_page(page, failed_form(section.name, page.form, outcome, section.fields))
    return page.redirect(f"/pools/{page.path('pool_id')}", "saved", anchor=section.name)


def delete_pool(page: Page) -> Response:
    outcome = call(page.server, "DeleteUserPool", {"UserPoolId": page.path("pool_id")})
    if not outcome.ok:
        failed = FormState("delete", {}, {"": f"{outcome.code}: {outcome.message}"}, submitted=True)
        return pool_page(page, failed)
    return page.redirect("/", "deleted")


# --------------------------------------------------------------------------- app clients


def _clients(page: Page, pool_id: str) -> list[dict[str, Any]]:
    listed = read(page.server, "ListUserPoolClients", {"UserPoolId": pool_id, "MaxResults": 60})
    return [
        read(page.server, "DescribeUserPoolClient", {"UserPoolId": pool_id, "ClientId": c["ClientId"]})[
            "UserPoolClient"
        ]
        for c in listed["UserPoolClients"]
    ]


def clients_page(page: Page, failed: FormState | None = None) -> Response:
    pool = describe(page)
    values = {"flows": ["ALLOW_USER_SRP_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"]}
    forms: dict[str, FormState] = {"client": blank("client", values)}
    if failed is not None:
        forms[failed.name] = failed
    return page.render(
        "clients.html",
        400 if failed is not None else 200,
        pool=pool,
        tab="clients",
        clients=_clients(page, pool["Id"]),
        forms=forms,
        flows=FLOWS,
    )


def show_clients(page: Page) -> Response:
    return clients_page(page)


def create_client(page: Page) -> Response:
    form = page.form
    request = {
        "UserPoolId": page.path("pool_id"),
        "ClientName": form.get("ClientName"),
        "GenerateSecret": form.checked("GenerateSecret"),
        "ExplicitAuthFlows": form.getlist("flows"),
    }
    outcome = call(page.server, "CreateUserPoolClient", request)
    if not outcome.ok:
        return clients_page(page, failed_form("client", form, outcome, CLIENT_FIELDS))
    return page.redirect(f"/pools/{page.path('pool_id')}/clients", "created")


def save_flows(page: Page) -> Response:
    """UpdateUserPoolClient replaces every setting: send the described ones with the new flows."""
    pool_id, client_id = page.path("pool_id"), page.path("client_id")
    client = read(page.server, "DescribeUserPoolClient", {"UserPoolId": pool_id, "ClientId": client_id})
    members = input_members("UpdateUserPoolClient")
    request = {k: v for k, v in client["UserPoolClient"].items() if k in members}
    request["ExplicitAuthFlows"] = page.form.getlist("flows")
    outcome = call(page.server, "UpdateUserPoolClient", request)
    if not outcome.ok:
        name = f"flows-{client_id}"
        return clients_page(page, failed_form(name, page.form, outcome, CLIENT_FIELDS))
    return page.redirect(f"/pools/{pool_id}/clients", "saved")
