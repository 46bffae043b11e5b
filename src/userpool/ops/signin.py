"""The shared first steps of every sign-in: checking a password with lockout (core spec §8.1, §14)
the NEW_PASSWORD_REQUIRED challenge (core spec §6.6), and finishing with tokens."""

from __future__ import annotations

from functools import partial
from typing import Any

from userpool.api.context import Context
from userpool.api.errors import CognitoError, not_authorized, user_not_found
from userpool.domain.lockout import LOCKED_MESSAGE, count_after_failure, is_locked, lock_until
from userpool.ops.common import RESET_REQUIRED
from userpool.ops.passwords import password_matches
from userpool.store import sessions, users
from userpool.store.pools import Client, Pool
from userpool.store.users import User

INCORRECT = "Incorrect username or password."
DEFAULT_SESSION_MINUTES = 3  # AuthSessionValidity default (MFA spec §1, §6.4)


def prevents_existence_errors(client: Client) -> bool:
    """`PreventUserExistenceErrors`: `LEGACY` unless the client says `ENABLED` (core spec §12)."""
    return client.config.get("PreventUserExistenceErrors") == "ENABLED"


def unknown_user(client: Client) -> CognitoError:
    """Core spec §8.1 step 3 / §12: LEGACY names the missing user, ENABLED does not."""
    if prevents_existence_errors(client):
        return not_authorized(INCORRECT)
    return user_not_found()


def record_failure(ctx: Context, user: User) -> None:
    """Count a failed password or code towards lockout (MFA spec §6.6)."""
    now = ctx.now()
    failed = count_after_failure(user.failed_attempts, user.last_failure_at, now, ctx.settings.lockout)
    users.update_columns(
        ctx.conn,
        user.id,
        failed_attempts=failed,
        last_failure_at=now,
        lockout_until=lock_until(failed, now, ctx.settings.lockout),
    )


def check_not_locked(ctx: Context, user: User) -> None:
    """Core spec §8.1 step 4, §14: `Password attempts exceeded` while locked, even for the right
    password."""
    if is_locked(user.lockout_until, ctx.now()):
        raise not_authorized(LOCKED_MESSAGE)


def check_status(client: Client, user: User) -> None:
    """Core spec §8.1 steps 5-6: unconfirmed and reset-required users cannot sign in."""
    if user.status == "UNCONFIRMED":
        raise CognitoError("UserNotConfirmedException", "User is not confirmed.")
    if user.status == "RESET_REQUIRED":
        if prevents_existence_errors(client):
            raise not_authorized(INCORRECT)
        raise CognitoError("PasswordResetRequiredException", RESET_REQUIRED)


def check_enabled(user: User) -> None:
    """Core spec §8.1 step 8 [OBS text; position INF, Q11]."""
    if not user.enabled:
        raise not_authorized("User is disabled.")


def refuse(ctx: Context, user: User) -> CognitoError:
    """Core spec §8.1 step 7, §14: a wrong password (or SRP proof) is counted towards lockout and
    answered `Incorrect username or password.`; the count is kept though the call fails."""
    record_failure(ctx, user)
    return not_authorized(INCORRECT, keep_changes=True)


def check_password(ctx: Context, pool: Pool, client: Client, user: User | None, password: str) -> User:
    """Core spec §8.1 steps 3-8, in order; returns the user whose password matched."""
    if user is None:
        raise unknown_user(client)
    check_not_locked(ctx, user)
    check_status(client, user)
    key = ("password matches", user.id, user.password_verifier)
    matches = ctx.memo.get(key)
    if matches is None:  # not worked out by an earlier run of this call (dispatch.READS_FIRST)
        matches = ctx.memo[key] = password_matches(pool, user, password)
    if not matches:
        raise refuse(ctx, user)
    check_enabled(user)
    return user


def check_after_proof(client: Client, user: User) -> None:
    """Core spec §9.4 step 8: after an SRP proof, the status rules of §8.1 steps 5, 6 and 8
    [INF Q12: after the proof, not at step 1]."""
    check_status(client, user)
    check_enabled(user)


def session_lifetime(client: Client) -> float:
    return 60.0 * int(client.config.get("AuthSessionValidity") or DEFAULT_SESSION_MINUTES)


def start_session(
    ctx: Context,
    *,
    pool_id: str,
    client_id: str,
    user_id: int | None,
    challenge: str,
    data: dict[str, Any],
    lifetime: float,
) -> str:
    """A new session: sealed (nothing to store), or stored by this call; a call that only read
    until here (a password sign-in answered with an MFA challenge, dispatch.READS_FIRST) stores it
    right after (`Context.write_after_reading`)."""
    session, row = sessions.new(
        ctx.conn,
        pool_id=pool_id,
        client_id=client_id,
        user_id=user_id,
        challenge=challenge,
        data=data,
        now=ctx.now(),
        lifetime=lifetime,
    )
    if row is not None:
        ctx.write_after_reading(partial(sessions.insert, row=row))
    return session


def new_session(ctx: Context, pool: Pool, client: Client, user: User, challenge: str, **data: Any) -> str:
    """A challenge's session for `user` signing in with `client`."""
    return start_session(
        ctx,
        pool_id=pool.id,
        client_id=client.id,
        user_id=user.id,
        challenge=challenge,
        data=data,
        lifetime=session_lifetime(client),
    )
