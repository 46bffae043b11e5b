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
    """Real time plus an offset a test can move forward (codes expire, lockouts end); a test can
    also stop it, so a one-second lockout can't end while a slow machine is still asserting."""

    def __init__(self) -> None:
        self.offset = 0.0
        self.frozen_at: float | None = None

    def now(self) -> float:
        return (time.time() if self.frozen_at is None else self.frozen_at) + self.offset

    def freeze(self) -> None:
        self.frozen_at = time.time()

    def unfreeze(self) -> None:
        self.frozen_at = None

    def advance(self, seconds: float) -> None:
        self.offset += seconds
