"""SMS delivery: the outbox always, a webhook when configured, and the SNS sandbox simulation
(MFA spec §3.2): unverified numbers get nothing and the message is recorded as not delivered."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import Running, served

VERIFIED = "+15555550100"
UNVERIFIED = "+15555550199"


class Hook:
    def __init__(self) -> None:
        self.received: list[dict[str, Any]] = []
        hook = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers["Content-Length"])
                hook.received.append(json.loads(self.rfile.read(length)))
                self.send_response(204)
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/sms"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
        self.thread.join(timeout=5)


@pytest.fixture
def sandboxed(tmp_path: Path) -> Iterator[tuple[Running, Hook]]:
    hook = Hook()
    try:
        with served(
            f"sqlite:///{tmp_path / 'sms.db'}",
            "sqlite",
            sms_webhook=hook.url,
            sms_sandbox=True,
            sms_verified_numbers=(VERIFIED,),
        ) as live:
            yield live, hook
    finally:
        hook.stop()


def invite(idp: Any, pool_id: str, username: str, phone: str) -> None:
    idp.admin_create_user(
        UserPoolId=pool_id,
        Username=username,
        UserAttributes=[{"Name": "phone_number", "Value": phone}],
        DesiredDeliveryMediums=["SMS"],
    )


def test_webhook_and_sandbox(sandboxed: tuple[Running, Hook]) -> None:
    live, hook = sandboxed
    idp = live.client()
    pool_id = idp.create_user_pool(PoolName="sms")["UserPool"]["Id"]
    invite(idp, pool_id, "verified", VERIFIED)
    invite(idp, pool_id, "unverified", UNVERIFIED)

    delivered = live.messages(to=VERIFIED)[0]
    assert delivered["channel"] == "SMS"
    assert delivered["deliveryError"] is None
    assert [m["to"] for m in hook.received] == [VERIFIED]
    assert hook.received[0]["body"] == delivered["body"]
    assert hook.received[0]["code"] == delivered["code"]

    refused = live.messages(to=UNVERIFIED)[0]
    assert "sandbox" in refused["deliveryError"]
    assert refused["code"]  # still kept in the outbox, so tests can read it
