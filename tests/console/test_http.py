"""The console over plain HTTP: CSRF protection of every form, and the root URL for browsers."""

from __future__ import annotations

import re
from typing import Any

import httpx

from tests.conftest import Running

CSRF = re.compile(r'name="csrf" value="([^"]+)"')


def csrf_of(html: str) -> str:
    match = CSRF.search(html)
    assert match, "no CSRF field in the page"
    return match.group(1)


def pool_count(idp: Any) -> int:
    return len(idp.list_user_pools(MaxResults=60)["UserPools"])


def test_a_post_without_the_csrf_token_is_refused(console_server: Running, idp: Any) -> None:
    before = pool_count(idp)
    with httpx.Client(base_url=console_server.url) as browser:
        token = csrf_of(browser.get("/console/").text)
        missing = browser.post("/console/pools", data={"PoolName": "csrf-missing"})
        wrong = browser.post("/console/pools", data={"PoolName": "csrf-wrong", "csrf": token[:-2] + "00"})
        assert missing.status_code == 403
        assert wrong.status_code == 403
        assert "CSRF token is missing or wrong" in missing.text
    # Another session's token (a forged cross-site form carries no cookie of ours) is refused too.
    with httpx.Client(base_url=console_server.url) as attacker:
        foreign = attacker.post("/console/pools", data={"PoolName": "csrf-foreign", "csrf": token})
        assert foreign.status_code == 403
    assert pool_count(idp) == before


def test_a_post_with_the_token_is_accepted(console_server: Running, idp: Any) -> None:
    with httpx.Client(base_url=console_server.url) as browser:
        token = csrf_of(browser.get("/console/").text)
        reply = browser.post("/console/pools", data={"PoolName": "csrf-ok", "csrf": token})
        assert reply.status_code == 303
        assert reply.headers["location"].startswith("/console/pools/")
        cookie = reply.request.headers["cookie"]
    assert "userpool_console=" in cookie
    assert any(p["Name"] == "csrf-ok" for p in idp.list_user_pools(MaxResults=60)["UserPools"])


def test_the_session_cookie_is_http_only_and_same_site(console_server: Running) -> None:
    reply = httpx.get(f"{console_server.url}/console/")
    cookie = reply.headers["set-cookie"].lower()
    assert "httponly" in cookie
    assert "samesite=strict" in cookie
    assert "path=/console" in cookie


def test_the_root_url_leads_browsers_to_the_console(console_server: Running) -> None:
    reply = httpx.get(console_server.url + "/", headers={"accept": "text/html"})
    assert reply.status_code == 302
    assert reply.headers["location"] == "/console/"


def test_an_unknown_pool_is_a_404_page(console_server: Running) -> None:
    reply = httpx.get(f"{console_server.url}/console/pools/us-east-1_nothere00/mfa")
    assert reply.status_code == 404
    assert "ResourceNotFoundException" in reply.text
