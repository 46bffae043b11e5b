"""Builders the user-import wire tests share: pools, CSV files, jobs and waiting for them."""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from typing import Any

import httpx

from tests.conftest import Running
from tests.wire.helpers import make_pool

ROLE = "arn:aws:iam::123456789012:role/CognitoImport"
STANDARD = [
    "name", "given_name", "family_name", "middle_name", "nickname", "preferred_username", "profile",
    "picture", "website", "email", "email_verified", "gender", "birthdate", "zoneinfo", "locale",
    "phone_number", "phone_number_verified", "address", "updated_at",
]  # fmt: skip
DONE = ("Succeeded", "Failed", "Stopped", "Expired")


def import_pool(idp: Any, **options: Any) -> str:
    return make_pool(idp, AutoVerifiedAttributes=["email"], **options)


def header_of(idp: Any, pool_id: str) -> list[str]:
    found: list[str] = idp.get_csv_header(UserPoolId=pool_id)["CSVHeader"]
    return found


def csv_bytes(header: Sequence[str], rows: Sequence[Mapping[str, str] | bytes]) -> bytes:
    """The header and rows; a row is a dict of values by column, or raw bytes."""
    lines = [",".join(header).encode()]
    for row in rows:
        lines.append(row if isinstance(row, bytes) else ",".join(row.get(c, "") for c in header).encode())
    return b"\n".join(lines) + b"\n"


def person(username: str, **values: str) -> dict[str, str]:
    """A valid row: email verified, MFA off."""
    base = {
        "cognito:username": username,
        "email": f"{username}@example.com",
        "email_verified": "true",
        "cognito:mfa_enabled": "false",
    }
    return {**base, **values}


def new_job(idp: Any, pool_id: str, name: str = "import-test") -> dict[str, Any]:
    job: dict[str, Any] = idp.create_user_import_job(
        JobName=name, UserPoolId=pool_id, CloudWatchLogsRoleArn=ROLE
    )["UserImportJob"]
    return job


def upload(job: Mapping[str, Any], data: bytes) -> httpx.Response:
    return httpx.put(job["PreSignedUrl"], content=data, headers={"x-amz-server-side-encryption": "aws:kms"})


def wait_done(idp: Any, pool_id: str, job_id: str, timeout: float = 60) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while True:
        job: dict[str, Any] = idp.describe_user_import_job(UserPoolId=pool_id, JobId=job_id)["UserImportJob"]
        if job["Status"] in DONE or time.monotonic() > deadline:
            return job
        time.sleep(0.05)


def run_import(idp: Any, pool_id: str, data: bytes) -> dict[str, Any]:
    job = new_job(idp, pool_id)
    assert upload(job, data).status_code == 200
    idp.start_user_import_job(UserPoolId=pool_id, JobId=job["JobId"])
    return wait_done(idp, pool_id, job["JobId"])


def outcomes(running: Running, job_id: str) -> list[tuple[int, str, str]]:
    reply = httpx.get(f"{running.url}/_userpool/import/{job_id}")
    reply.raise_for_status()
    return [(x["LineNumber"], x["Outcome"], x["Reason"]) for x in reply.json()["Lines"]]


def user_count(idp: Any, pool_id: str) -> int:
    pages = idp.get_paginator("list_users").paginate(UserPoolId=pool_id)
    return sum(len(page["Users"]) for page in pages)
