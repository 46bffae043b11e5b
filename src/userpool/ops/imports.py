"""User import jobs: GetCSVHeader, CreateUserImportJob, StartUserImportJob, DescribeUserImportJob,
ListUserImportJobs, StopUserImportJob ([DOC BM], [DOC DG-IMPORT]: the developer guide's "Importing
users into user pools from a CSV file").

The CSV goes to the job's `PreSignedUrl`, served by this server (`PUT`, instead of S3), or comes
from a local file (`userpool import`). Starting a job hands it to `userpool.importer`, which runs it
in a background thread in batches, each batch its own transaction.
"""

from __future__ import annotations

import json
import secrets
import string
from collections.abc import Mapping
from typing import Any

import sqlalchemy as sa

from userpool import importer
from userpool.api.context import Context
from userpool.api.dispatch import operation
from userpool.api.errors import CognitoError, resource_not_found
from userpool.clock import Clock
from userpool.ops.common import require_pool
from userpool.ops.import_rows import CHANNELS, csv_header
from userpool.ops.pools import paginate
from userpool.settings import Settings
from userpool.store import imports as store
from userpool.store.imports import ImportJob
from userpool.store.pools import Pool

UPLOAD_PATH = "/_userpool/import/"
# [DOC BM UserImportJobType.Status]: Expired - created but not started within 24-48 hours.
EXPIRE_AFTER = 86400.0
_ID_ALPHABET = string.ascii_letters + string.digits


def new_job_id() -> str:
    """`import-` and 10 letters or digits, like `import-TZqNQvDRnW` [DOC CLI-EX]."""
    return "import-" + "".join(secrets.choice(_ID_ALPHABET) for _ in range(10))


def upload_url(ctx: Context, job_id: str) -> str:
    """The job's PreSignedUrl: this server's upload route (its own URL is the issuer base)."""
    return ctx.settings.issuer_base.rstrip("/") + UPLOAD_PATH + job_id


def job_type(ctx: Context, job: ImportJob) -> dict[str, Any]:
    """A job as `UserImportJobType`; dates only once they happened [DOC CLI-EX]."""
    out: dict[str, Any] = {
        "JobName": job.name,
        "JobId": job.id,
        "UserPoolId": job.pool_id,
        "PreSignedUrl": upload_url(ctx, job.id),
        "CreationDate": job.created_at,
        "Status": job.status,
        "CloudWatchLogsRoleArn": job.role_arn,
        "ImportedUsers": job.imported,
        "SkippedUsers": job.skipped,
        "FailedUsers": job.failed,
    }
    for key, value in (
        ("StartDate", job.started_at),
        ("CompletionDate", job.completed_at),
        ("CompletionMessage", job.message),
    ):
        if value is not None:
            out[key] = value
    return out


def require_job(ctx: Context, pool: Pool, job_id: str) -> ImportJob:
    """The pool's job (jobs never started within EXPIRE_AFTER become Expired first) [INF text]."""
    store.expire_created(ctx.conn, before=ctx.now() - EXPIRE_AFTER)
    job = store.get_job(ctx.conn, job_id)
    if job is None or job.pool_id != pool.id:
        raise resource_not_found(f"Import job {job_id} does not exist.")
    return job


def precondition(message: str) -> CognitoError:
    return CognitoError("PreconditionNotMetException", message)


def create_job(ctx: Context, pool: Pool, name: str, role_arn: str, *, source: str | None = None) -> ImportJob:
    """A Created job; `source` is a local CSV path (`userpool import`), else the upload is awaited."""
    job = ImportJob(
        id=new_job_id(),
        pool_id=pool.id,
        name=name,
        role_arn=role_arn,
        status="Created",
        created_at=ctx.now(),
        started_at=None,
        completed_at=None,
        imported=0,
        skipped=0,
        failed=0,
        message=None,
        source=source,
        uploaded_bytes=None,
        done_bytes=0,
        done_line=0,
        runner=None,
        heartbeat_at=None,
    )
    store.insert_job(ctx.conn, job)
    return job


def start_job(ctx: Context, pool: Pool, job_id: str) -> ImportJob:
    """Created -> Pending, by a conditional UPDATE (one caller wins) [DOC BM StartUserImportJob].
    [DOC DG-IMPORT]: without an auto-verified email or phone number the job does not start."""
    job = require_job(ctx, pool, job_id)
    if job.status != "Created":
        raise precondition(f"Import job {job_id} cannot be started: its status is {job.status}.")  # [INF]
    if not any(a in CHANNELS for a in pool.config.get("AutoVerifiedAttributes") or ()):
        raise precondition(  # [INF text]
            "The user pool has no auto-verified attribute (email or phone_number) to import users with."
        )
    if not store.update_job(ctx.conn, job_id, statuses=["Created"], status="Pending", started_at=ctx.now()):
        raise precondition(f"Import job {job_id} cannot be started: it was started already.")
    started = store.get_job(ctx.conn, job_id)
    assert started is not None
    return started


@operation("GetCSVHeader", reads_only=True)
def get_csv_header(ctx: Context, params: dict[str, Any]) -> Mapping[str, Any]:
    pool = require_pool(ctx, params["UserPoolId"])
    return {"UserPoolId": pool.id, "CSVHeader": csv_header(pool)}


@operation("CreateUserImportJob")
def create_user_import_job(ctx: Context, params: dict[str, Any]) -> Mapping[str, Any]:
    """The role is kept and reported, never assumed: outcomes are kept by the server instead of
    CloudWatch Logs (`userpool import` prints them)."""
    pool = require_pool(ctx, params["UserPoolId"])
    job = create_job(ctx, pool, params["JobName"], params["CloudWatchLogsRoleArn"])
    return {"UserImportJob": job_type(ctx, job)}


@operation("StartUserImportJob")
def start_user_import_job(ctx: Context, params: dict[str, Any]) -> Mapping[str, Any]:
    pool = require_pool(ctx, params["UserPoolId"])
    job = start_job(ctx, pool, params["JobId"])
    engine, clock, settings = ctx.conn.engine, ctx.clock, ctx.settings
    ctx.after_commit.append(lambda: _launch(engine, clock, settings, job.id))
    return {"UserImportJob": job_type(ctx, job)}


def _launch(engine: sa.Engine, clock: Clock, settings: Settings, job_id: str) -> None:
    importer.launch(engine, clock, settings, job_id)


@operation("DescribeUserImportJob")
def describe_user_import_job(ctx: Context, params: dict[str, Any]) -> Mapping[str, Any]:
    pool = require_pool(ctx, params["UserPoolId"])
    return {"UserImportJob": job_type(ctx, require_job(ctx, pool, params["JobId"]))}


@operation("ListUserImportJobs")
def list_user_import_jobs(ctx: Context, params: dict[str, Any]) -> Mapping[str, Any]:
    """The pool's jobs, oldest first [INF order], MaxResults a page (1-60, BM)."""
    pool = require_pool(ctx, params["UserPoolId"])
    store.expire_created(ctx.conn, before=ctx.now() - EXPIRE_AFTER)

    def fetch(after: str | None, limit: int) -> list[ImportJob]:
        position = None if after is None else _position(after)
        return store.list_jobs(ctx.conn, pool.id, after=position, limit=limit)

    page, token = paginate(
        f"ListUserImportJobs:{pool.id}",
        params.get("PaginationToken"),
        int(params["MaxResults"]),
        fetch,
        lambda job: json.dumps([job.created_at, job.id]),
    )
    out: dict[str, Any] = {"UserImportJobs": [job_type(ctx, job) for job in page]}
    if token is not None:
        out["PaginationToken"] = token
    return out


def _position(after: str) -> tuple[float, str]:
    created, job_id = json.loads(after)
    return float(created), str(job_id)


@operation("StopUserImportJob")
def stop_user_import_job(ctx: Context, params: dict[str, Any]) -> Mapping[str, Any]:
    """Pending / InProgress -> Stopping; the runner stops at its next batch and the job becomes
    Stopped [DOC BM UserImportJobType.Status]. Other statuses -> PreconditionNotMetException [INF]."""
    pool = require_pool(ctx, params["UserPoolId"])
    job = require_job(ctx, pool, params["JobId"])
    if not store.update_job(ctx.conn, job.id, statuses=["Pending", "InProgress"], status="Stopping"):
        raise precondition(f"Import job {job.id} cannot be stopped: its status is {job.status}.")
    stopped = store.get_job(ctx.conn, job.id)
    assert stopped is not None
    return {"UserImportJob": job_type(ctx, stopped)}
