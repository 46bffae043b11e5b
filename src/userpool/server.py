"""Assemble a server: engine, migrations, operations and the HTTP app."""

from __future__ import annotations

from starlette.applications import Starlette

import userpool.ops  # noqa: F401  (registers every operation handler)
from userpool.api import dispatch
from userpool.api.model import service_model
from userpool.clock import Clock, SystemClock
from userpool.settings import Settings
from userpool.store import db, migrations
from userpool.web.app import create_app


def build_server(
    url: str,
    *,
    issuer_base: str,
    aws_issuer: bool = False,
    smtp_url: str | None = None,
    default_region: str = "us-east-1",
    clock: Clock | None = None,
) -> tuple[Starlette, dispatch.Server]:
    engine = db.create_engine(url)
    migrations.migrate(engine)
    service_model()  # load the botocore model now, not on the first request
    settings = Settings(
        issuer_base=issuer_base,
        aws_issuer=aws_issuer,
        smtp_url=smtp_url,
        default_region=default_region,
    )
    server = dispatch.Server(engine=engine, clock=clock or SystemClock(), settings=settings)
    return create_app(server), server
