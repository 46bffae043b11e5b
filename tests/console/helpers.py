"""Steps the browser tests share: open a console page, fill a form, read what it shows."""

from __future__ import annotations

import re
import secrets

from playwright.sync_api import Locator, Page

from tests.conftest import Running

SNS_ROLE = "arn:aws:iam::123456789012:role/cognito-sms"
DOMAIN_ARN = "arn:aws:ses:us-east-1:123456789012:identity/example.com"
FROM = "Example <no-reply@example.com>"


def unique(name: str) -> str:
    return f"{name}-{secrets.token_hex(3)}"


def open_console(page: Page, running: Running, path: str = "/") -> None:
    page.goto(f"{running.url}/console{path}")


def pool_id_of(page: Page) -> str:
    match = re.search(r"/pools/([^/?#]+)", page.url)
    assert match, page.url
    return match.group(1)


def create_pool(page: Page, running: Running, name: str, tier: str = "ESSENTIALS") -> str:
    """Through the pools page's form; returns the new pool's id."""
    open_console(page, running)
    form = page.locator("#create form")
    form.get_by_label("Pool name").fill(name)
    form.get_by_label("Feature plan").select_option(tier)
    form.get_by_role("button", name="Create user pool").click()
    page.wait_for_url(re.compile(r"/console/pools/[^/]+\?ok=created"))
    return pool_id_of(page)


def section(page: Page, name: str) -> Locator:
    return page.locator(f"section#{name}")


def save(form: Locator) -> None:
    form.get_by_role("button", name="Save changes").click()


def field_error(scope: Locator, field: str) -> Locator:
    return scope.locator(f'.field-error[data-field="{field}"]')


def prerequisite(page: Page, factor: str) -> Locator:
    return page.locator(f'.prerequisite[data-factor="{factor}"]')
