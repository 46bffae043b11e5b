"""Assemble a server: engine, migrations, operations and the HTTP app."""

from __future__ import annotations

from typing import Any

from starlette.applications import Starlette

import userpool.ops  # noqa: F401  (registers every operation handler)
from userpool.api import dispatch
from userpool.api.model import service_model
from userpool.clock import Clock, SystemClock
from userpool.settings import Settings
from userpool.store import db, migrations
from userpool.web.app import create_app


def build_server(
    url: str, *, clock: Clock | None = None, **settings: Any
) -> tuple[Starlette, dispatch.Server]:
    """A ready server on the database at `url`; `settings` are fields of `Settings`."""
    engine = db.create_engine(url)
    migrations.migrate(engine)
    service_model()  # load the botocore model now, not on the first request
    server = dispatch.Server(engine=engine, clock=clock or SystemClock(), settings=Settings(**settings))
    return create_app(server), server
