"""Writing users, shared by the admin and the self-service operations: building a new user
(core spec §6.2, §6.4, §6.5), attribute changes with the verification rules (§7.6), deleting
attributes (§6.7), and alias ownership (§6.2, AliasExistsException)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from userpool.api.context import Context
from userpool.api.errors import CognitoError, invalid_parameter, not_authorized
from userpool.domain.attributes import (
    UNWRITABLE,
    VERIFIED_FLAGS,
    missing_required,
    required_message,
    validate_values,
    writable,
)
from userpool.domain.ids import new_sub
from userpool.domain.usernames import check_new_username
from userpool.ops.codes import Destination
from userpool.ops.common import case_sensitive, username_key
from userpool.store import users
from userpool.store.pools import Client, Pool
from userpool.store.users import User

CHANNELS = ("email", "phone_number")


def schema_of(pool: Pool) -> list[dict[str, Any]]:
    return list(pool.config.get("SchemaAttributes") or [])


def attribute_map(items: list[dict[str, str]] | None) -> dict[str, str]:
    """`AttributeListType` -> dict in request order (a later duplicate wins [INF])."""
    return {item["Name"]: item.get("Value", "") for item in items or []}


def check_client_may_write(pool: Pool, client: Client, names: list[str]) -> None:
    """core spec §6.3, §7.7 [OBS message]: the verified flags and attributes outside the client's
    WriteAttributes -> NotAuthorizedException `A client attempted to write unauthorized attribute`."""
    allowed = writable(schema_of(pool), client.config.get("WriteAttributes"))
    for name in names:
        if name in VERIFIED_FLAGS or name not in allowed:
            raise not_authorized(UNWRITABLE)


def new_user(ctx: Context, pool: Pool, username: str, given: Mapping[str, str], *, status: str) -> User:
    """An unsaved user from a SignUp / AdminCreateUser `Username` and attributes.

    core spec §6.2 [DOC DG-ATTR]: in username-attribute pools the username must be an email/phone,
    is copied into that attribute and the stored username is the sub. Attributes keep request
    order after `sub` (§10); blank values are not stored.
    """
    copied = check_new_username(
        username,
        username_attributes=pool.config.get("UsernameAttributes"),
        alias_attributes=pool.config.get("AliasAttributes"),
    )
    validate_values(schema_of(pool), given, creating=True)
    sub = new_sub()
    attributes = {"sub": sub, **{k: v for k, v in given.items() if v != ""}}
    if copied is not None:
        attributes[copied] = username
    internal = sub if copied is not None else username
    now = ctx.now()
    return users.unsaved_user(
        pool_id=pool.id,
        username=internal,
        username_key=username_key(pool, internal),
        sub=sub,
        status=status,
        enabled=True,
        created_at=now,
        modified_at=now,
        attributes=attributes,
        mfa={},
    )


def check_unique(ctx: Context, pool: Pool, user: User, exists_message: str) -> None:
    """core spec §6.2, §6.4, §6.5: the username is taken -> UsernameExistsException
    (`exists_message`); in username-attribute pools an email/phone another user signs in with ->
    `An account with the given <attr> already exists.` [OBS].

    A reading run may check the username: the database's unique key refuses the insert of a
    username taken meanwhile, and the call runs again as a writer. No key holds attribute values
    unique, so those checks need the writer (`Context.require_writer`)."""
    if users.get_by_username_key(ctx.conn, pool.id, user.username_key) is not None:
        raise CognitoError("UsernameExistsException", exists_message)
    username_attributes = pool.config.get("UsernameAttributes") or []
    if username_attributes:
        ctx.require_writer()
    for attr in username_attributes:
        value = user.attributes.get(attr)
        if value and _holders(ctx, pool, attr, value, exclude=user.id):
            raise CognitoError("UsernameExistsException", f"An account with the given {attr} already exists.")


def _holders(ctx: Context, pool: Pool, attr: str, value: str, *, exclude: int) -> list[User]:
    """Other users whose `attr` equals `value` (case-insensitively, or exactly for a
    case-sensitive pool's preferred_username)."""
    found = []
    for user_id in users.ids_with_attribute(ctx.conn, pool.id, attr, value):
        other = users.get_by_id(ctx.conn, user_id) if user_id != exclude else None
        if other is None:
            continue
        if attr == "preferred_username" and case_sensitive(pool) and other.attributes.get(attr) != value:
            continue
        found.append(other)
    return found


def _owns_alias(pool: Pool, user: User, attr: str) -> bool:
    """Whether `user` signs in with its `attr` value (core spec §6.2 [DOC DG-ATTR])."""
    if not user.attributes.get(attr):
        return False
    if attr in (pool.config.get("UsernameAttributes") or []):
        return True
    if attr not in (pool.config.get("AliasAttributes") or []):
        return False
    return attr == "preferred_username" or user.attributes.get(f"{attr}_verified") == "true"


def owns_an_alias(pool: Pool, user: User) -> bool:
    """Whether `user` signs in with any attribute's value (an email username, a verified alias)."""
    return any(_owns_alias(pool, user, attr) for attr in (*CHANNELS, "preferred_username"))


def claim_alias(ctx: Context, pool: Pool, user: User, attr: str, *, force: bool, given_wording: bool) -> None:
    """`user` now owns its `attr` alias; another owner is an AliasExistsException unless `force`,
    which takes the alias away from them (core spec §6.5, §7.1 [DOC BM ForceAliasCreation]).

    Wording: `An account with the given email already exists.` for admin writes (`given_wording`),
    `An account with the email already exists.` for confirmations (core spec §13).
    """
    if not _owns_alias(pool, user, attr):
        return
    ctx.require_writer()  # no key holds aliases unique: the check and the write in one transaction
    owners = [
        o
        for o in _holders(ctx, pool, attr, user.attributes[attr], exclude=user.id)
        if _owns_alias(pool, o, attr)
    ]
    if not owners:
        return
    # In username-attribute pools the value is how the other user signs in: never moved [INF].
    if not force or attr in (pool.config.get("UsernameAttributes") or []):
        middle = "the given " if given_wording else "the "
        raise CognitoError("AliasExistsException", f"An account with {middle}{attr} already exists.")
    for other in owners:
        attrs = dict(other.attributes)
        if attr == "preferred_username":
            attrs.pop(attr, None)
        else:
            attrs[f"{attr}_verified"] = "false"
        users.save_user(ctx.conn, other.with_changes(attributes=attrs, modified_at=ctx.now()))


def claim_aliases(
    ctx: Context, pool: Pool, before: User, after: User, *, force: bool, given_wording: bool
) -> None:
    """Claim every alias `after` owns that `before` did not own with the same value."""
    for attr in (*CHANNELS, "preferred_username"):
        same = before.attributes.get(attr) == after.attributes.get(attr)
        if same and _owns_alias(pool, before, attr):
            continue
        claim_alias(ctx, pool, after, attr, force=force, given_wording=given_wording)


@dataclass
class AttributeUpdate:
    """The outcome of an attribute write: the new attributes and the codes to send (§7.6)."""

    attributes: dict[str, str]
    # Values that need a code: changed auto-verified values and pending values.
    to_verify: list[Destination] = field(default_factory=list)


def _settings(pool: Pool) -> tuple[set[str], set[str]]:
    auto = set(pool.config.get("AutoVerifiedAttributes") or [])
    update = pool.config.get("UserAttributeUpdateSettings") or {}
    return auto, set(update.get("AttributesRequireVerificationBeforeUpdate") or [])


def plan_update(pool: Pool, user: User, changes: Mapping[str, str]) -> AttributeUpdate:
    """Apply `changes` to the user's attributes by core spec §7.6 [DOC BM].

    Blank deletes (with the verified flag of email/phone). A changed email/phone becomes
    unverified; when auto-verified it gets a code, and under verification-before-update it stays
    as it was, the new value pending until verified. A write that also sets `<attr>_verified`
    to true (admin only) changes the value at once without a message.
    """
    auto, before_update = _settings(pool)
    attrs = dict(user.attributes)
    out = AttributeUpdate(attrs)
    verified_too = {
        f.removesuffix("_verified") for f in VERIFIED_FLAGS if changes.get(f, "").lower() == "true"
    }
    for name, value in changes.items():
        if value == "":
            attrs.pop(name, None)
            if name in CHANNELS:
                attrs.pop(f"{name}_verified", None)
        elif name in VERIFIED_FLAGS:
            attrs[name] = value.lower()
        elif name not in CHANNELS or attrs.get(name) == value or name in verified_too:
            attrs[name] = value
        elif name in auto and name in before_update and attrs.get(name):
            out.to_verify.append(Destination(name, value))
        else:
            attrs[name] = value
            attrs[f"{name}_verified"] = "false"
            if name in auto:
                out.to_verify.append(Destination(name, value))
    return out


def check_not_removing_required(pool: Pool, before: Mapping[str, str], after: Mapping[str, str]) -> None:
    """Deleting a required attribute -> InvalidParameterException (core spec §6.7 [INF text])."""
    lost = set(missing_required(schema_of(pool), after)) - set(missing_required(schema_of(pool), before))
    if lost:
        raise invalid_parameter(required_message(sorted(lost)))


def update_attributes(
    ctx: Context, pool: Pool, user: User, changes: Mapping[str, str], *, given_wording: bool
) -> tuple[User, list[Destination]]:
    """Validate and store an attribute write; returns the stored user and the values to verify."""
    validate_values(schema_of(pool), changes, creating=False)
    planned = plan_update(pool, user, changes)
    check_not_removing_required(pool, user.attributes, planned.attributes)
    updated = user.with_changes(attributes=planned.attributes, modified_at=ctx.now())
    claim_aliases(ctx, pool, user, updated, force=False, given_wording=given_wording)
    users.save_user(ctx.conn, updated)
    return updated, planned.to_verify


def delete_attributes(ctx: Context, pool: Pool, user: User, names: list[str]) -> User:
    """AdminDeleteUserAttributes / DeleteUserAttributes (core spec §6.7): deleting email or
    phone_number also drops its verified flag [INF]."""
    updated, _ = update_attributes(ctx, pool, user, dict.fromkeys(names, ""), given_wording=True)
    return updated


def mark_verified(ctx: Context, pool: Pool, user: User, attr: str, value: str, *, force: bool) -> User:
    """`attr` is proven to be `value` (ConfirmSignUp, VerifyUserAttribute): set it, flag it
    verified and claim the alias (core spec §7.1, §7.5)."""
    attrs = {**user.attributes, attr: value, f"{attr}_verified": "true"}
    updated = user.with_changes(attributes=attrs, modified_at=ctx.now())
    claim_aliases(ctx, pool, user, updated, force=force, given_wording=False)
    users.save_user(ctx.conn, updated)
    return updated
