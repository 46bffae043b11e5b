"""MFA after the first factor: turning the decision (domain/mfa) into a challenge with a session
and a delivered code, and answering SMS_MFA, EMAIL_OTP, SOFTWARE_TOKEN_MFA, SELECT_MFA_TYPE and
MFA_SETUP (MFA spec §5, §6, §7)."""

from __future__ import annotations

import hmac
from collections.abc import Mapping
from functools import partial
from typing import Any

from userpool.api.context import Context
from userpool.api.errors import CognitoError, invalid_parameter, not_authorized, totp_not_found
from userpool.crypto import totp
from userpool.delivery.sender import send
from userpool.domain import templates
from userpool.domain.attributes import validate_values
from userpool.domain.ids import new_code
from userpool.domain.masking import mask_destination
from userpool.domain.mfa import (
    EMAIL,
    SMS,
    TOTP,
    Challenge,
    Denial,
    FirstFactor,
    Tokens,
    decide,
    pool_mfa,
    select_answer,
    user_factors,
)
from userpool.domain.mfa.model import challenge as challenge_for
from userpool.ops.common import required
from userpool.ops.signin import check_not_locked, new_session, record_failure
from userpool.ops.userwrite import claim_alias
from userpool.store import sessions, users
from userpool.store.pools import Client, Pool
from userpool.store.sessions import AuthSession
from userpool.store.users import User

WRONG_CODE = "Invalid code or auth state for the user."  # MFA spec §6.5 [OBS]
WRONG_TOTP = "Invalid code received for user"  # MFA spec §6.5 [OBS]
TOTP_REPLAYED = "Your software token has already been used once."  # MFA spec §6.5 [OBS msg]
EMAIL_MFA_SUBJECT = "Your verification code"  # [INF] default when EmailMfaConfiguration has none
EMAIL_MFA_MESSAGE = "Your verification code is {####}. "  # [INF]


def after_first_factor(
    ctx: Context,
    pool: Pool,
    client: Client,
    user: User,
    first: FirstFactor,
    *,
    public: bool,
    device_remembered: bool = False,
) -> Challenge | None:
    """Run the MFA decision: the challenge to issue, None for tokens, or raise the denial.

    InitiateAuth does not declare MFAMethodNotFoundException, so a public call answers
    NotAuthorizedException with the same message (MFA spec §0.3). `device_remembered`: the sign-in
    names a confirmed device the user remembered (MFA spec §5.6)."""
    decision = decide(
        pool_mfa(pool.config),
        user_factors(user.attributes, user.mfa),
        first,
        device_remembered=device_remembered,
        model=ctx.settings.mfa_model,
        switches=ctx.settings.switches,
    )
    step = decision.step
    if isinstance(step, Tokens):
        return None
    if isinstance(step, Denial):
        code = "NotAuthorizedException" if public else step.exception
        raise CognitoError(code, step.message)
    return step


def issue(
    ctx: Context, pool: Pool, client: Client, user: User, step: Challenge, **extra: Any
) -> dict[str, Any]:
    """The challenge response: parameters, a fresh session, and the code sent for SMS/email."""
    params = step.parameters()
    data: dict[str, Any] = {}
    if step.name not in ("MFA_SETUP",):
        params["USER_ID_FOR_SRP"] = user.username
    if step.delivery is not None:
        destination = user.attributes.get(step.delivery.attribute, "")
        data["code"] = _send_code(ctx, pool, user, step.name, destination)
        params["CODE_DELIVERY_DESTINATION"] = mask_destination(step.delivery.attribute, destination)
    if step.name == "SOFTWARE_TOKEN_MFA":
        name = (user.mfa.get("totp") or {}).get("friendly_name")
        if name:
            params["FRIENDLY_DEVICE_NAME"] = name
    data["can_choose"] = list(step.can_choose)
    data["can_setup"] = list(step.can_setup)
    session = new_session(ctx, pool, client, user, step.name, **data, **extra)
    return {"ChallengeName": step.name, "Session": session, "ChallengeParameters": params}


def _send_code(ctx: Context, pool: Pool, user: User, name: str, destination: str) -> str:
    """MFA spec §6.3: a code per issuance (6 digits by SMS), sent with the pool's MFA template."""
    subject: str | None
    if name == SMS:
        channel, subject, code = "SMS", None, new_code(6)
        body = templates.render(templates.sms_mfa(pool.config), code=code)
    else:
        channel, code = "EMAIL", new_code(ctx.settings.switches.email_mfa_code_length)
        cfg = (pool.config.get("MfaState") or {}).get("EmailMfaConfiguration") or {}
        subject = cfg.get("Subject") or EMAIL_MFA_SUBJECT
        body = templates.render(cfg.get("Message") or EMAIL_MFA_MESSAGE, code=code)
    send(
        ctx,
        pool,
        channel=channel,
        recipient=destination,
        subject=subject,
        body=body,
        code=code,
        purpose="mfa",
        username=user.username,
    )
    return code


def answer(
    ctx: Context, pool: Pool, client: Client, session: AuthSession, user: User, responses: Mapping[str, str]
) -> User | dict[str, Any]:
    """Answer the pending MFA challenge: the signed-in user, who gets tokens, or the next
    challenge's response."""
    check_not_locked(ctx, user)
    name = session.challenge
    if name in (SMS, EMAIL):
        user = _answer_code(ctx, pool, session, user, responses, name)
        if session.data.get("from_setup"):  # the MFA_SETUP email path ends here (MFA spec §6.2)
            user = _enable(ctx, user, EMAIL)
        return user
    if name == TOTP:
        return _answer_totp(ctx, session, user, responses)
    if name == "SELECT_MFA_TYPE":
        factor = select_answer(required(responses, "ANSWER"), tuple(session.data.get("can_choose") or ()))
        sessions.consume(ctx.conn, session, now=ctx.now())
        return issue(ctx, pool, client, user, challenge_for(factor), **carried(session))
    return _answer_setup(ctx, pool, client, session, user, responses)


def carried(session: AuthSession) -> dict[str, Any]:
    """What one step of a sign-in hands to the next: the device key it names (MFA spec §5.6)."""
    key = session.data.get("device_key")
    return {} if key is None else {"device_key": key}


def _wrong(ctx: Context, session: AuthSession, user: User, message: str) -> CognitoError:
    """A wrong code counts towards lockout (MFA spec §6.6) and leaves the session usable (§6.4)
    unless the `session_survives_wrong_code` switch says otherwise (Q8)."""
    record_failure(ctx, user)
    if not ctx.settings.switches.session_survives_wrong_code:
        sessions.consume(ctx.conn, session, now=ctx.now())
    return CognitoError("CodeMismatchException", message, keep_changes=True)


def _answer_code(
    ctx: Context, pool: Pool, session: AuthSession, user: User, responses: Mapping[str, str], name: str
) -> User:
    """SMS_MFA / EMAIL_OTP; success marks the phone number or email verified (MFA spec §6.3)."""
    key = "SMS_MFA_CODE" if name == SMS else "EMAIL_OTP_CODE"
    given = required(responses, key)
    expected = str(session.data.get("code", ""))
    if not expected or not hmac.compare_digest(given, expected):
        raise _wrong(ctx, session, user, WRONG_CODE)
    sessions.consume(ctx.conn, session, now=ctx.now())
    return _mark_verified(ctx, pool, user, "phone_number" if name == SMS else "email")


def _mark_verified(ctx: Context, pool: Pool, user: User, attribute: str) -> User:
    """MFA spec §6.3 [DOC DG-SMSEMAIL]. A verified value becomes a sign-in alias (core spec §6.2);
    when another account already signs in with it, the value stays unverified and the sign-in
    goes on [INF]: a code answer never moves an alias."""
    flag = f"{attribute}_verified"
    if user.attributes.get(flag) == "true":
        return user
    updated = user.with_changes(attributes={**user.attributes, flag: "true"}, modified_at=ctx.now())
    try:
        claim_alias(ctx, pool, updated, attribute, force=False, given_wording=False)
    except CognitoError as err:
        if err.code != "AliasExistsException":
            raise
        return user
    users.save_user(ctx.conn, updated)
    return updated


def _answer_totp(ctx: Context, session: AuthSession, user: User, responses: Mapping[str, str]) -> User:
    """SOFTWARE_TOKEN_MFA with replay protection (MFA spec §6.5, §7.3)."""
    given = required(responses, "SOFTWARE_TOKEN_MFA_CODE")
    token = user.mfa.get("totp") or {}
    if not (token.get("verified") and token.get("secret")):
        raise totp_not_found()
    step = totp.matching_step(str(token["secret"]), given, ctx.now())
    if step is None:
        raise _wrong(ctx, session, user, WRONG_TOTP)
    if step <= int(token.get("last_accepted_step") or -1):
        raise not_authorized(TOTP_REPLAYED)
    # A sign-in that has only read until here (dispatch.READS_FIRST) writes these right after:
    # the session's use is refused if it was used meanwhile, the step if the settings changed.
    ctx.write_after_reading(partial(sessions.consume, found=session, now=ctx.now()))
    was = user.mfa
    user = user.with_changes(mfa={**was, "totp": {**token, "last_accepted_step": step}})
    ctx.write_after_reading(partial(users.set_mfa_if_unchanged, user_id=user.id, was=was, mfa=user.mfa))
    return user


def _answer_setup(
    ctx: Context, pool: Pool, client: Client, session: AuthSession, user: User, responses: Mapping[str, str]
) -> User | dict[str, Any]:
    """MFA_SETUP (MFA spec §6.2): the TOTP path ends with the session VerifySoftwareToken returned;
    the email path takes `EMAIL`, stores it and continues with EMAIL_OTP."""
    if session.data.get("totp_verified"):
        sessions.consume(ctx.conn, session, now=ctx.now())
        return _enable(ctx, user, TOTP)
    email = responses.get("EMAIL")
    can_setup = session.data.get("can_setup") or []
    if email and EMAIL in can_setup:
        validate_values(pool.config.get("SchemaAttributes") or [], {"email": email}, creating=True)
        sessions.consume(ctx.conn, session, now=ctx.now())
        attributes = {**user.attributes, "email": email, "email_verified": "false"}
        user = user.with_changes(attributes=attributes, modified_at=ctx.now())
        users.save_user(ctx.conn, user)
        step = challenge_for(EMAIL)
        return issue(ctx, pool, client, user, step, from_setup=True, **carried(session))
    raise invalid_parameter("MFA setup is not complete: verify a software token or provide EMAIL.")


def _enable(ctx: Context, user: User, factor: str) -> User:
    """Completing MFA_SETUP enables the factor and makes it preferred when none is
    (MFA spec §6.2 [INF])."""
    record = dict(user.mfa)
    enabled = list(record.get("mfa_enabled") or [])
    if factor not in enabled:
        enabled.append(factor)
    record["mfa_enabled"] = enabled
    record.setdefault("preferred", None)
    if not record["preferred"]:
        record["preferred"] = factor
    record["mfa_preference_ever_set"] = True
    user = user.with_changes(mfa=record)
    users.update_columns(ctx.conn, user.id, mfa=record)
    return user
