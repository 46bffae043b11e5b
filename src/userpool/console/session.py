"""Console sessions: a signed cookie naming a random session id and whether it has logged in, and
the per-session CSRF token every form carries (HMAC of the session id).

The signing key is derived from the console credential when one is configured, else from a random
key `userpool serve` puts in the environment for its worker processes, so that every process of one
server accepts the same cookies and tokens."""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
from dataclasses import dataclass

from userpool.settings import Settings

COOKIE = "userpool_console"
# `userpool serve` sets a random key here that its worker processes inherit (loopback, no credential).
KEY_ENV = "USERPOOL_CONSOLE_SESSION_KEY"


@dataclass(frozen=True)
class Session:
    sid: str
    authenticated: bool


class Sessions:
    def __init__(self, settings: Settings) -> None:
        secret = settings.console_credential or os.environ.get(KEY_ENV)
        if secret:
            self._key = hashlib.sha256(b"userpool-console-session\0" + secret.encode()).digest()
        else:
            self._key = secrets.token_bytes(32)

    def _mac(self, text: str) -> str:
        return hmac.new(self._key, text.encode(), hashlib.sha256).hexdigest()

    def new(self, *, authenticated: bool) -> Session:
        return Session(secrets.token_urlsafe(18), authenticated)

    def cookie(self, session: Session) -> str:
        body = f"{session.sid}.{int(session.authenticated)}"
        return f"{body}.{self._mac(body)}"

    def read(self, cookie: str | None) -> Session | None:
        """The session a cookie names, or None when absent, malformed or not signed by us."""
        if not cookie:
            return None
        sid, _, rest = cookie.partition(".")
        flag, _, mac = rest.partition(".")
        if not sid or flag not in ("0", "1") or not hmac.compare_digest(mac, self._mac(f"{sid}.{flag}")):
            return None
        return Session(sid, flag == "1")

    def csrf_token(self, session: Session) -> str:
        return self._mac(f"csrf:{session.sid}")

    def csrf_ok(self, session: Session | None, token: str | None) -> bool:
        if session is None or not token:
            return False
        return hmac.compare_digest(token, self.csrf_token(session))
