"""`userpool import FILE --pool ID`: a user import job from a local CSV file, run in this process
straight against the database (CreateUserImportJob + StartUserImportJob, then the job runner),
with a plain-text progress bar on stderr and the lines that were not imported at the end."""

from __future__ import annotations

import re
import sys
import threading
import time
from pathlib import Path
from typing import TextIO

import sqlalchemy as sa

from userpool import importer, purge
from userpool.api.context import Context
from userpool.api.errors import CognitoError
from userpool.clock import SystemClock
from userpool.ops.common import require_pool
from userpool.ops.imports import create_job, start_job
from userpool.settings import Settings
from userpool.store import imports as store
from userpool.store.db import transaction
from userpool.store.imports import ImportJob

BAR_WIDTH = 30


class ProgressBar:
    """`[#####.....]  52%  520,000 lines  imported 519,990  skipped 0  failed 10  41.2 s`: redrawn
    in place on a terminal, a new line every 10% otherwise."""

    def __init__(self, size: int, out: TextIO) -> None:
        self.size = max(size, 1)
        self.out = out
        self.started = time.monotonic()
        self.tty = out.isatty()
        self.shown = -1

    def line(self, job: ImportJob) -> str:
        fraction = min(job.done_bytes / self.size, 1.0)
        filled = int(fraction * BAR_WIDTH)
        lines = max(job.done_line - 1, 0)
        return (
            f"[{'#' * filled}{'.' * (BAR_WIDTH - filled)}] {fraction:4.0%}  {lines:,} lines  "
            f"imported {job.imported:,}  skipped {job.skipped:,}  failed {job.failed:,}  "
            f"{time.monotonic() - self.started:.1f} s"
        )

    def update(self, job: ImportJob) -> None:
        if self.tty:
            self.out.write("\r" + self.line(job))
            self.out.flush()
            return
        tenth = int(min(job.done_bytes / self.size, 1.0) * 10)
        if tenth > self.shown:
            self.shown = tenth
            print(self.line(job), file=self.out, flush=True)

    def close(self) -> None:
        if self.tty:
            self.out.write("\n")


def import_file(engine: sa.Engine, path: str, pool_id: str, *, job_name: str, show: int, out: TextIO) -> int:
    """Import `path` into the pool; 0 when the job Succeeded."""
    file = Path(path).resolve()
    if not file.is_file():
        print(f"userpool import: {path}: no such file", file=out)
        return 1
    clock, settings = SystemClock(), Settings()
    try:
        with transaction(engine) as conn:
            ctx = Context(conn=conn, clock=clock, settings=settings, region=None)
            pool = require_pool(ctx, pool_id)
            role = f"arn:aws:iam::{settings.account_id}:role/userpool-import"
            job = start_job(ctx, pool, create_job(ctx, pool, job_name, role, source=str(file)).id)
    except CognitoError as err:
        print(f"{err.code}: {err.message}", file=out)
        return 1
    # SQLite's log is copied into the database by a thread, as the server does, not inside the
    # batches' commits: cli.py makes the engine with `background_checkpoints` for this command.
    # The batches' commits took a fifth of an import (200,000 users: 3.7-4.2 s of 19-24 s).
    checkpoints = purge.checkpoints(engine)
    checkpoints.start()
    try:
        final = _run(engine, clock, settings, job.id, ProgressBar(file.stat().st_size, out))
    finally:
        checkpoints.stop()
    return _report(engine, final, show, out)


def _run(
    engine: sa.Engine, clock: SystemClock, settings: Settings, job_id: str, bar: ProgressBar
) -> ImportJob | None:
    runner = importer.claim(engine, clock, job_id)
    if runner is None:
        return None
    run = importer.Runner(engine, clock, settings, job_id, runner, threading.Event(), on_progress=bar.update)
    try:
        return importer.run_job(run)
    except KeyboardInterrupt:
        with transaction(engine) as conn:
            store.update_job(conn, job_id, statuses=["InProgress"], owner=runner, status="Stopping")
        return importer.finish(run, None, None)
    except Exception:
        importer.finish(run, "Failed", importer.INTERNAL_ERROR)
        raise
    finally:
        bar.close()


def _report(engine: sa.Engine, job: ImportJob | None, show: int, out: TextIO) -> int:
    if job is None:
        print("userpool import: the job was taken by another process", file=out)
        return 1
    with transaction(engine) as conn:
        outcomes = store.list_outcomes(conn, job.id, limit=show)
    for line, outcome, reason in outcomes:
        print(f"[{outcome}] Line Number {line} - {reason}", file=out)
    more = job.failed + job.skipped - len(outcomes)
    if more > 0:
        print(f"... and {more:,} more lines not imported", file=out)
    print(
        f"{job.id} {job.status}: imported {job.imported:,}, skipped {job.skipped:,}, "
        f"failed {job.failed:,}. {job.message or ''}".rstrip(),
        file=out,
    )
    return 0 if job.status == "Succeeded" else 1


def main_import(engine: sa.Engine, path: str, pool_id: str, job_name: str | None, show: int) -> int:
    name = job_name or re.sub(r"[^\w\s+=,.@-]", "-", f"import-{Path(path).stem}")[:128]
    return import_file(engine, path, pool_id, job_name=name, show=show, out=sys.stderr)
