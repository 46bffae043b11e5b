"""Engines for the two storage back ends: SQLite (the embedded default) and PostgreSQL.

SQLite runs in WAL mode with a busy timeout, and every operation's transaction starts with
`BEGIN IMMEDIATE` so concurrent writers queue instead of failing (ARCHITECTURE idea 3). They queue
on a lock of their own first (`_WriterLock`): a thread lock in the process and an flock on
`<database>.lock` between processes, so a waiter wakes as soon as the holder commits instead of
SQLite's busy handler sleeping 1, 2, 5, 10 ... 100 ms between tries.
"""

from __future__ import annotations

import fcntl
import math
import os
import signal
import sqlite3
import threading
import time
import weakref
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext
from pathlib import Path
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from sqlalchemy.dialects import sqlite

from userpool import jsoncodec

if TYPE_CHECKING:
    from sqlalchemy.dialects import postgresql

DATA_DIR_ENV = "USERPOOL_DATA_DIR"


def default_data_dir() -> Path:
    """`$USERPOOL_DATA_DIR`, else `$XDG_DATA_HOME/userpool`, else `~/.local/share/userpool`."""
    explicit = os.environ.get(DATA_DIR_ENV)
    if explicit:
        return Path(explicit)
    xdg = os.environ.get("XDG_DATA_HOME")
    base = Path(xdg) if xdg else Path.home() / ".local" / "share"
    return base / "userpool"


def default_db_url() -> str:
    return f"sqlite:///{default_data_dir() / 'userpool.db'}"


def normalise_url(url: str) -> str:
    """Accept `postgresql://` and `postgres://` and use the psycopg 3 driver for them."""
    for prefix in ("postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def create_engine(url: str, *, background_checkpoints: bool = False) -> sa.Engine:
    """An engine for `url`. `background_checkpoints` (SQLite): transactions never checkpoint the
    WAL themselves; the caller runs `checkpoint` periodically (the server does, every second)."""
    url = normalise_url(url)
    if url.startswith("sqlite"):
        return _sqlite_engine(url, background_checkpoints)
    return _postgres_engine(url)


# JSON columns through orjson (userpool/jsoncodec.py).
_JSON_CODEC: dict[str, Any] = {"json_serializer": jsoncodec.dumps_text, "json_deserializer": jsoncodec.loads}


# How often a server moves SQLite's WAL into the database file (see `checkpoint`), and the WAL
# size past which it also lets the next writer start the WAL over.
CHECKPOINT_INTERVAL = 1.0
_WAL_RESTART_BYTES = 4 << 20  # about the 1,000 pages of SQLite's own checkpoints
_WAL_SIZE_LIMIT = 256 << 20  # what a restarted WAL's file is truncated to (`_sqlite_pool`)


def checkpoint(engine: sa.Engine) -> None:
    """Copy what SQLite's WAL holds into the database file (nothing on PostgreSQL), off the request
    path. Left to SQLite, every thousandth page written makes the committing transaction
    checkpoint, fsync included, while it holds the write lock: with AdminCreateUser in one process,
    p99 12 ms against 0.97 ms with checkpoints done here.

    First a PASSIVE checkpoint without any lock: it copies nearly everything (and syncs) while
    writers carry on. SQLite rewrites the WAL from its start only when a writer begins with every
    frame already copied, which under a steady stream of writers never happens, so once the WAL
    is over `_WAL_RESTART_BYTES` a second checkpoint runs holding the writer lock: it has little
    left to copy, and the next writer then starts the WAL over."""
    if engine.dialect.name != "sqlite":
        return
    _checkpoint(engine)
    path = engine.url.database
    lock = _writer_lock(engine)
    if lock is None or not path or not os.path.exists(f"{path}-wal"):
        return
    if os.path.getsize(f"{path}-wal") > _WAL_RESTART_BYTES:
        with lock.held():
            _checkpoint(engine)


def _checkpoint(engine: sa.Engine) -> None:
    # On the driver's connection, outside any transaction: SQLite refuses to checkpoint inside one
    # ("database table is locked"), and a SQLAlchemy connection begins one on first use.
    raw = engine.raw_connection()
    try:
        raw.driver_connection.execute("PRAGMA wal_checkpoint(PASSIVE)")  # type: ignore[union-attr]
    finally:
        raw.close()


def _postgres_engine(url: str) -> sa.Engine:
    """The driver in autocommit mode, and every transaction's `BEGIN` (`READ ONLY` for a reading
    one) sent when SQLAlchemy begins it, as SQLite's engine does. So a transaction's first round
    trip is its `BEGIN`, and a connection that PostgreSQL dropped (a restart, an administrator's
    `pg_terminate_backend`) shows there, before anything has run: `transaction` then begins again
    on a new one. SQLAlchemy's pre-ping found such connections with a round trip of its own (`;`)
    at every checkout: one of a password sign-in's eight."""
    engine = sa.create_engine(url, pool_size=8, max_overflow=8, isolation_level="AUTOCOMMIT", **_JSON_CODEC)

    @sa.event.listens_for(engine, "begin")
    def _on_begin(conn: sa.Connection) -> None:
        # Straight to the driver, as on SQLite; the simple protocol, as psycopg sends its own BEGIN.
        begin = b"BEGIN READ ONLY" if conn.get_execution_options().get(_READ_ONLY) else b"BEGIN"
        conn.connection.dbapi_connection.execute(begin, prepare=False)  # type: ignore[union-attr]

    return engine


# The execution option that makes a PostgreSQL transaction `BEGIN READ ONLY`.
_READ_ONLY = "userpool_read_only"


def _sqlite_engine(url: str, background_checkpoints: bool) -> sa.Engine:
    path = sa.make_url(url).database
    if path and path != ":memory:":
        Path(path).parent.mkdir(parents=True, exist_ok=True)
    engine = _sqlite_pool(url, background_checkpoints, query_only=False)
    if path and path != ":memory:":  # an in-memory database is one connection's alone
        reader = _sqlite_pool(url, background_checkpoints, query_only=True)
        _READERS[engine] = reader
        sa.event.listen(engine, "engine_disposed", lambda _: reader.dispose())
    return engine


# The engine whose connections only read (`PRAGMA query_only` set once, on connect) beside each
# SQLite engine: setting that flag expires every statement the connection has prepared (SQLite
# compiles flag pragmas with OP_Expire), so set per transaction it made every statement of every
# call be compiled again: 25-45 µs each instead of 7 (a fifth of a password sign-in's CPU).
_READERS: weakref.WeakKeyDictionary[sa.Engine, sa.Engine] = weakref.WeakKeyDictionary()


def _sqlite_pool(url: str, background_checkpoints: bool, *, query_only: bool) -> sa.Engine:
    engine = sa.create_engine(url, connect_args={"check_same_thread": False, "timeout": 30}, **_JSON_CODEC)
    kept: list[sa.Connection] = []
    _KEPT[engine] = kept
    sa.event.listen(engine, "engine_disposed", lambda _: _close_kept(kept))

    @sa.event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        # Let SQLAlchemy own transaction boundaries (pysqlite's own BEGIN handling is off).
        dbapi_conn.isolation_level = None
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA synchronous=NORMAL")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute(f"PRAGMA busy_timeout={_BUSY_TIMEOUT_MS}")
        if background_checkpoints:
            cur.execute("PRAGMA wal_autocheckpoint=0")
        # A checkpointed WAL is rewritten from its start; this truncates it back to _WAL_SIZE_LIMIT.
        # The truncation is done by the first commit after the restart, holding the writer: at
        # 64 MiB, creates at 4 clients (a second's WAL about 120 MB) had that commit take 13-18 ms
        # once a second (docs/performance.md, session 28).
        cur.execute(f"PRAGMA journal_size_limit={_WAL_SIZE_LIMIT}")
        if query_only:
            cur.execute("PRAGMA query_only=1")
        cur.close()

    @sa.event.listens_for(engine, "begin")
    def _on_begin(conn: sa.Connection) -> None:
        # Straight to the driver: through SQLAlchemy's execution path it cost a tenth of a request.
        # A reading transaction is deferred (and its connection refuses writes); a writing one
        # takes SQLite's write lock at once, so a busy database makes it wait here, not fail later.
        driver = conn.connection.dbapi_connection
        if query_only:
            driver.execute("BEGIN")  # type: ignore[union-attr]
        else:
            _begin_immediate(driver, conn.get_execution_options().get(_WAIT, math.inf))

    return engine


# SQLAlchemy connections of each SQLite engine kept open between transactions (`_connection`):
# opening one per transaction (Connection, pool checkout and checkin, events) cost 80 µs, more
# than the five statements of a password sign-in.
_KEPT: weakref.WeakKeyDictionary[sa.Engine, list[sa.Connection]] = weakref.WeakKeyDictionary()
_KEEP_AT_MOST = 8


@contextmanager
def _connection(engine: sa.Engine) -> Iterator[sa.Connection]:
    """A connection of SQLite's `engine` for one transaction: one kept from an earlier
    transaction if one is free (each is used by one thread at a time), else a new one."""
    kept = _KEPT[engine]
    try:
        conn = kept.pop()
    except IndexError:
        conn = engine.connect()
    try:
        yield conn
    finally:
        if conn.closed or conn.invalidated or conn.in_transaction() or len(kept) >= _KEEP_AT_MOST:
            conn.close()
        else:
            kept.append(conn)


def _close_kept(kept: list[sa.Connection]) -> None:
    """At the engine's dispose: the kept connections' driver connections are closed (closing the
    SQLAlchemy connection alone would hand them back to the pool just disposed)."""
    while kept:
        conn = kept.pop()
        conn.invalidate()
        conn.close()


# SQLite's own wait for a lock held by another connection (`PRAGMA busy_timeout`), in ms.
_BUSY_TIMEOUT_MS = 30000


def _begin_immediate(driver: Any, wait: float) -> None:
    """Take SQLite's write lock, waiting at most `wait` seconds for it.

    userpool's own writers queue on `_WriterLock` before they get here; only a writer outside
    userpool (the sqlite3 shell, a backup or replication tool) can hold SQLite's lock now. With a
    bounded wait, SQLite's busy timeout is cut to it for this one statement, so that such a writer
    makes a call on the event loop give up (`WriterBusy`) rather than hold up the loop for the 30 s
    of the busy timeout."""
    if wait == math.inf:
        driver.execute("BEGIN IMMEDIATE")
        return
    driver.execute(f"PRAGMA busy_timeout={max(1, math.ceil(wait * 1000))}")
    try:
        driver.execute("BEGIN IMMEDIATE")
    except sqlite3.OperationalError as err:
        if err.sqlite_errorcode == sqlite3.SQLITE_BUSY:
            raise WriterBusy from None
        raise
    finally:
        driver.execute(f"PRAGMA busy_timeout={_BUSY_TIMEOUT_MS}")


def upsert(conn: sa.Connection, table: sa.Table) -> postgresql.Insert | sqlite.Insert:
    """An INSERT into `table` that takes ON CONFLICT clauses, in the connection's dialect (both
    engines spell them alike)."""
    if is_postgres(conn.engine):
        # Imported on first use: importing PostgreSQL's dialect at every start (50 ms) slowed a
        # SQLite server's start for nothing.
        from sqlalchemy.dialects import postgresql

        return postgresql.insert(table)
    return sqlite.insert(table)


def refused_write(err: BaseException) -> bool:
    """Whether `err` is the database refusing a write in a read-only transaction (SQLite's
    `query_only`: SQLITE_READONLY; PostgreSQL's READ ONLY: SQLSTATE 25006), raised by the driver
    or wrapped by SQLAlchemy."""
    cause = getattr(err, "orig", None) or err
    if isinstance(cause, sqlite3.Error):
        return cause.sqlite_errorcode == sqlite3.SQLITE_READONLY
    return getattr(cause, "sqlstate", None) == "25006"


class WriterBusy(Exception):
    """`transaction(wait=...)` found SQLite's write lock taken for that long; nothing has run."""


# How often a bounded wait looks at the lock file again where it cannot block (`_lock_file`).
_POLL_SECONDS = 0.00005


class _WriterLock:
    """Who may run a transaction on one SQLite database now: one thread of this process (a lock),
    and one process (an exclusive flock on `<database>.lock`, dropped when its descriptor closes).
    Blocked waiters are woken by the release, in this process and in others."""

    def __init__(self, path: str | None) -> None:
        self.thread = threading.Lock()
        self.path = f"{path}.lock" if path and path != ":memory:" else None

    @contextmanager
    def held(self, *, wait: float = math.inf) -> Iterator[None]:
        """Hold the lock; raise `WriterBusy` if it stays taken for `wait` seconds."""
        deadline = time.monotonic() + wait
        if not self.thread.acquire(timeout=-1 if wait == math.inf else wait):
            raise WriterBusy
        try:
            if self.path is None:
                yield
                return
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
            try:  # closing the descriptor drops the flock, however this block is left
                _lock_file(fd, deadline)
                yield
            finally:
                os.close(fd)
        finally:
            self.thread.release()


def _lock_file(fd: int, deadline: float) -> None:
    if deadline == math.inf:
        fcntl.flock(fd, fcntl.LOCK_EX)
        return
    if _try_lock_file(fd):
        return
    if threading.current_thread() is threading.main_thread() and _alarm_is_free():
        _lock_file_by(fd, deadline)
        return
    while not _try_lock_file(fd):
        if time.monotonic() >= deadline:
            raise WriterBusy
        time.sleep(_POLL_SECONDS)


def _try_lock_file(fd: int) -> bool:
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    return True


class _Alarm:
    """Whether a SIGALRM now ends a wait of `_lock_file_by`'s."""

    armed = False


def _on_alarm(signum: int, frame: object) -> None:
    if _Alarm.armed:
        _Alarm.armed = False
        raise WriterBusy


def _alarm_is_free() -> bool:
    """Whether SIGALRM and the real-time timer are free for `_lock_file_by`: no handler but its own
    or the default, and no timer running. A program that runs userpool in its own process may use
    them (a test runner's timeout, say); its wait then looks at the lock again and again."""
    handler = signal.getsignal(signal.SIGALRM)
    return handler in (signal.SIG_DFL, _on_alarm) and signal.getitimer(signal.ITIMER_REAL) == (0.0, 0.0)


def _lock_file_by(fd: int, deadline: float) -> None:
    """A blocking flock, ended by a one-shot timer at `deadline` (flock cannot time out), for the
    main thread, where the event loop runs the calls: the kernel wakes it as the holder lets go.
    Looking at the lock every 50 µs instead, a wait lasted 0.19 ms on average (a sleep of 50 µs
    takes 0.1-0.2 ms), with the worker's core idle; woken, 0.10 ms (creates at 4 clients, two
    workers, docs/performance.md, session 29). A timer that fires just after the lock was taken
    raises all the same, and the call waits in a worker thread instead (`held` drops the flock)."""
    seconds = deadline - time.monotonic()
    if seconds <= 0:
        raise WriterBusy
    if signal.getsignal(signal.SIGALRM) is not _on_alarm:
        signal.signal(signal.SIGALRM, _on_alarm)
    _Alarm.armed = True
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        _Alarm.armed = False


_WRITER_LOCKS: dict[str | None, _WriterLock] = {}
_WRITER_LOCKS_GUARD = threading.Lock()


def _writer_lock(engine: sa.Engine) -> _WriterLock | None:
    if engine.dialect.name != "sqlite":
        return None
    path = engine.url.database
    key = os.path.abspath(path) if path and path != ":memory:" else path
    found = _WRITER_LOCKS.get(key)
    if found is None:
        with _WRITER_LOCKS_GUARD:
            found = _WRITER_LOCKS.setdefault(key, _WriterLock(key))
    return found


# The execution option bounding a writing transaction's wait for SQLite's own lock (seconds).
_WAIT = "userpool_wait"


@contextmanager
def transaction(
    engine: sa.Engine, *, read_only: bool = False, wait: float = math.inf
) -> Iterator[sa.Connection]:
    """One operation, one transaction: committed on success, rolled back on any exception.

    `read_only`: the transaction sees one snapshot and cannot write (SQLite: a connection of the
    engine's reader, `query_only`; PostgreSQL: `READ ONLY`). On SQLite it does not queue for the
    write lock, so reads from several processes run side by side with each other and with a writer
    (WAL readers never wait). An in-memory SQLite database has no reader (a second connection would
    open another database): there a read-only transaction is an ordinary one.
    `wait`: raise `WriterBusy` rather than wait longer than this many seconds, in all, for SQLite's
    write lock (another transaction of userpool's, or a writer outside userpool).
    """
    if is_postgres(engine):
        with _postgres_transaction(engine, read_only=read_only) as conn:
            yield conn
        return
    lock = None if read_only else _writer_lock(engine)
    if read_only:
        engine = _READERS.get(engine, engine)
    deadline = time.monotonic() + wait
    with lock.held(wait=wait) if lock is not None else nullcontext(), _connection(engine) as conn:
        if lock is not None:  # what is left of the wait, for SQLite's lock (set every time: kept)
            conn = conn.execution_options(**{_WAIT: max(0.0, deadline - time.monotonic())})
        with conn.begin():
            yield conn


@contextmanager
def _postgres_transaction(engine: sa.Engine, *, read_only: bool) -> Iterator[sa.Connection]:
    """A transaction on a pooled connection (`_postgres_begun`)."""
    conn, begun = _postgres_begun(engine, read_only=read_only)
    try:
        with begun:
            yield conn
    finally:
        conn.close()


def _postgres_begun(
    engine: sa.Engine, *, read_only: bool, again: bool = True
) -> tuple[sa.Connection, sa.RootTransaction]:
    """A pooled connection and its begun transaction. If the `BEGIN` finds the connection dropped
    by PostgreSQL (`_postgres_engine`), the pool's idle connections, dropped with it by a restart,
    are discarded, and the transaction begins once more (`again`) on a new connection."""
    conn = engine.connect()
    if read_only:
        conn = conn.execution_options(**{_READ_ONLY: True})
    try:
        return conn, conn.begin()
    except Exception:
        dropped = bool(getattr(conn.connection.dbapi_connection, "broken", False))
        conn.invalidate()
        conn.close()
        if not (dropped and again):
            raise
    engine.pool.dispose()
    return _postgres_begun(engine, read_only=read_only, again=False)


def page_by_creation(
    query: sa.Select[Any],
    created: sa.ColumnElement[Any],
    key: sa.ColumnElement[Any],
    after: tuple[float, str] | None,
    limit: int,
) -> sa.Select[Any]:
    """`query` in (created, key) order, `limit` rows after the position `after` (keyset paging)."""
    if after is not None:
        at, last = after
        query = query.where(sa.or_(created > at, sa.and_(created == at, key > last)))
    return query.order_by(created, key).limit(limit)


def is_postgres(engine: sa.Engine) -> bool:
    return engine.dialect.name == "postgresql"


@contextmanager
def scratch_postgres(admin_url: str, prefix: str = "userpool_scratch") -> Iterator[str]:
    """A new, empty PostgreSQL database for a test or a benchmark, dropped afterwards; yields its
    URL. `admin_url` names a database of the same server the caller may create databases from."""
    import secrets

    import psycopg

    name = f"{prefix}_{secrets.token_hex(4)}"
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield str(sa.make_url(admin_url).set(database=name).render_as_string(hide_password=False))
    finally:
        with psycopg.connect(admin_url, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
