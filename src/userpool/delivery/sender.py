"""Sending a pool's email and SMS: written to the outbox in the operation's transaction, and email
also delivered by SMTP after commit when the server has `--smtp` (core foundation issue, item 7)."""

from __future__ import annotations

import json
import logging
import urllib.request
from functools import partial

from userpool.api.context import Context
from userpool.delivery.smtp import parse_smtp_url, send_email
from userpool.store.outbox import Message, insert_message
from userpool.store.pools import Pool

log = logging.getLogger("userpool.delivery")

# Cognito's own sender for COGNITO_DEFAULT email configurations (MFA spec §3.1).
DEFAULT_FROM = "no-reply@verificationemail.com"


def sms_refusal(ctx: Context, recipient: str) -> str | None:
    """SNS sandbox simulation (MFA spec §3.2 [DOC BM; OBS SEED]): a number that is not verified
    gets nothing, and the message is recorded as not delivered."""
    settings = ctx.settings
    if settings.sms_sandbox and recipient not in settings.sms_verified_numbers:
        return "SNS sandbox: the destination phone number is not verified"
    return None


def post_sms(url: str, message: Message) -> None:
    """Hand an SMS to a webhook as JSON, so people can bridge to a real SMS provider."""
    payload = {
        "poolId": message.pool_id,
        "to": message.recipient,
        "body": message.body,
        "code": message.code,
        "purpose": message.purpose,
        "username": message.username,
    }
    request = urllib.request.Request(  # noqa: S310 (an operator-configured http(s) URL)
        url, data=json.dumps(payload).encode(), headers={"Content-Type": "application/json"}, method="POST"
    )
    with urllib.request.urlopen(request, timeout=10):  # noqa: S310
        pass


def email_sender(pool: Pool) -> tuple[str, str | None]:
    """The From and Reply-To a pool's email goes out with (EmailConfiguration)."""
    cfg = pool.config.get("EmailConfiguration") or {}
    sender = cfg.get("From")
    if not sender:
        arn = str(cfg.get("SourceArn") or "")
        identity = arn.rsplit("identity/", 1)[-1] if "identity/" in arn else ""
        sender = identity if "@" in identity else DEFAULT_FROM
    return str(sender), cfg.get("ReplyToEmailAddress")


def send(
    ctx: Context,
    pool: Pool,
    *,
    channel: str,
    recipient: str,
    subject: str | None,
    body: str,
    code: str | None,
    purpose: str,
    username: str | None,
) -> None:
    error = sms_refusal(ctx, recipient) if channel == "SMS" else None
    message = Message(
        pool_id=pool.id,
        channel=channel,
        recipient=recipient,
        subject=subject,
        body=body,
        code=code,
        purpose=purpose,
        username=username,
        created_at=ctx.now(),
        delivery_error=error,
    )
    ctx.write_after_reading(partial(insert_message, message=message))
    if error is not None:
        return
    if channel == "SMS" and ctx.settings.sms_webhook:
        webhook = ctx.settings.sms_webhook
        ctx.after_commit.append(lambda: post_sms(webhook, message))
    smtp_url = ctx.settings.smtp_url
    if channel == "EMAIL" and smtp_url:
        target = parse_smtp_url(smtp_url)
        sender, reply_to = email_sender(pool)

        def deliver() -> None:
            send_email(
                target, sender=sender, reply_to=reply_to, to=recipient, subject=subject or "", body=body
            )

        ctx.after_commit.append(deliver)
