"""Email delivery by SMTP (`--smtp`): a pool's verification email reaches a real SMTP server with
the From, Reply-To, Subject and code the pool configures, and the same code is in the outbox."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller

from tests.conftest import Running, free_port, served
from tests.wire.conftest import Inbox

SOURCE_ARN = "arn:aws:ses:us-east-1:123456789012:identity/example.com"
FROM = "Shop <no-reply@example.com>"
REPLY_TO = "help@example.com"
SUBJECT = "Your Shop code"


def make_pool(idp: Any) -> str:
    pool = idp.create_user_pool(
        PoolName="shop",
        AutoVerifiedAttributes=["email"],
        EmailConfiguration={
            "EmailSendingAccount": "DEVELOPER",
            "SourceArn": SOURCE_ARN,
            "From": FROM,
            "ReplyToEmailAddress": REPLY_TO,
        },
        VerificationMessageTemplate={
            "DefaultEmailOption": "CONFIRM_WITH_CODE",
            "EmailSubject": SUBJECT,
            "EmailMessage": "Welcome to Shop, your code is {####}",
        },
    )
    pool_id: str = pool["UserPool"]["Id"]
    return pool_id


def make_client(idp: Any, pool_id: str) -> str:
    client = idp.create_user_pool_client(UserPoolId=pool_id, ClientName="web")
    client_id: str = client["UserPoolClient"]["ClientId"]
    return client_id


def test_sign_up_code_is_delivered_by_smtp(smtp_running: Running, inbox: tuple[Inbox, int]) -> None:
    handler = inbox[0]
    idp = smtp_running.client()
    pool_id = make_pool(idp)
    client_id = make_client(idp, pool_id)
    reply = idp.sign_up(
        ClientId=client_id,
        Username="dana",
        Password="Correct-Horse-1",
        UserAttributes=[{"Name": "email", "Value": "dana@example.net"}],
    )
    assert reply["CodeDeliveryDetails"]["DeliveryMedium"] == "EMAIL"

    handler.wait_for(1)
    mail_from, rcpt_tos, email = handler.received[0]
    code = smtp_running.last_code("dana@example.net")
    assert (mail_from, rcpt_tos) == ("no-reply@example.com", ["dana@example.net"])
    assert (email["From"], email["Reply-To"], email["To"]) == (FROM, REPLY_TO, "dana@example.net")
    assert email["Subject"] == SUBJECT
    body = email.get_body(preferencelist=("plain",))
    assert body is not None
    assert body.get_content().strip() == f"Welcome to Shop, your code is {code}"
    assert len(handler.received) == 1


def test_unreachable_smtp_server_does_not_fail_the_operation(tmp_path: Path) -> None:
    """Delivery runs after commit: a refused connection is logged, the code stays in the outbox."""
    url = f"sqlite:///{tmp_path / 'down.db'}"
    with served(url, "sqlite", smtp_url=f"smtp://127.0.0.1:{free_port()}") as live:
        idp = live.client()
        pool_id = make_pool(idp)
        client_id = make_client(idp, pool_id)
        idp.sign_up(
            ClientId=client_id,
            Username="eve",
            Password="Correct-Horse-1",
            UserAttributes=[{"Name": "email", "Value": "eve@example.net"}],
        )
        assert live.last_code("eve@example.net").isdigit()


class SlowInbox(Inbox):
    """An SMTP server that takes `delay` seconds to accept a message."""

    def __init__(self, delay: float) -> None:
        super().__init__()
        self.delay = delay
        self.receiving = threading.Event()
        self.accepted = threading.Event()

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.receiving.set()
        await asyncio.sleep(self.delay)
        answer = await super().handle_DATA(server, session, envelope)
        self.accepted.set()
        return answer


@contextmanager
def slow_smtp_served(tmp_path: Path, delay: float) -> Iterator[tuple[Running, SlowInbox, str, str]]:
    """A SQLite server delivering by an SMTP server that takes `delay` seconds to accept a
    message, with a pool that emails its sign-up codes: (server, SMTP handler, pool, client)."""
    handler = SlowInbox(delay=delay)
    port = free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        with served(
            f"sqlite:///{tmp_path / 'slow.db'}", "sqlite", smtp_url=f"smtp://127.0.0.1:{port}"
        ) as live:
            idp = live.client()
            pool_id = make_pool(idp)
            yield live, handler, pool_id, make_client(idp, pool_id)
    finally:
        controller.stop()


def test_a_slow_smtp_server_holds_up_no_other_call(tmp_path: Path) -> None:
    """Delivery runs after the commit and off the event loop (calls on SQLite run on the loop):
    while one call's email waits for the SMTP server, another call is answered."""
    with slow_smtp_served(tmp_path, delay=3.0) as (live, handler, pool_id, client_id):
        idp = live.client()
        with ThreadPoolExecutor(max_workers=1) as thread:
            signing_up = thread.submit(
                idp.sign_up,
                ClientId=client_id,
                Username="fay",
                Password="Correct-Horse-1",
                UserAttributes=[{"Name": "email", "Value": "fay@example.net"}],
            )
            assert handler.receiving.wait(10)
            listed = idp.list_users(UserPoolId=pool_id)["Users"]
            # Answered while the SMTP server still held the message back.
            assert not handler.accepted.is_set()
            assert [u["Username"] for u in listed] == ["fay"]
            assert signing_up.result(timeout=20)["CodeDeliveryDetails"]["DeliveryMedium"] == "EMAIL"
        assert handler.accepted.is_set()
