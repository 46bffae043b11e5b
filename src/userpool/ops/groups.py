"""Groups: CreateGroup, GetGroup, UpdateGroup, DeleteGroup, ListGroups, AdminAddUserToGroup,
AdminRemoveUserFromGroup, AdminListGroupsForUser, ListUsersInGroup (core spec §11.2, §4.4)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from userpool.api.context import Context
from userpool.api.dispatch import operation
from userpool.api.errors import CognitoError, resource_not_found
from userpool.domain.mfa import pool_mfa
from userpool.ops.common import require_pool, require_user, user_type
from userpool.ops.pools import paginate
from userpool.store import groups as store
from userpool.store.groups import Group
from userpool.store.pools import Pool

T = TypeVar("T")

# core spec §11.2 [INF]
GROUP_EXISTS = "A group with the name already exists."
# core spec §1.6 [INF]
GROUP_NOT_FOUND = "Group not found."
# Fields UpdateGroup changes when given (core spec §11.2 [DOC BM]): request member -> column.
UPDATABLE = {"Description": "description", "RoleArn": "role_arn", "Precedence": "precedence"}


def group_type(group: Group) -> dict[str, Any]:
    """`GroupType`: optional members only when set (core spec §11.2)."""
    out: dict[str, Any] = {"GroupName": group.name, "UserPoolId": group.pool_id}
    for member, column in UPDATABLE.items():
        value = getattr(group, column)
        if value is not None:
            out[member] = value
    out["LastModifiedDate"] = group.modified_at
    out["CreationDate"] = group.created_at
    return out


def require_group(ctx: Context, pool: Pool, name: str) -> Group:
    group = store.get_group(ctx.conn, pool.id, name)
    if group is None:
        raise resource_not_found(GROUP_NOT_FOUND)
    return group


def _page(
    params: dict[str, Any], scope: str, fetch: Callable[[str | None, int], list[T]], key: Callable[[T], str]
) -> tuple[list[T], dict[str, Any]]:
    """`Limit` 0..60, omitted or 0 -> 60 (core spec §11.1 [INF]); NextToken tied to `scope`."""
    found, token = paginate(scope, params.get("NextToken"), int(params.get("Limit") or 60), fetch, key)
    return found, ({} if token is None else {"NextToken": token})


@operation("CreateGroup")
def create_group(ctx: Context, params: dict[str, Any]) -> dict[str, Any]:
    pool = require_pool(ctx, params["UserPoolId"])
    if store.get_group(ctx.conn, pool.id, params["GroupName"]) is not None:
        raise CognitoError("GroupExistsException", GROUP_EXISTS)
    now = ctx.now()
    group = Group(
        pool_id=pool.id,
        name=params["GroupName"],
        description=params.get("Description"),
        role_arn=params.get("RoleArn"),
        precedence=params.get("Precedence"),
        created_at=now,
        modified_at=now,
    )
    store.insert_group(ctx.conn, group)
    return {"Group": group_type(group)}


@operation("GetGroup", reads_only=True)
def get_group(ctx: Context, params: dict[str, Any]) -> dict[str, Any]:
    pool = require_pool(ctx, params["UserPoolId"])
    return {"Group": group_type(require_group(ctx, pool, params["GroupName"]))}


@operation("UpdateGroup")
def update_group(ctx: Context, params: dict[str, Any]) -> dict[str, Any]:
    """Only the fields given change (core spec §11.2 [DOC BM])."""
    pool = require_pool(ctx, params["UserPoolId"])
    group = require_group(ctx, pool, params["GroupName"])
    changes = {column: params[member] for member, column in UPDATABLE.items() if member in params}
    updated = Group(**{**group.__dict__, **changes, "modified_at": ctx.now()})
    store.save_group(ctx.conn, updated)
    return {"Group": group_type(updated)}


@operation("DeleteGroup")
def delete_group(ctx: Context, params: dict[str, Any]) -> dict[str, Any]:
    pool = require_pool(ctx, params["UserPoolId"])
    group = require_group(ctx, pool, params["GroupName"])
    store.delete_group(ctx.conn, pool.id, group.name)
    return {}


@operation("ListGroups", reads_only=True)
def list_groups(ctx: Context, params: dict[str, Any]) -> dict[str, Any]:
    pool = require_pool(ctx, params["UserPoolId"])
    found, more = _page(
        params,
        f"ListGroups|{pool.id}",
        lambda after, n: store.list_groups(ctx.conn, pool.id, after=after, limit=n),
        lambda g: g.name,
    )
    return {"Groups": [group_type(g) for g in found], **more}


@operation("AdminAddUserToGroup")
def admin_add_user_to_group(ctx: Context, params: dict[str, Any]) -> dict[str, Any]:
    """Idempotent (core spec §11.2 [INF]); the group is looked up before the user [INF]."""
    pool = require_pool(ctx, params["UserPoolId"])
    group = require_group(ctx, pool, params["GroupName"])
    user = require_user(ctx, pool, params["Username"])
    store.add_member(ctx.conn, pool.id, group.name, user.id)
    return {}


@operation("AdminRemoveUserFromGroup")
def admin_remove_user_from_group(ctx: Context, params: dict[str, Any]) -> dict[str, Any]:
    """A non-member is no error (core spec §11.2 [INF])."""
    pool = require_pool(ctx, params["UserPoolId"])
    group = require_group(ctx, pool, params["GroupName"])
    user = require_user(ctx, pool, params["Username"])
    store.remove_member(ctx.conn, pool.id, group.name, user.id)
    return {}


@operation("AdminListGroupsForUser", reads_only=True)
def admin_list_groups_for_user(ctx: Context, params: dict[str, Any]) -> dict[str, Any]:
    pool = require_pool(ctx, params["UserPoolId"])
    user = require_user(ctx, pool, params["Username"])
    found, more = _page(
        params,
        f"AdminListGroupsForUser|{pool.id}|{user.id}",
        lambda after, n: store.list_groups(ctx.conn, pool.id, after=after, limit=n, member=user.id),
        lambda g: g.name,
    )
    return {"Groups": [group_type(g) for g in found], **more}


@operation("ListUsersInGroup", reads_only=True)
def list_users_in_group(ctx: Context, params: dict[str, Any]) -> dict[str, Any]:
    pool = require_pool(ctx, params["UserPoolId"])
    group = require_group(ctx, pool, params["GroupName"])
    found, more = _page(
        params,
        f"ListUsersInGroup|{pool.id}|{group.name}",
        lambda after, n: store.members(ctx.conn, pool.id, group.name, after=after, limit=n),
        lambda u: u.username_key,
    )
    mfa = pool_mfa(pool.config)
    return {"Users": [user_type(ctx, pool, u, mfa) for u in found], **more}
