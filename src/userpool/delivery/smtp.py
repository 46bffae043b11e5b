"""Email delivery through a real SMTP server (`--smtp smtp://[user:pass@]host[:port][?tls=starttls|ssl]`)."""

from __future__ import annotations

import smtplib
from dataclasses import dataclass
from email.message import EmailMessage
from urllib.parse import parse_qs, unquote, urlsplit


@dataclass(frozen=True)
class SmtpTarget:
    host: str
    port: int
    tls: str | None  # None, "starttls" or "ssl"
    username: str | None
    password: str | None


def parse_smtp_url(url: str) -> SmtpTarget:
    parts = urlsplit(url)
    if parts.scheme not in ("smtp", "smtps") or not parts.hostname:
        raise ValueError(f"not an SMTP URL: {url!r} (expected smtp://host:port)")
    tls = parse_qs(parts.query).get("tls", [None])[0]
    if parts.scheme == "smtps":
        tls = "ssl"
    if tls not in (None, "starttls", "ssl"):
        raise ValueError(f"tls must be starttls or ssl, not {tls!r}")
    default_port = 465 if tls == "ssl" else 25
    return SmtpTarget(
        host=parts.hostname,
        port=parts.port or default_port,
        tls=tls,
        username=unquote(parts.username) if parts.username else None,
        password=unquote(parts.password) if parts.password else None,
    )


def send_email(
    target: SmtpTarget, *, sender: str, reply_to: str | None, to: str, subject: str, body: str
) -> None:
    msg = EmailMessage()
    msg["From"] = sender
    msg["To"] = to
    msg["Subject"] = subject
    if reply_to:
        msg["Reply-To"] = reply_to
    msg.set_content(body)
    smtp_class = smtplib.SMTP_SSL if target.tls == "ssl" else smtplib.SMTP
    with smtp_class(target.host, target.port, timeout=10) as client:
        if target.tls == "starttls":
            client.starttls()
        if target.username:
            client.login(target.username, target.password or "")
        client.send_message(msg)
