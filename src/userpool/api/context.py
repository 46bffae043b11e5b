"""What an operation handler is given: its transaction, the clock, settings and the caller's region."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import sqlalchemy as sa

from userpool.clock import Clock
from userpool.settings import Settings


class WriterRequired(Exception):
    """A reading run of a call met work that must run in a writing transaction
    (`Context.require_writer`)."""


@dataclass
class Context:
    conn: sa.Connection
    clock: Clock
    settings: Settings
    # Region from the SigV4 credential scope of a signed call; None on unsigned calls (core spec §1.2).
    region: str | None
    # Effects to run once the transaction has committed (e.g. SMTP delivery of outbox rows).
    after_commit: list[Callable[[], None]] = field(default_factory=list)
    # Work the response needs but the database does not (token signatures), run by dispatch once
    # the transaction has committed so that no lock is held meanwhile; None: run it at once.
    deferred: list[Callable[[], None]] | None = None
    # What the operation's `ahead` work made from the request before the transaction began
    # (`dispatch.operation`); None when it has none.
    ahead: object = None
    # What an earlier run of the same call worked out, for a `READS_FIRST` operation run again as a
    # writer (dispatch.call): say, whether the password matched, which costs a modular power.
    memo: dict[tuple[object, ...], object] = field(default_factory=dict)
    # Writes of a reading transaction that dispatch makes in a writer transaction of its own right
    # after it, instead of the whole call running again as a writer (`write_after_reading`). None
    # in a writing transaction: they are written at once.
    later_writes: list[Callable[[sa.Connection], object]] | None = None

    def now(self) -> float:
        return self.clock.now()

    def compute_later(self, work: Callable[[], None]) -> None:
        """Run `work` after the commit, before the response is shaped (now when nothing runs
        deferred work); an error in it fails the call."""
        if self.deferred is None:
            work()
        else:
            self.deferred.append(work)

    def write_after_reading(self, write: Callable[[sa.Connection], object]) -> None:
        """Write now, or, in a reading transaction, right after it (`later_writes`). `write` must
        be right whatever a concurrent writer did in between, or fail (raise): an insert of a new
        row (a session; a user, under the database's unique key), or a guarded write whose own
        statements check that what the reading saw still holds. A failure runs the call again as
        a writer (a CognitoError is the answer)."""
        if self.later_writes is None:
            write(self.conn)
        else:
            self.later_writes.append(write)

    def require_writer(self) -> None:
        """What the handler reads next must hold until its inserts are written (a check that no
        other user has an alias, before the user that takes it is inserted): in a reading
        transaction, stop (`WriterRequired`) so that the call runs again as a writer."""
        if self.later_writes is not None:
            raise WriterRequired

    @property
    def caller_region(self) -> str:
        return self.region or self.settings.default_region
