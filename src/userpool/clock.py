"""Time is injected (ARCHITECTURE idea 5): operations read `Clock.now()`, tests move it."""

from __future__ import annotations

import time
from typing import Protocol


class Clock(Protocol):
    def now(self) -> float: ...


class SystemClock:
    def now(self) -> float:
        return time.time()


class ShiftedClock:
    """Real time plus an offset a test can move forward (codes expire, lockouts end)."""

    def __init__(self) -> None:
        self.offset = 0.0

    def now(self) -> float:
        return time.time() + self.offset

    def advance(self, seconds: float) -> None:
        self.offset += seconds
