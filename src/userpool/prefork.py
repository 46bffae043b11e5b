"""`serve --workers N`: N forked copies of one server process sharing one listening socket.

The parent has imported everything, loaded the service model and migrated the database before it
forks, so a worker is ready as soon as it has opened its own database engine. (uvicorn's own
supervisor spawns fresh interpreters, each importing everything again: over a second on a
two-core machine.) SIGTERM or SIGINT to the parent stops every worker; a worker that exits on its
own stops the others, and the parent reports the failure.
"""

from __future__ import annotations

import contextlib
import logging
import os
import signal
from collections.abc import Callable
from types import FrameType

log = logging.getLogger("userpool")


def run(workers: int, worker: Callable[[int], int]) -> int:
    """Fork `workers` processes running `worker(n)`, n from 0; return when all have exited (0 when
    they were asked to stop, 1 when one of them ended by itself)."""
    children: set[int] = set()
    stopping = False

    def stop_all(_signum: int = 0, _frame: FrameType | None = None) -> None:
        nonlocal stopping
        stopping = True
        for pid in children:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGTERM)

    signal.signal(signal.SIGTERM, stop_all)
    signal.signal(signal.SIGINT, stop_all)
    for number in range(workers):
        if stopping:
            break
        pid = os.fork()
        if pid == 0:  # the worker: default signal handling until uvicorn installs its own
            signal.signal(signal.SIGTERM, signal.SIG_DFL)
            signal.signal(signal.SIGINT, signal.SIG_DFL)
            code = 1
            try:
                code = worker(number)
            finally:
                os._exit(code)
        children.add(pid)
    failed = False
    while children:
        try:
            pid, status = os.wait()
        except ChildProcessError:
            break
        children.discard(pid)
        if not stopping:
            log.error("worker %d ended (status %d): stopping the server", pid, status)
            failed = True
            stop_all()
    return 1 if failed else 0
