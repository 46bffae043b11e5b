"""Take the console screenshots of docs/console.md (not a test; run it after changing the console):

    .venv/bin/python -m tests.console.screenshots [OUTPUT_DIR]   # default: docs/

It starts a throw-away server, sets up the seed article's pool through the API, and photographs
the main pages in headless Debian Chromium."""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path
from typing import Any

from playwright.sync_api import Page, sync_playwright

from tests.conftest import Running, served
from tests.console.conftest import CHROMIUM, CHROMIUM_ARGS
from tests.console.helpers import DOMAIN_ARN, FROM, SNS_ROLE
from tests.wire.mfa_helpers import set_mfa

WIDTH = 1200


def article_pool(idp: Any) -> str:
    """The pool at the end of the seed article: every prerequisite met, MFA required, 3 factors."""
    pool_id: str = idp.create_user_pool(
        PoolName="article",
        UserPoolTier="ESSENTIALS",
        UsernameAttributes=["email"],
        EmailConfiguration={"EmailSendingAccount": "DEVELOPER", "SourceArn": DOMAIN_ARN, "From": FROM},
        SmsConfiguration={"SnsCallerArn": SNS_ROLE},
        AccountRecoverySetting={
            "RecoveryMechanisms": [
                {"Name": "verified_email", "Priority": 1},
                {"Name": "verified_phone_number", "Priority": 2},
            ]
        },
    )["UserPool"]["Id"]
    set_mfa(idp, pool_id, "ON", sms=True, totp=True, email=True)
    return pool_id


def users(idp: Any, pool_id: str) -> None:
    people = [
        ("alice@example.com", "+15555550101", None),
        ("bob@example.com", "+15555550102", "SMSMfaSettings"),
        ("carol@example.com", None, None),
    ]
    for email, phone, preferred in people:
        attributes = [{"Name": "email", "Value": email}, {"Name": "email_verified", "Value": "true"}]
        if phone:
            attributes.append({"Name": "phone_number", "Value": phone})
        mediums = ["EMAIL", "SMS"] if phone else ["EMAIL"]  # SMS: not delivered in the SNS sandbox
        idp.admin_create_user(
            UserPoolId=pool_id, Username=email, UserAttributes=attributes, DesiredDeliveryMediums=mediums
        )
        idp.admin_set_user_password(
            UserPoolId=pool_id, Username=email, Password="Passw0rd!long", Permanent=True
        )
        if preferred:
            blocks = {preferred: {"Enabled": True, "PreferredMfa": True}}
            idp.admin_set_user_mfa_preference(UserPoolId=pool_id, Username=email, **blocks)


def shoot(page: Page, running: Running, path: str, out: Path, *, full: bool = True) -> None:
    page.goto(f"{running.url}/console{path}")
    page.screenshot(path=str(out), full_page=full)
    print(out)


def take(out_dir: Path) -> None:
    out_dir.mkdir(parents=True, exist_ok=True)
    url = f"sqlite:///{Path(tempfile.mkdtemp()) / 'screens.db'}"
    with served(url, "sqlite", sms_sandbox=True) as running:
        idp = running.client()
        fresh = idp.create_user_pool(PoolName="new-pool", UserPoolTier="LITE")["UserPool"]["Id"]
        pool_id = article_pool(idp)
        users(idp, pool_id)
        alice = idp.admin_get_user(UserPoolId=pool_id, Username="alice@example.com")
        sub = next(a["Value"] for a in alice["UserAttributes"] if a["Name"] == "sub")
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            page = browser.new_page(viewport={"width": WIDTH, "height": 760})
            shoot(page, running, "/", out_dir / "console-pools.png", full=False)
            shoot(page, running, f"/pools/{fresh}/mfa", out_dir / "console-mfa-prerequisites.png")
            shoot(page, running, f"/pools/{pool_id}/mfa", out_dir / "console-mfa.png", full=False)
            shoot(
                page,
                running,
                f"/pools/{pool_id}/mfa/table",
                out_dir / "console-decision-table.png",
                full=False,
            )
            shoot(page, running, f"/pools/{pool_id}/users", out_dir / "console-users.png", full=False)
            shoot(page, running, f"/pools/{pool_id}/users/{sub}", out_dir / "console-user.png", full=False)
            shoot(page, running, f"/messages?pool={pool_id}", out_dir / "console-messages.png", full=False)
            browser.close()


if __name__ == "__main__":
    take(Path(sys.argv[1]) if len(sys.argv) > 1 else Path("docs"))
