"""Reading an import job's CSV: the uploaded copy in the database or a local file, as numbered
lines with the byte offset after each (a job resumes from an offset), split into values as the
developer guide writes them; and `Prefetch`, which reads ahead in a thread of its own."""

from __future__ import annotations

import csv
import queue
import threading
from collections.abc import Generator, Iterator
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path
from typing import Generic, TypeVar

import sqlalchemy as sa

from userpool.store import imports as store
from userpool.store.db import transaction
from userpool.store.imports import CHUNK_SIZE, ImportJob

T = TypeVar("T")


class JobFailed(Exception):
    """The file cannot be imported at all: the job ends Failed with this CompletionMessage."""


@dataclass(frozen=True)
class Line:
    number: int
    end: int  # byte offset just after the line
    raw: bytes


def _file_blocks(path: str, start: int) -> Iterator[bytes]:
    try:
        handle = Path(path).open("rb")  # noqa: SIM115 (closed below, the generator may pause)
    except OSError as err:
        raise JobFailed(f"The CSV file cannot be read: {err.strerror or err}.") from None
    with handle:
        handle.seek(start)
        yield from iter(lambda: handle.read(CHUNK_SIZE), b"")


def _upload_blocks(engine: sa.Engine, job_id: str, start: int) -> Iterator[bytes]:
    seq, skip = divmod(start, CHUNK_SIZE)
    while True:
        with transaction(engine) as conn:
            chunk = store.upload_chunk(conn, job_id, seq)
        if chunk is None:
            return
        yield chunk[skip:]
        seq, skip = seq + 1, 0


def lines(engine: sa.Engine, job: ImportJob, start: int, first_number: int) -> Generator[Line, None, None]:
    """The job's CSV lines from byte offset `start` (numbered from `first_number`), without their
    line ends: the local file when the job has one, else the upload."""
    if job.source is not None:
        blocks = _file_blocks(job.source, start)
    elif job.uploaded_bytes is not None:
        blocks = _upload_blocks(engine, job.id, start)
    else:
        raise JobFailed("No CSV file was uploaded to the job's PreSignedUrl.")
    pending, offset, number = b"", start, first_number
    for block in blocks:
        parts = (pending + block).split(b"\n")
        pending = parts.pop()
        for part in parts:
            offset += len(part) + 1
            yield Line(number, offset, part.rstrip(b"\r"))
            number += 1
    if pending:
        yield Line(number, offset + len(pending), pending.rstrip(b"\r"))


def fields_of(text: str) -> list[str]:
    """[DOC DG-IMPORT]: values are not quoted; a comma inside a value is written `\\,`."""
    if "\\" not in text:
        return text.split(",")
    return next(csv.reader([text], quoting=csv.QUOTE_NONE, escapechar="\\"), [])


def header(engine: sa.Engine, job: ImportJob) -> tuple[list[str], int]:
    """The header line's columns and the byte offset after it."""
    with closing(lines(engine, job, 0, 1)) as found:
        first = next(found, None)
    if first is None or not first.raw.strip():
        raise JobFailed("The CSV file is empty: it has no header line.")
    try:
        text = first.raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise JobFailed("The CSV header line is not UTF-8 text.") from None
    return [c.strip() for c in fields_of(text)], first.end


class Prefetch(Generic[T]):
    """Iterate `source` in a daemon thread, at most `depth` items ahead of the consumer (the
    source's work overlaps the consumer's database waits). Exceptions reach the consumer."""

    def __init__(self, source: Generator[T, None, None], depth: int = 2) -> None:
        self._queue: queue.Queue[tuple[str, object]] = queue.Queue(maxsize=depth)
        self._closed = threading.Event()
        self._thread = threading.Thread(
            target=self._fill, args=(source,), name="import-prefetch", daemon=True
        )
        self._thread.start()

    def _offer(self, kind: str, value: object) -> bool:
        while not self._closed.is_set():
            try:
                self._queue.put((kind, value), timeout=0.1)
                return True
            except queue.Full:
                continue
        return False

    def _fill(self, source: Generator[T, None, None]) -> None:
        with closing(source):
            try:
                for item in source:
                    if not self._offer("item", item):
                        return
            except BaseException as err:  # handed to the consumer
                self._offer("error", err)
                return
        self._offer("end", None)

    def __iter__(self) -> Iterator[T]:
        while True:
            kind, value = self._queue.get()
            if kind == "end":
                return
            if kind == "error":
                assert isinstance(value, BaseException)
                raise value
            yield value  # type: ignore[misc]

    def close(self) -> None:
        self._closed.set()
        self._thread.join(timeout=30)
