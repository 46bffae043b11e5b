"""User import jobs through boto3: GetCSVHeader, the job lifecycle with a CSV PUT to the
PreSignedUrl, per-line failures with reasons, RESET_REQUIRED users, stopping, expiry, claiming and
resuming, and `userpool import` on a SQLite file."""

from __future__ import annotations

import io
import subprocess
import sys
import threading
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from botocore.exceptions import ClientError

from tests.conftest import Running, served
from tests.wire.helpers import NEW_PASSWORD, attrs, error_of, make_client, make_pool, sign_in
from tests.wire.import_helpers import (
    ROLE,
    STANDARD,
    csv_bytes,
    header_of,
    import_pool,
    new_job,
    outcomes,
    person,
    run_import,
    upload,
    user_count,
    wait_done,
)
from userpool import import_cli, importer
from userpool.clock import ShiftedClock
from userpool.settings import Settings
from userpool.store import db
from userpool.store import imports as store
from userpool.store.db import transaction
from userpool.store.tables import user_attributes, users


def test_csv_header_lists_schema_attributes(idp: Any) -> None:
    schema = [{"Name": "tier", "AttributeDataType": "String", "Mutable": True}]
    pool_id = import_pool(idp, Schema=schema)
    reply = idp.get_csv_header(UserPoolId=pool_id)
    assert reply["UserPoolId"] == pool_id
    assert reply["CSVHeader"] == [*STANDARD, "custom:tier", "cognito:mfa_enabled", "cognito:username"]
    with pytest.raises(ClientError) as err:
        idp.get_csv_header(UserPoolId="us-east-1_nothere1")
    assert error_of(err) == ("ResourceNotFoundException", "User pool us-east-1_nothere1 does not exist.")


def test_job_lifecycle(running: Running, idp: Any) -> None:
    pool_id = import_pool(idp)
    job = new_job(idp, pool_id, "first import")
    assert job["Status"] == "Created"
    assert job["JobName"] == "first import"
    assert job["JobId"].startswith("import-")
    assert job["PreSignedUrl"] == f"{running.url}/_userpool/import/{job['JobId']}"
    assert job["CloudWatchLogsRoleArn"] == ROLE
    assert (job["ImportedUsers"], job["SkippedUsers"], job["FailedUsers"]) == (0, 0, 0)
    assert "StartDate" not in job and "CompletionDate" not in job
    header = header_of(idp, pool_id)
    rows = [person("ann", given_name="Ann"), person("bob", name="Smith\\, Bob"), person("cy", locale="fr")]
    assert upload(job, csv_bytes(header, rows)).status_code == 200
    started = idp.start_user_import_job(UserPoolId=pool_id, JobId=job["JobId"])["UserImportJob"]
    assert started["Status"] in ("Pending", "InProgress", "Succeeded")
    assert "StartDate" in started
    done = wait_done(idp, pool_id, job["JobId"])
    assert done["Status"] == "Succeeded"
    assert (done["ImportedUsers"], done["SkippedUsers"], done["FailedUsers"]) == (3, 0, 0)
    assert done["CompletionDate"] >= done["StartDate"] >= done["CreationDate"]
    assert done["CompletionMessage"]
    user = idp.admin_get_user(UserPoolId=pool_id, Username="bob")
    assert user["UserStatus"] == "RESET_REQUIRED"
    values = {a["Name"]: a["Value"] for a in user["UserAttributes"]}
    assert values["name"] == "Smith, Bob"
    assert values["email_verified"] == "true"
    assert len(values["sub"]) == 36
    listed = idp.list_user_import_jobs(UserPoolId=pool_id, MaxResults=10)["UserImportJobs"]
    assert [j["JobId"] for j in listed] == [job["JobId"]]
    assert upload(job, b"late").status_code == 409  # a started job takes no upload


NOT_VERIFIED = (
    "The User Record does not set any of the auto verified attributes to verified. "
    "(Example: email_verified to true)."
)
BAD_USERNAME = "cognito:username must be 1 to 128 letters, numbers, symbols or punctuation, without spaces."
# (row, outcome and reason or None when imported); the first row is line 2, after the header.
LINES: list[tuple[Mapping[str, str] | bytes, tuple[str, str] | None]] = [
    (person("ok1", name="One"), None),
    (person("badmail", name="B", email="not-an-email"), ("FAILED", "Invalid email address format.")),
    (person("badphone", name="B", phone_number="555-1234"), ("FAILED", "Invalid phone number format.")),
    (
        person("badbool", name="B", email_verified="maybe"),
        ("FAILED", "Attributes did not conform to the schema: email_verified: Boolean must be true or false"),
    ),
    (
        person("noname"),
        ("FAILED", "Attributes did not conform to the schema: name: The attribute is required"),
    ),
    (person("old", name="Old"), ("SKIPPED", "The user already exists.")),  # in the pool already
    (person("ok1", name="Again"), ("SKIPPED", "The user already exists.")),  # on an earlier line
    (b"\xff\xfe\x00garbage", ("FAILED", "The line is not UTF-8 text.")),
    (b"too,few,values", ("FAILED", "The line has 3 values; the header has 21.")),
    (
        person("mfa", name="M", **{"cognito:mfa_enabled": "yes"}),
        ("FAILED", "cognito:mfa_enabled must be true or false."),
    ),
    (person("unverified", name="U", email_verified="false"), ("FAILED", NOT_VERIFIED)),
    (person("with space", name="S"), ("FAILED", BAD_USERNAME)),
    (person("ok2", name="Two"), None),
]


def test_failed_and_skipped_lines_are_counted_with_reasons(running: Running, idp: Any) -> None:
    pool_id = import_pool(idp, Schema=[{"Name": "name", "Required": True}])
    idp.admin_create_user(UserPoolId=pool_id, Username="old", MessageAction="SUPPRESS")
    header = header_of(idp, pool_id)
    assert len(header) == 21  # 19 attributes (all but sub), then the two cognito: columns
    done = run_import(idp, pool_id, csv_bytes(header, [row for row, _ in LINES]))
    assert done["Status"] == "Failed"  # more lines failed or skipped than imported
    assert done["CompletionMessage"] == "Too many users have failed or been skipped during the import."
    assert (done["ImportedUsers"], done["SkippedUsers"], done["FailedUsers"]) == (2, 2, 9)
    expected = [(n, *outcome) for n, (_, outcome) in enumerate(LINES, start=2) if outcome is not None]
    assert outcomes(running, done["JobId"]) == expected
    # Nothing half-imported: the pool holds the old user and the two good lines, nothing else.
    assert user_count(idp, pool_id) == 3
    with transaction(running.server.engine) as conn:
        query = sa.select(sa.func.count()).select_from(user_attributes)
        stored = conn.execute(query.where(user_attributes.c.pool_id == pool_id)).scalar_one()
    # Each import: name, email, email_verified ("old" has none; `sub` is in the users row).
    assert stored == 3 + 3
    shown = idp.admin_get_user(UserPoolId=pool_id, Username="ok1")["UserAttributes"]
    assert shown[0]["Name"] == "sub"
    assert shown[1:] == attrs(name="One", email="ok1@example.com", email_verified="true")


def test_unreadable_files_fail_the_job(running: Running, idp: Any) -> None:
    pool_id = import_pool(idp)
    header = header_of(idp, pool_id)
    lacking = [c for c in header if c != "cognito:mfa_enabled"]
    cases = [
        (csv_bytes(lacking, [person("a")]), "The CSV header lacks columns: cognito:mfa_enabled."),
        (csv_bytes([*header, "shoe_size"], [person("a")]), "The CSV header has unknown columns: shoe_size."),
        (csv_bytes([*header, "email"], []), "The CSV header repeats columns: email."),
        (b"", "The CSV file is empty: it has no header line."),
        (b"\xff\xfe,\x00\n", "The CSV header line is not UTF-8 text."),
    ]
    for data, message in cases:
        done = run_import(idp, pool_id, data)
        assert (done["Status"], done["CompletionMessage"]) == ("Failed", message)
        assert done["ImportedUsers"] == 0
    job = new_job(idp, pool_id)
    idp.start_user_import_job(UserPoolId=pool_id, JobId=job["JobId"])
    done = wait_done(idp, pool_id, job["JobId"])
    assert (done["Status"], done["CompletionMessage"]) == (
        "Failed",
        "No CSV file was uploaded to the job's PreSignedUrl.",
    )
    assert user_count(idp, pool_id) == 0


def test_imported_user_resets_password_to_sign_in(running: Running, idp: Any) -> None:
    pool_id = import_pool(idp)
    client_id, _ = make_client(idp, pool_id)
    header = header_of(idp, pool_id)
    done = run_import(idp, pool_id, csv_bytes(header, [person("dana", email="dana@imported.example")]))
    assert done["ImportedUsers"] == 1
    with pytest.raises(ClientError) as err:
        sign_in(idp, client_id, "dana", "Whatever-1")
    assert error_of(err) == ("PasswordResetRequiredException", "Password reset required for the user")
    sent = idp.forgot_password(ClientId=client_id, Username="dana")["CodeDeliveryDetails"]
    assert sent["DeliveryMedium"] == "EMAIL"
    code = running.last_code("dana@imported.example")
    idp.confirm_forgot_password(
        ClientId=client_id, Username="dana", ConfirmationCode=code, Password=NEW_PASSWORD
    )
    assert "AuthenticationResult" in sign_in(idp, client_id, "dana", NEW_PASSWORD)
    assert idp.admin_get_user(UserPoolId=pool_id, Username="dana")["UserStatus"] == "CONFIRMED"


def test_mfa_enabled_column_follows_the_pool(running: Running, idp: Any) -> None:
    pool_id = import_pool(idp, MfaConfiguration="OFF")
    header = header_of(idp, pool_id)
    rows = [person("on", **{"cognito:mfa_enabled": "TRUE"}), person("off")]
    done = run_import(idp, pool_id, csv_bytes(header, rows))
    assert (done["ImportedUsers"], done["FailedUsers"]) == (1, 1)
    assert outcomes(running, done["JobId"]) == [
        (2, "FAILED", "cognito:mfa_enabled must be false: MFA is off in the user pool.")
    ]


def test_username_attribute_pool_stores_the_sub(idp: Any) -> None:
    pool_id = import_pool(idp, UsernameAttributes=["email"])
    header = header_of(idp, pool_id)
    rows = [
        {"cognito:username": "eve@example.com", "email_verified": "true", "cognito:mfa_enabled": "false"},
        person("not-an-email"),
        {"cognito:username": "eve@example.com", "email_verified": "true", "cognito:mfa_enabled": "false"},
    ]
    done = run_import(idp, pool_id, csv_bytes(header, rows))
    assert (done["ImportedUsers"], done["SkippedUsers"], done["FailedUsers"]) == (1, 1, 1)
    user = idp.admin_get_user(UserPoolId=pool_id, Username="eve@example.com")
    values = {a["Name"]: a["Value"] for a in user["UserAttributes"]}
    assert user["Username"] == values["sub"]
    assert values["email"] == "eve@example.com"


def test_alias_taken_by_another_user_fails(running: Running, idp: Any) -> None:
    pool_id = import_pool(idp, AliasAttributes=["email"])
    idp.admin_create_user(
        UserPoolId=pool_id,
        Username="owner",
        UserAttributes=attrs(email="taken@example.com", email_verified="true"),
        MessageAction="SUPPRESS",
    )
    header = header_of(idp, pool_id)
    rows = [
        person("second", email="Taken@example.com"),
        person("third", email="shared@example.com"),
        person("fourth", email="shared@example.com"),
        person("fifth", email="fine@example.com"),
    ]
    done = run_import(idp, pool_id, csv_bytes(header, rows))
    assert (done["ImportedUsers"], done["FailedUsers"]) == (2, 2)
    assert outcomes(running, done["JobId"]) == [
        (2, "FAILED", "An account with the given email already exists."),
        (4, "FAILED", "An account with the given email already exists."),
    ]


def test_start_stop_and_lookup_errors(idp: Any) -> None:
    pool_id = import_pool(idp)
    job = new_job(idp, pool_id)
    with pytest.raises(ClientError) as err:
        idp.stop_user_import_job(UserPoolId=pool_id, JobId=job["JobId"])
    assert error_of(err) == (
        "PreconditionNotMetException",
        f"Import job {job['JobId']} cannot be stopped: its status is Created.",
    )
    other = import_pool(idp)
    for pool, job_id in ((other, job["JobId"]), (pool_id, "import-nothere0000")):
        with pytest.raises(ClientError) as err:
            idp.describe_user_import_job(UserPoolId=pool, JobId=job_id)
        assert error_of(err) == ("ResourceNotFoundException", f"Import job {job_id} does not exist.")
    upload(job, csv_bytes(header_of(idp, pool_id), []))
    idp.start_user_import_job(UserPoolId=pool_id, JobId=job["JobId"])
    with pytest.raises(ClientError) as err:
        idp.start_user_import_job(UserPoolId=pool_id, JobId=job["JobId"])
    assert error_of(err)[0] == "PreconditionNotMetException"
    assert wait_done(idp, pool_id, job["JobId"])["Status"] == "Succeeded"
    no_auto = make_pool(idp)
    job = new_job(idp, no_auto)
    with pytest.raises(ClientError) as err:
        idp.start_user_import_job(UserPoolId=no_auto, JobId=job["JobId"])
    assert error_of(err) == (
        "PreconditionNotMetException",
        "The user pool has no auto-verified attribute (email or phone_number) to import users with.",
    )


def test_stop_a_running_job(idp: Any) -> None:
    pool_id = import_pool(idp)
    rows = [person(f"user{n:06d}") for n in range(60000)]
    job = new_job(idp, pool_id)
    upload(job, csv_bytes(header_of(idp, pool_id), rows))
    idp.start_user_import_job(UserPoolId=pool_id, JobId=job["JobId"])
    stopping = idp.stop_user_import_job(UserPoolId=pool_id, JobId=job["JobId"])["UserImportJob"]
    assert stopping["Status"] == "Stopping"
    done = wait_done(idp, pool_id, job["JobId"])
    assert (done["Status"], done["CompletionMessage"]) == ("Stopped", "The import job was stopped.")
    assert done["ImportedUsers"] < len(rows)
    assert user_count(idp, pool_id) == done["ImportedUsers"]


def test_list_jobs_in_pages(idp: Any) -> None:
    pool_id = import_pool(idp)
    ids = [new_job(idp, pool_id, f"job {n}")["JobId"] for n in range(3)]
    first = idp.list_user_import_jobs(UserPoolId=pool_id, MaxResults=2)
    assert [j["JobId"] for j in first["UserImportJobs"]] == ids[:2]
    rest = idp.list_user_import_jobs(
        UserPoolId=pool_id, MaxResults=2, PaginationToken=first["PaginationToken"]
    )
    assert [j["JobId"] for j in rest["UserImportJobs"]] == ids[2:]
    assert "PaginationToken" not in rest
    with pytest.raises(ClientError) as err:
        idp.list_user_import_jobs(UserPoolId=pool_id, MaxResults=2, PaginationToken="garbage")
    assert error_of(err) == ("InvalidParameterException", "Invalid pagination token.")


def test_a_job_never_started_expires(idp: Any, clock: ShiftedClock) -> None:
    pool_id = import_pool(idp)
    job = new_job(idp, pool_id)
    clock.advance(25 * 3600)
    assert (
        idp.describe_user_import_job(UserPoolId=pool_id, JobId=job["JobId"])["UserImportJob"]["Status"]
        == "Expired"
    )
    with pytest.raises(ClientError) as err:
        idp.start_user_import_job(UserPoolId=pool_id, JobId=job["JobId"])
    assert error_of(err)[0] == "PreconditionNotMetException"


def test_one_claim_wins_and_a_stale_job_resumes(running: Running, idp: Any, clock: ShiftedClock) -> None:
    """Several processes: the job row is taken by a conditional UPDATE; a job whose runner died is
    resumed from its committed offset by another."""
    pool_id = import_pool(idp)
    job = new_job(idp, pool_id)
    upload(job, csv_bytes(header_of(idp, pool_id), [person(f"p{n}") for n in range(10)]))
    engine, now = running.server.engine, clock.now()
    with transaction(engine) as conn:
        store.update_job(
            conn, job["JobId"], status="InProgress", started_at=now, runner="gone", heartbeat_at=now
        )
    assert importer.claim(engine, clock, job["JobId"]) is None  # somebody runs it
    with transaction(engine) as conn:
        stale = store.get_job(conn, job["JobId"])
    assert stale is not None
    importer.resume_stale(engine, clock, Settings())  # not stale yet: nothing happens
    assert (
        idp.describe_user_import_job(UserPoolId=pool_id, JobId=job["JobId"])["UserImportJob"]["Status"]
        == "InProgress"
    )
    clock.advance(importer.STALE_AFTER + 1)
    importer.resume_stale(engine, clock, Settings())
    assert importer.claim(engine, clock, job["JobId"], previous=stale) is None  # taken already
    done = wait_done(idp, pool_id, job["JobId"])
    assert (done["Status"], done["ImportedUsers"]) == ("Succeeded", 10)


def test_cli_import_on_a_sqlite_file(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    with served(url, "sqlite") as live:
        idp = live.client()
        pool_id = import_pool(idp)
        rows: list[Mapping[str, str] | bytes] = [
            person(f"cli{n:05d}", given_name=f"N{n}") for n in range(3000)
        ]
        rows[10] = person("broken", email="nope")
        path = tmp_path / "users.csv"
        path.write_bytes(csv_bytes(header_of(idp, pool_id), rows))
        command = [sys.executable, "-m", "userpool.cli", "import", str(path), "--pool", pool_id, "--db", url]
        done = subprocess.run(command, capture_output=True, text=True, timeout=120)
        assert done.returncode == 0, done.stderr
        assert "[##############################] 100%" in done.stderr
        assert "[FAILED] Line Number 12 - Invalid email address format." in done.stderr
        assert "Succeeded: imported 2,999, skipped 0, failed 1." in done.stderr
        jobs = idp.list_user_import_jobs(UserPoolId=pool_id, MaxResults=5)["UserImportJobs"]
        assert [(j["Status"], j["ImportedUsers"], j["FailedUsers"]) for j in jobs] == [("Succeeded", 2999, 1)]
        assert idp.admin_get_user(UserPoolId=pool_id, Username="cli02999")["UserStatus"] == "RESET_REQUIRED"
        with transaction(live.server.engine) as conn:
            count = conn.execute(
                sa.select(sa.func.count()).select_from(users).where(users.c.pool_id == pool_id)
            )
            assert count.scalar_one() == 2999
        again = subprocess.run(command, capture_output=True, text=True, timeout=120)
        assert again.returncode == 1
        assert "skipped 2,999, failed 1." in again.stderr


def test_cli_import_checkpoints_in_a_thread_of_its_own(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`userpool import` copies SQLite's log into the database from a thread while the batches
    commit (its engine leaves the commits without checkpoints), and stops the thread at the end."""
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    with served(url, "sqlite") as live:
        idp = live.client()
        pool_id = import_pool(idp)
        path = tmp_path / "users.csv"
        rows: list[Mapping[str, str] | bytes] = [person(f"cp{n:05d}") for n in range(2000)]
        path.write_bytes(csv_bytes(header_of(idp, pool_id), rows))
    seen: list[str] = []
    checkpoint = db.checkpoint

    def watched(engine: sa.Engine) -> None:
        seen.append(threading.current_thread().name)
        checkpoint(engine)

    monkeypatch.setattr(db, "checkpoint", watched)
    monkeypatch.setattr(db, "CHECKPOINT_INTERVAL", 0.001)
    monkeypatch.setattr(importer, "BATCH_SIZE", 100)
    running = set(threading.enumerate())  # other tests' servers may have maintenance threads
    engine = db.create_engine(url, background_checkpoints=True)
    try:
        out = io.StringIO()
        assert import_cli.import_file(engine, str(path), pool_id, job_name="cp", show=0, out=out) == 0
    finally:
        engine.dispose()
    assert "Succeeded: imported 2,000" in out.getvalue()
    assert seen and set(seen) == {"userpool-maintenance"}
    assert set(threading.enumerate()) <= running


def test_cli_import_errors(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    command = [sys.executable, "-m", "userpool.cli", "import", str(tmp_path / "missing.csv"), "--pool", "x_y"]
    done = subprocess.run([*command, "--db", url], capture_output=True, text=True, timeout=60)
    assert (done.returncode, done.stderr.strip()) == (
        1,
        f"userpool import: {tmp_path / 'missing.csv'}: no such file",
    )
    (tmp_path / "u.csv").write_text("cognito:username\n")
    command[4] = str(tmp_path / "u.csv")
    done = subprocess.run([*command, "--db", url], capture_output=True, text=True, timeout=60)
    assert (done.returncode, done.stderr.strip()) == (
        1,
        "ResourceNotFoundException: User pool x_y does not exist.",
    )


def test_a_long_attribute_value_imports_and_stays_filterable(idp: Any) -> None:
    """A value longer than the 512-character index key (store.users.value_key) imports like one
    created through the API, and a `^=` filter on it still finds the user."""
    pool_id = import_pool(idp)
    long_name = "Ada " + "x" * 1000
    done = run_import(idp, pool_id, csv_bytes(header_of(idp, pool_id), [person("ada", name=long_name)]))
    assert done["ImportedUsers"] == 1
    found = idp.list_users(UserPoolId=pool_id, Filter=f'name ^= "{long_name[:200]}"')["Users"]
    assert [u["Username"] for u in found] == ["ada"]
    assert {"Name": "name", "Value": long_name} in found[0]["Attributes"]
