"""Confirmation, verification and reset codes: issuing one (and sending it), consuming one with
Cognito's exact errors, and the attempt and send limits around both (core spec §6.8, §7, §14)."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any

from userpool.api.context import Context
from userpool.api.errors import CognitoError
from userpool.delivery import sender
from userpool.domain import templates
from userpool.domain.ids import new_code
from userpool.domain.masking import mask_destination
from userpool.domain.mfa import factors_in_use, pool_mfa, user_factors
from userpool.domain.recovery import recovery_destination
from userpool.domain.templates import render
from userpool.domain.usernames import looks_like_email, looks_like_phone
from userpool.store import codes as code_store
from userpool.store import counters
from userpool.store.codes import Code
from userpool.store.pools import Pool
from userpool.store.users import User

# core spec §7.1 / §13 [OBS]
CODE_MISMATCH = "Invalid verification code provided, please try again."
EXPIRED_CODE = "Invalid code provided, please request a code again."
ATTEMPT_LIMIT = "Attempt limit exceeded, please try after some time."

# Code purposes (the `codes.purpose` column and the counters' keys).
SIGN_UP = "sign_up"
RESET_PASSWORD = "reset_password"  # noqa: S105 (a purpose, not a password)
CHANGE_PASSWORD = "change_password"  # noqa: S105 - only a counter: wrong previous passwords (core spec §14)

HOUR = 3600.0
DAY = 86400.0
# core spec §6.8 [OBS]: sign-up and attribute-verification codes live 24 h, reset codes 1 h.
SIGN_UP_LIFETIME = DAY
VERIFY_LIFETIME = DAY
RESET_LIFETIME = HOUR
# core spec §14 [OBS message; INF numbers]: 5 wrong codes per user+purpose, then refuse for 15 min;
# 5 sends per user per purpose per hour.
WRONG_LIMIT = 5
WRONG_WINDOW = 900.0
SEND_LIMIT = 5
SEND_WINDOW = HOUR
# Expired codes are kept this long so a late attempt still reads "expired", not "mismatch" [INF].
RETENTION = 7 * DAY


def verify_purpose(attribute: str) -> str:
    return f"verify_{attribute}"


def limit_exceeded() -> CognitoError:
    return CognitoError("LimitExceededException", ATTEMPT_LIMIT)


@dataclass(frozen=True)
class Destination:
    """Where a message goes: an `email` or `phone_number` value."""

    attribute: str
    value: str

    @property
    def medium(self) -> str:
        return "SMS" if self.attribute == "phone_number" else "EMAIL"

    def details(self) -> dict[str, str]:
        """`CodeDeliveryDetails`, destination masked (core spec §6.8, MFA spec §6.2)."""
        return {
            "Destination": mask_destination(self.attribute, self.value),
            "DeliveryMedium": self.medium,
            "AttributeName": self.attribute,
        }


def destination_of(user: User, attribute: str) -> Destination | None:
    value = user.attributes.get(attribute)
    return Destination(attribute, value) if value else None


def target_of(row: Code) -> Destination | None:
    """Where a stored code was sent (its `target`: `[attribute, value]`)."""
    try:
        attribute, value = json.loads(row.target or "")
    except (ValueError, TypeError):
        return None
    return Destination(str(attribute), str(value))


def pending_destination(ctx: Context, user: User, attribute: str) -> Destination | None:
    """A value waiting for verification before it replaces `attribute` (core spec §7.6): the
    target of the user's open verification code when it differs from the current value."""
    row = code_store.newest_open(ctx.conn, user.id, verify_purpose(attribute), now=ctx.now())
    dest = None if row is None else target_of(row)
    if dest is None or dest.value == user.attributes.get(attribute):
        return None
    return dest


def deliver(
    ctx: Context,
    pool: Pool,
    dest: Destination,
    template: tuple[str, str, str],
    *,
    code: str,
    purpose: str,
    username: str,
    shown_username: str | None = None,
) -> None:
    """Send one message through the outbox: `template` is (email subject, email body, SMS body)."""
    subject, email_body, sms_body = template
    body = render(sms_body if dest.medium == "SMS" else email_body, code=code, username=shown_username)
    sender.send(
        ctx,
        pool,
        channel=dest.medium,
        recipient=dest.value,
        subject=None if dest.medium == "SMS" else subject,
        body=body,
        code=code,
        purpose=purpose,
        username=username,
    )


def _key(pool: Pool, user: User, kind: str, purpose: str) -> str:
    # Keyed by the sub, never reused (a row id may be).
    return f"{user_prefix(pool, user)}{kind}:{purpose}"


def user_prefix(pool: Pool, user: User) -> str:
    """The prefix of every counter key of this user (dropped with the user)."""
    return f"{pool.id}:{user.sub}:"


def issue(
    ctx: Context,
    pool: Pool,
    user: User,
    *,
    purpose: str,
    dest: Destination,
    template: tuple[str, str, str],
    lifetime: float,
    limited: bool = True,
) -> dict[str, str]:
    """A new code for `purpose`, replacing older ones, sent to `dest`; returns CodeDeliveryDetails.

    `limited`: more than SEND_LIMIT sends in SEND_WINDOW -> LimitExceededException (core spec §14);
    off for operations that do not declare that exception.
    """
    now = ctx.now()
    if limited:
        key = _key(pool, user, "sends", purpose)
        if counters.hit(ctx.conn, key, now=now, window=SEND_WINDOW, sliding=False) > SEND_LIMIT:
            raise limit_exceeded()
    code = new_code()
    code_store.prune(ctx.conn, user.id, purpose, before=now - RETENTION)
    # core spec §6.8 [OBS GH-amplify-ui-6678]: a new code invalidates the older ones.
    code_store.expire_open(ctx.conn, user.id, purpose, now=now)
    code_store.insert_code(
        ctx.conn,
        pool_id=pool.id,
        user_id=user.id,
        purpose=purpose,
        code=code,
        target=json.dumps([dest.attribute, dest.value]),
        now=now,
        expires_at=now + lifetime,
    )
    deliver(ctx, pool, dest, template, code=code, purpose=purpose, username=user.username)
    return dest.details()


def refuse_if_limited(ctx: Context, pool: Pool, user: User, purpose: str) -> None:
    """core spec §14: after WRONG_LIMIT wrong attempts, LimitExceededException for WRONG_WINDOW."""
    key = _key(pool, user, "wrong", purpose)
    if counters.current(ctx.conn, key, now=ctx.now(), window=WRONG_WINDOW) >= WRONG_LIMIT:
        raise limit_exceeded()


def count_wrong(ctx: Context, pool: Pool, user: User, purpose: str) -> None:
    """Record one wrong attempt; the window restarts with every failure."""
    counters.hit(
        ctx.conn, _key(pool, user, "wrong", purpose), now=ctx.now(), window=WRONG_WINDOW, sliding=True
    )


def forget_wrong(ctx: Context, pool: Pool, user: User, purpose: str) -> None:
    counters.clear(ctx.conn, _key(pool, user, "wrong", purpose))


def consume(ctx: Context, pool: Pool, user: User, purpose: str, code: str) -> Code:
    """Use the user's code for `purpose` (core spec §7.1, §7.3, §7.5 [OBS messages]).

    Too many wrong attempts -> LimitExceededException; a superseded, used or expired code, or none
    requested -> ExpiredCodeException; any other wrong code -> CodeMismatchException (counted,
    and the count is kept although the operation fails).
    """
    refuse_if_limited(ctx, pool, user, purpose)
    now = ctx.now()
    row = code_store.find(ctx.conn, user.id, purpose, code)
    if row is None:
        if code_store.newest_open(ctx.conn, user.id, purpose, now=now) is None:
            raise CognitoError("ExpiredCodeException", EXPIRED_CODE)
        count_wrong(ctx, pool, user, purpose)
        raise CognitoError("CodeMismatchException", CODE_MISMATCH, keep_changes=True)
    if row.used_at is not None or row.expires_at <= now or not code_store.consume(ctx.conn, row.id, now=now):
        raise CognitoError("ExpiredCodeException", EXPIRED_CODE)
    forget_wrong(ctx, pool, user, purpose)
    return row


def simulated_details(pool: Pool, username: str) -> dict[str, Any]:
    """CodeDeliveryDetails for a user who does not exist, PreventUserExistenceErrors ENABLED
    (core spec §12 [DOC DG-ERR]): the medium follows the input's shape, else the pool's first
    auto-verified attribute [INF]. Nothing is sent or stored; the same input gives the same answer.
    """
    if looks_like_email(username):
        return Destination("email", username).details()
    if looks_like_phone(username):
        return Destination("phone_number", username).details()
    auto = [a for a in pool.config.get("AutoVerifiedAttributes") or [] if a in ("email", "phone_number")]
    digest = hashlib.sha256(f"{pool.id}\0{username}".encode()).hexdigest()
    if auto and auto[0] == "phone_number":
        digits = str(int(digest[:8], 16))[-4:].zfill(4)
        return Destination("phone_number", "+1555555" + digits).details()
    return Destination("email", f"{username[:1]}@{digest[:1]}.com").details()


def reset_channel(ctx: Context, pool: Pool, user: User) -> str | None:
    """The attribute a reset code goes to, `ADMIN_ONLY`, or None (MFA spec §3.3, one rule in
    domain/recovery.py). "SMS/email MFA activated" is the user's effective set: explicitly
    enabled, legacy SMS, or the factor a required pool will challenge (domain/mfa factors_in_use)."""
    enabled = factors_in_use(
        pool_mfa(pool.config), user_factors(user.attributes, user.mfa), ctx.settings.switches
    )
    return recovery_destination(pool.config.get("AccountRecoverySetting"), user.attributes, enabled)


def send_reset_code(ctx: Context, pool: Pool, user: User, attribute: str) -> dict[str, str]:
    """A password-reset code (1 h) to the user's `attribute` (ForgotPassword, AdminResetUserPassword)."""
    dest = Destination(attribute, user.attributes[attribute])
    template = templates.forgot_password(pool.config)
    return issue(
        ctx, pool, user, purpose=RESET_PASSWORD, dest=dest, template=template, lifetime=RESET_LIFETIME
    )


def send_verification_code(
    ctx: Context, pool: Pool, user: User, dest: Destination, *, purpose: str, limited: bool = True
) -> dict[str, str]:
    """A sign-up or attribute-verification code (24 h) with the pool's verification template."""
    lifetime = SIGN_UP_LIFETIME if purpose == SIGN_UP else VERIFY_LIFETIME
    template = templates.verification(pool.config)
    return issue(
        ctx, pool, user, purpose=purpose, dest=dest, template=template, lifetime=lifetime, limited=limited
    )
