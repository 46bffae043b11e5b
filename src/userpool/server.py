"""Assemble a server: engine, migrations, operations and the HTTP app."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from functools import partial
from typing import Any

from starlette.applications import Starlette

import userpool.ops  # noqa: F401  (registers every operation handler)
from userpool import importer, purge
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
    engine = db.create_engine(url, background_checkpoints=True)
    migrations.migrate(engine)
    service_model()  # load the botocore model now, not on the first request
    server = dispatch.Server(engine=engine, clock=clock or SystemClock(), settings=Settings(**settings))
    app = create_app(server)
    with_maintenance(app, server)
    return app, server


def with_maintenance(app: Starlette, server: dispatch.Server) -> None:
    """Run the maintenance thread (userpool.purge: purging expired rows, resuming abandoned import
    jobs) and SQLite's WAL checkpoints (`db.checkpoint`, every second) while the app is up; at
    shutdown stop them and this process's import runners, and close the engine's connections."""
    resume = partial(importer.resume_stale, server.engine, server.clock, server.settings)
    tasks = purge.maintenance_tasks(server.engine, server.clock, [resume])
    maintenance = purge.Maintenance(tasks, server.settings.purge_interval)
    checkpoints = purge.checkpoints(server.engine)
    inner = app.router.lifespan_context

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[Any]:
        maintenance.start()
        checkpoints.start()
        try:
            async with inner(app) as state:
                yield state
        finally:
            checkpoints.stop()
            maintenance.stop()
            importer.stop_all(server.engine)
            # Closed here, not after the server returns: uvicorn ends a SIGTERM by raising the
            # signal again, which kills the process before any code after it runs. SQLite's last
            # connection to close moves the write-ahead log into the database and deletes it; left
            # behind (up to db._WAL_SIZE_LIMIT), the next start read it (0.73 -> 0.92 s ready with a
            # 64 MiB one).
            server.engine.dispose()

    app.router.lifespan_context = lifespan
