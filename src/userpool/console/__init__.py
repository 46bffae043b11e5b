"""The web console (issue 6): pools, users and their MFA, served under /console.

Server-rendered HTML (Jinja2, autoescaped) over the same operation layer as the API
(`dispatch.invoke`), so every form validates and fails exactly as the API does."""

from __future__ import annotations

from userpool.console.access import AdminGuard
from userpool.console.app import create_console

__all__ = ["AdminGuard", "create_console"]
