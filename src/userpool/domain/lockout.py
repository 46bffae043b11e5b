"""Sign-in lockout (MFA spec §6.6, core spec §14 [DOC DG-FLOW]): after five failures the user is
locked for one second, doubling with each further failure, capped at about 15 minutes; attempts
during a lockout fail without counting; 15 quiet minutes or a successful sign-in reset the count."""

from __future__ import annotations

from userpool.settings import Lockout

LOCKED_MESSAGE = "Password attempts exceeded"


def is_locked(lockout_until: float | None, now: float) -> bool:
    return lockout_until is not None and now < lockout_until


def count_after_failure(failed: int, last_failure_at: float | None, now: float, rules: Lockout) -> int:
    """The failure count once this failure is added (a quiet spell resets it first)."""
    if last_failure_at is not None and now - last_failure_at >= rules.reset_after_seconds:
        failed = 0
    return failed + 1


def lock_until(failed: int, now: float, rules: Lockout) -> float | None:
    """When a user with `failed` cumulative failures may try again (None: not locked)."""
    if failed < rules.free_failures:
        return None
    return now + min(2.0 ** (failed - rules.free_failures), rules.max_seconds)
