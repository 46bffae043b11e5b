"""Operation registry and the one path every request takes: parse, validate, run in a transaction,
shape the response (ARCHITECTURE idea 1: the botocore model is the contract)."""

from __future__ import annotations

import logging
import math
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from userpool import jsoncodec
from userpool.api.context import Context, WriterRequired
from userpool.api.errors import CognitoError
from userpool.api.model import operation_model
from userpool.api.serialize import shape_response
from userpool.api.validate import parse_request
from userpool.clock import Clock
from userpool.domain import ids
from userpool.settings import Settings
from userpool.store.db import WriterBusy, is_postgres, refused_write, transaction

log = logging.getLogger("userpool")

Handler = Callable[[Context, dict[str, Any]], Mapping[str, Any]]
HANDLERS: dict[str, Handler] = {}
# After-commit effects of a call (deliveries by SMTP or webhook, an import job's start).
Effects = list[Callable[[], None]]
# Operations whose transaction only reads (`transaction(read_only=True)`): on SQLite they do not
# queue behind writers, and a write inside one fails.
READS_ONLY: set[str] = set()
# Operations that, for requests the predicate picks, mostly only read (a password sign-in, whose
# tokens need no row; a refresh) or make only writes that can wait until the reading is done
# (`Context.write_after_reading`): on SQLite those run in a read-only transaction,
# so that they neither queue for the one writer nor make other processes drop their page caches,
# then write in a short writing transaction, and run again as a writer if the database refuses a
# write. PostgreSQL has no one writer to spare: there they run once, as writers (two transactions
# instead of one made AdminCreateUser 13% slower there).
READS_FIRST: dict[str, Callable[[dict[str, Any]], bool]] = {}
# Work an operation's handler may use that needs nothing but the request, done before the
# transaction so that no lock is held meanwhile; its result is the handler's `Context.ahead`.
AHEAD: dict[str, Callable[[dict[str, Any]], object]] = {}


def operation(
    name: str,
    *,
    reads_only: bool = False,
    reads_first: Callable[[dict[str, Any]], bool] | None = None,
    ahead: Callable[[dict[str, Any]], object] | None = None,
) -> Callable[[Handler], Handler]:
    """Register the handler of a modelled operation (`@operation("InitiateAuth")`);
    `reads_only` for one that never writes (`@operation("ListUsers", reads_only=True)`);
    `reads_first` for one whose requests it picks mostly only read (`READS_FIRST`);
    `ahead` for work from the validated request alone to do before the transaction (`AHEAD`)."""
    if operation_model(name) is None:
        raise ValueError(f"{name} is not an operation of the cognito-idp model")

    def register(fn: Handler) -> Handler:
        if name in HANDLERS:
            raise ValueError(f"{name} registered twice")
        HANDLERS[name] = fn
        if reads_only:
            READS_ONLY.add(name)
        if reads_first is not None:
            READS_FIRST[name] = reads_first
        if ahead is not None:
            AHEAD[name] = ahead
        return fn

    return register


@dataclass(frozen=True)
class Reply:
    status: int
    body: bytes
    headers: dict[str, str]


@dataclass(frozen=True)
class Server:
    """The process-wide collaborators an invocation needs."""

    engine: sa.Engine
    clock: Clock
    settings: Settings


# What an HTTP header value may hold (h11's field-value: visible Latin-1, inner spaces and tabs).
_NOT_IN_HEADER = re.compile(r"[^\t\x20-\x7e\x80-\xff]")
# HTTP clients cap a response head (h11: 16 KiB, http.client: 64 KiB a line); the body has it all.
_HEADER_MESSAGE_MAX = 2048


def header_text(message: str) -> str:
    """`message` as a valid header value: a validation message echoes the caller's raw value,
    which may hold CR, LF, NUL, non-Latin-1 text or 100 KiB (the body always carries the full text)."""
    return _NOT_IN_HEADER.sub("?", message)[:_HEADER_MESSAGE_MAX].strip(" \t")


def error_reply(err: CognitoError, request_id: str) -> Reply:
    """Cognito's error envelope (core spec §1.3): the status, `{"__type", "message"}`, and the
    headers AWS sends with it."""
    headers = {"x-amzn-RequestId": request_id, "x-amzn-ErrorType": f"{err.code}:"}
    if err.message is not None:
        headers["x-amzn-ErrorMessage"] = header_text(err.message)
    return Reply(err.status, jsoncodec.dumps(err.body()), headers)


def not_implemented(name: str) -> CognitoError:
    """Core spec §1.5: a modelled operation we do not implement says so, never a 500."""
    model = operation_model(name)
    declared = {shape.name for shape in model.error_shapes} if model else set()
    code = (
        "UnsupportedOperationException"
        if "UnsupportedOperationException" in declared
        else "InvalidParameterException"
    )
    return CognitoError(code, f"Operation {name} is not implemented by this emulator")


# An AWS region name (`us-east-1`, `us-gov-west-1`), short enough for the ids built from it: a
# device key `<region>_<uuid>` must fit the model's 55 characters (core spec §2).
_AWS_REGION = re.compile(r"[a-z]{2}(?:-[a-z]+)+-[0-9]{1,2}")
_REGION_MAX = 55 - len("_") - 36


def plausible_region(region: str | None) -> str | None:
    """The credential scope's region, or None (an unsigned call) when it cannot be a region name:
    a garbage `Authorization` header must not make pool ids no call can address [INF]."""
    if region is None or len(region) > _REGION_MAX or not _AWS_REGION.fullmatch(region):
        return None
    return region


def invoke(
    server: Server,
    target: str,
    body: bytes,
    *,
    region: str | None,
    wait: float = math.inf,
    effects: Effects | None = None,
) -> Reply:
    """Answer one `X-Amz-Target` call; every outcome is Cognito's shape.

    `wait`: raise `WriterBusy` rather than wait longer than this many seconds for SQLite's write
    lock (nothing has run then).
    `effects`: a list to receive the after-commit effects (deliveries) for the caller to run
    with `run_effects` before it answers; without it they run here."""
    request_id = ids.new_uuid()
    try:
        result = _run(server, target, body, plausible_region(region), wait, effects)
    except CognitoError as err:
        return error_reply(err, request_id)
    except WriterBusy:
        raise
    except Exception:
        log.exception("internal error in %s", target)
        return internal_error_reply(request_id)
    return Reply(200, jsoncodec.dumps(result), {"x-amzn-RequestId": request_id})


def internal_error_reply(request_id: str) -> Reply:
    """HTTP 500 `InternalErrorException`: a call that failed for a reason of the server's own."""
    return error_reply(
        CognitoError("InternalErrorException", "Internal server error.", status=500), request_id
    )


def _run(
    server: Server, name: str, body: bytes, region: str | None, wait: float, effects: Effects | None
) -> dict[str, Any]:
    model = operation_model(name) if name else None
    if model is None:
        raise CognitoError("UnknownOperationException")
    params = parse_request(model, body)
    handler = HANDLERS.get(name)
    if handler is None:
        raise not_implemented(name)
    return call(server, name, handler, params, region, wait=wait, effects=effects)


def run_effects(name: str, effects: Effects) -> None:
    """After-commit effects of operation `name`: each runs; a failure is logged, not answered."""
    for effect in effects:
        try:
            effect()
        except Exception:
            log.exception("after-commit effect of %s failed", name)


def call(
    server: Server,
    name: str,
    handler: Handler,
    params: dict[str, Any],
    region: str | None,
    *,
    wait: float = math.inf,
    effects: Effects | None = None,
) -> dict[str, Any]:
    """Run a handler in one transaction and shape its result by the output model (`wait` and
    `effects` as for `invoke`). A request `READS_FIRST` picks runs as a reader first, and again
    from the start as a writer if it tried to write (nothing of the first run is kept but its
    `memo`)."""
    model = operation_model(name)
    assert model is not None
    work_ahead = AHEAD.get(name)
    ahead = None if work_ahead is None else work_ahead(params)
    memo: dict[tuple[object, ...], object] = {}
    picks = READS_FIRST.get(name)
    if picks is not None and picks(params) and not is_postgres(server.engine):
        try:
            result = _attempt(
                server, name, handler, params, region, ahead, memo, wait, effects, read_only=True
            )
        except Exception as err:
            if not (refused_write(err) or isinstance(err, (_LaterWriteFailed, WriterRequired))):
                raise
        else:
            return shape_response(model, result)
    read_only = name in READS_ONLY
    result = _attempt(server, name, handler, params, region, ahead, memo, wait, effects, read_only=read_only)
    return shape_response(model, result)


def _attempt(
    server: Server,
    name: str,
    handler: Handler,
    params: dict[str, Any],
    region: str | None,
    ahead: object,
    memo: dict[tuple[object, ...], object],
    wait: float,
    effects: Effects | None,
    *,
    read_only: bool,
) -> Mapping[str, Any]:
    """The handler in one transaction, then its after-commit effects and deferred work. A reading
    transaction's later writes (`Context.write_after_reading`) are made in a writer transaction
    right after it; if they fail (the row's user was deleted meanwhile, a guard found a change) the
    call runs again as a writer."""
    deferred: list[Callable[[], None]] = []  # work after the commit that the answer needs
    later_writes: list[Callable[[sa.Connection], object]] | None = [] if read_only else None
    kept: CognitoError | None = None
    with transaction(server.engine, read_only=read_only, wait=wait) as conn:
        ctx = Context(
            conn=conn,
            clock=server.clock,
            settings=server.settings,
            region=region,
            deferred=deferred,
            ahead=ahead,
            memo=memo,
            later_writes=later_writes,
        )
        try:
            result = handler(ctx, params)
        except CognitoError as err:
            if not err.keep_changes:
                raise
            kept = err
    if later_writes:
        _write_after_reading(server, later_writes, wait)
    if effects is None:
        run_effects(name, ctx.after_commit)
    else:
        effects += ctx.after_commit
    if kept is not None:
        raise kept
    for work in deferred:
        work()
    return result


class _LaterWriteFailed(Exception):
    """A reading transaction's later writes failed: the call runs again as a writer."""


def _write_after_reading(
    server: Server, later_writes: list[Callable[[sa.Connection], object]], wait: float
) -> None:
    try:
        with transaction(server.engine, wait=wait) as conn:
            for write in later_writes:
                write(conn)
    except (WriterBusy, CognitoError):
        raise
    except Exception as err:
        raise _LaterWriteFailed from err
