"""What an operation handler is given: its transaction, the clock, settings and the caller's region."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import sqlalchemy as sa

from userpool.clock import Clock
from userpool.settings import Settings


@dataclass
class Context:
    conn: sa.Connection
    clock: Clock
    settings: Settings
    # Region from the SigV4 credential scope of a signed call; None on unsigned calls (core spec §1.2).
    region: str | None
    # Effects to run once the transaction has committed (e.g. SMTP delivery of outbox rows).
    after_commit: list[Callable[[], None]] = field(default_factory=list)

    def now(self) -> float:
        return self.clock.now()

    @property
    def caller_region(self) -> str:
        return self.region or self.settings.default_region
