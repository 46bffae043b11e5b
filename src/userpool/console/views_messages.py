"""Messages: the outbox (every email and SMS a pool sent), newest first, filterable by pool and
recipient, with the code each carries highlighted and whether it left the server."""

from __future__ import annotations

from typing import Any

from markupsafe import Markup, escape
from starlette.responses import Response

from userpool.console.pages import Page
from userpool.settings import Settings
from userpool.store import outbox
from userpool.store.db import transaction

LIMIT = 200


def highlighted(text: str | None, code: str | None) -> Markup:
    """`text` escaped, with every occurrence of `code` wrapped in <mark>."""
    if not text:
        return Markup("")
    if not code:
        return escape(text)
    marked = Markup('<mark class="code">%s</mark>') % code  # escapes `code`
    return marked.join(escape(part) for part in text.split(code))


def delivery(message: dict[str, Any], settings: Settings) -> tuple[str, str]:
    """(css class, text): not delivered (SNS sandbox), sent (SMTP / SMS webhook), or recorded only."""
    if message.get("deliveryError"):
        return "undelivered", f"not delivered: {message['deliveryError']}"
    if message["channel"] == "EMAIL" and settings.smtp_url:
        return "sent", "sent by SMTP"
    if message["channel"] == "SMS" and settings.sms_webhook:
        return "sent", "sent to the SMS webhook"
    return "recorded", "recorded only (no SMTP / SMS webhook configured)"


def show_messages(page: Page) -> Response:
    pool_id, recipient = page.query("pool").strip(), page.query("to").strip()
    with transaction(page.server.engine) as conn:
        found = outbox.list_messages(conn, pool_id=pool_id or None, recipient=recipient or None, limit=LIMIT)
    settings = page.server.settings
    for message in found:
        message["status"] = delivery(message, settings)
        message["html"] = highlighted(message["body"], message["code"])
    return page.render(
        "messages.html",
        messages=found,
        pool_filter=pool_id,
        to_filter=recipient,
        limit=LIMIT,
        tab="messages",
    )
