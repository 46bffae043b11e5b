"""SQLite's write lock with a bounded wait (`transaction(wait=...)`): calls running on the event
loop wait for it a moment at most, then go to a worker thread to wait (web/protocol.py)."""

from __future__ import annotations

import fcntl
import os
import signal
import sqlite3
import threading
import time
from pathlib import Path

import pytest
import sqlalchemy as sa

from userpool.store import db, migrations


def _engine(tmp_path: Path) -> tuple[sa.Engine, str]:
    path = tmp_path / "lock.db"
    engine = db.create_engine(f"sqlite:///{path}")
    migrations.migrate(engine)
    return engine, f"{path}.lock"


def test_a_write_gives_up_while_another_process_holds_the_lock(tmp_path: Path) -> None:
    engine, lock_path = _engine(tmp_path)
    held = os.open(lock_path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(held, fcntl.LOCK_EX)  # as another process's writing transaction does
        with pytest.raises(db.WriterBusy), db.transaction(engine, wait=0.01):
            pytest.fail("the transaction ran without the lock")
        with db.transaction(engine, read_only=True, wait=0.01) as conn:  # reads never wait
            assert conn.exec_driver_sql("SELECT 1").scalar() == 1
        fcntl.flock(held, fcntl.LOCK_UN)
        with db.transaction(engine, wait=0.01) as conn:
            assert conn.exec_driver_sql("SELECT 1").scalar() == 1
    finally:
        os.close(held)
        engine.dispose()


def _hold_file_lock(lock_path: str, seconds: float) -> threading.Thread:
    """The lock file taken as another process's writing transaction takes it (flock locks belong
    to the open file, so another descriptor of this process waits for it too), let go after
    `seconds`."""
    taken = threading.Event()

    def hold() -> None:
        fd = os.open(lock_path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            taken.set()
            time.sleep(seconds)
        finally:
            os.close(fd)

    thread = threading.Thread(target=hold)
    thread.start()
    assert taken.wait(10)
    return thread


def test_the_main_threads_bounded_wait_takes_the_lock_when_it_is_let_go(tmp_path: Path) -> None:
    """On the main thread, where the event loop runs the calls, the wait is a blocking flock ended
    by a timer: let go within the wait, the transaction runs, and no timer is left running."""
    engine, lock_path = _engine(tmp_path)
    holder = _hold_file_lock(lock_path, 0.05)
    try:
        with db.transaction(engine, wait=5) as conn:
            assert conn.exec_driver_sql("SELECT 1").scalar() == 1
        assert signal.getsignal(signal.SIGALRM) is db._on_alarm  # the wait was the timed one
        assert signal.getitimer(signal.ITIMER_REAL) == (0.0, 0.0)
        signal.raise_signal(signal.SIGALRM)  # a stray alarm, after the wait, ends nothing
    finally:
        holder.join()
        engine.dispose()


def test_a_timed_out_wait_on_the_main_thread_leaves_no_timer_and_no_lock(tmp_path: Path) -> None:
    engine, lock_path = _engine(tmp_path)
    holder = _hold_file_lock(lock_path, 0.3)
    try:
        started = time.monotonic()
        with pytest.raises(db.WriterBusy), db.transaction(engine, wait=0.02):
            pytest.fail("the transaction ran without the lock")
        assert time.monotonic() - started < 0.25  # the timer ended it, not the holder letting go
        assert signal.getsignal(signal.SIGALRM) is db._on_alarm
        assert signal.getitimer(signal.ITIMER_REAL) == (0.0, 0.0)
        signal.raise_signal(signal.SIGALRM)
    finally:
        holder.join()
    with db.transaction(engine, wait=0.02) as conn:  # nothing of the wait kept the lock file
        assert conn.exec_driver_sql("SELECT 1").scalar() == 1
    engine.dispose()


def test_a_wait_leaves_another_programs_alarm_and_timer_alone(tmp_path: Path) -> None:
    """A program that runs userpool in its own process may use SIGALRM itself (a test runner's
    timeout, say): the wait then looks at the lock again and again, and keeps off both."""
    engine, lock_path = _engine(tmp_path)
    rang: list[int] = []

    def theirs(signum: int, frame: object) -> None:
        rang.append(signum)

    before = signal.signal(signal.SIGALRM, theirs)
    signal.setitimer(signal.ITIMER_REAL, 30)
    holder = _hold_file_lock(lock_path, 0.3)
    try:
        with pytest.raises(db.WriterBusy), db.transaction(engine, wait=0.02):
            pytest.fail("the transaction ran without the lock")
        assert signal.getsignal(signal.SIGALRM) is theirs
        assert 0 < signal.getitimer(signal.ITIMER_REAL)[0] <= 30  # their timer still runs
        assert not rang
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, before)
        holder.join()
    engine.dispose()


def test_a_bounded_wait_off_the_main_thread_gives_up_or_takes_the_lock(tmp_path: Path) -> None:
    """A worker thread looks at the lock again and again instead (signals reach the main thread
    only)."""
    engine, lock_path = _engine(tmp_path)
    outcomes: list[str] = []

    def write(wait: float) -> None:
        try:
            with db.transaction(engine, wait=wait) as conn:
                outcomes.append(f"ran {conn.exec_driver_sql('SELECT 1').scalar()}")
        except db.WriterBusy:
            outcomes.append("busy")

    holder = _hold_file_lock(lock_path, 0.3)
    try:
        for wait in (0.02, 5.0):  # gives up; then waits out the holder
            thread = threading.Thread(target=write, args=(wait,))
            thread.start()
            thread.join(10)
    finally:
        holder.join()
    assert outcomes == ["busy", "ran 1"]
    engine.dispose()


def test_a_write_gives_up_while_another_thread_holds_the_lock(tmp_path: Path) -> None:
    engine, _ = _engine(tmp_path)
    inside, release = threading.Event(), threading.Event()

    def writer() -> None:
        with db.transaction(engine):
            inside.set()
            release.wait(10)

    thread = threading.Thread(target=writer)
    thread.start()
    try:
        assert inside.wait(10)
        with pytest.raises(db.WriterBusy), db.transaction(engine, wait=0.01):
            pytest.fail("the transaction ran without the lock")
    finally:
        release.set()
        thread.join()
    with db.transaction(engine, wait=0.01) as conn:  # free again, and nothing was left held
        assert conn.exec_driver_sql("SELECT 1").scalar() == 1
    engine.dispose()


def test_a_write_gives_up_while_a_writer_outside_userpool_holds_sqlites_lock(tmp_path: Path) -> None:
    """The sqlite3 shell or a backup tool takes SQLite's own lock, not userpool's lock file: a
    bounded wait gives up on it too, and the connection keeps its long busy timeout afterwards."""
    engine, _ = _engine(tmp_path)
    outside = sqlite3.connect(tmp_path / "lock.db", isolation_level=None)
    try:
        outside.execute("BEGIN IMMEDIATE")
        started = time.monotonic()
        with pytest.raises(db.WriterBusy), db.transaction(engine, wait=0.01):
            pytest.fail("the transaction ran without SQLite's lock")
        assert time.monotonic() - started < 1  # not SQLite's 30 s busy timeout
        with db.transaction(engine, read_only=True, wait=0.01) as conn:  # WAL reads never wait
            assert conn.exec_driver_sql("SELECT 1").scalar() == 1
        done: list[int] = []

        def write() -> None:  # an unbounded wait: the busy timeout is long again
            with db.transaction(engine) as conn:
                done.append(conn.exec_driver_sql("SELECT 1").scalar_one())

        waiting = threading.Thread(target=write)
        waiting.start()
        time.sleep(0.3)
        assert not done
        outside.execute("ROLLBACK")
        waiting.join(timeout=10)
        assert done == [1]
    finally:
        outside.close()
        engine.dispose()
