"""`PUT /_userpool/import/<jobId>`: the PreSignedUrl of a user import job, served by the server
instead of S3 (`curl -T users.csv <PreSignedUrl>` as in the developer guide; extra headers such as
`x-amz-server-side-encryption` are ignored). The body is spooled to a temporary file, then stored
in the database in one short transaction, so any server process can run the job.

`GET /_userpool/import/<jobId>`: the lines the job did not import, with the reason (what AWS
writes to CloudWatch Logs as `[FAILED] Line Number 5 - ...`), as JSON; `?limit=` (default 1000)."""

from __future__ import annotations

import tempfile
from collections.abc import Awaitable, Callable

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response

from userpool.api import dispatch
from userpool.store import imports
from userpool.store.db import transaction

SPOOL_IN_MEMORY = 8 << 20


def save_upload(server: dispatch.Server, job_id: str, body: tempfile.SpooledTemporaryFile[bytes]) -> Response:
    """Store the CSV of a Created job (a second upload replaces the first, as an S3 PUT would)."""
    with transaction(server.engine) as conn:
        job = imports.get_job(conn, job_id)
        if job is None:
            return PlainTextResponse("No such import job.\n", 404)
        if job.status != "Created" or job.source is not None:
            return PlainTextResponse(f"The import job is {job.status}: it takes no upload.\n", 409)
        body.seek(0)
        imports.replace_upload(conn, job_id, body)
    return Response(status_code=200)


def outcomes(server: dispatch.Server, job_id: str, limit: int) -> Response:
    with transaction(server.engine) as conn:
        job = imports.get_job(conn, job_id)
        found = [] if job is None else imports.list_outcomes(conn, job_id, limit=limit)
    if job is None:
        return PlainTextResponse("No such import job.\n", 404)
    lines = [{"LineNumber": n, "Outcome": outcome, "Reason": reason} for n, outcome, reason in found]
    return JSONResponse({"JobId": job_id, "Status": job.status, "Lines": lines})


def import_endpoint(server: dispatch.Server) -> Callable[[Request], Awaitable[Response]]:
    async def upload(request: Request) -> Response:
        if request.method == "GET":
            text = request.query_params.get("limit", "")
            limit = int(text) if text.isdigit() else 1000
            return await run_in_threadpool(outcomes, server, request.path_params["job_id"], limit)
        with tempfile.SpooledTemporaryFile(max_size=SPOOL_IN_MEMORY) as body:
            async for chunk in request.stream():
                body.write(chunk)
            return await run_in_threadpool(save_upload, server, request.path_params["job_id"], body)

    return upload
