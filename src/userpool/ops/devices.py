"""Devices (MFA spec §5.6, core spec §9.5): NewDeviceMetadata after a sign-in, the device checks of a
sign-in and of a refresh (core spec §4.7), and ConfirmDevice, (Admin)ListDevices, (Admin)GetDevice,
(Admin)UpdateDeviceStatus and (Admin)ForgetDevice."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from userpool.api.context import Context
from userpool.api.dispatch import operation
from userpool.api.errors import (
    CognitoError,
    invalid_parameter,
    not_authorized,
    resource_not_found,
    user_not_found,
)
from userpool.crypto import srp
from userpool.domain.ids import new_device_group_key, new_device_key
from userpool.ops.common import find_user, require_pool
from userpool.ops.listing import decode_token, encode_token
from userpool.store import devices as store
from userpool.store.devices import Device
from userpool.store.pools import Pool
from userpool.store.users import User
from userpool.tokens import service as tokens

REMEMBERED = "remembered"
NOT_REMEMBERED = "not_remembered"
# Core spec §9.5: clients look for the word "device" and retry without one [OBS SRP-JS]; the text
# [OBS aws-sdk-android AWSMobileClient integration test, testForgetDevice].
NO_DEVICE = "Device does not exist."
DEVICE_EXISTS = "Device key already exists."  # DeviceKeyExistsException [INF text]
BAD_VERIFIER = "Invalid device secret verifier config."  # [INF text]
INVALID_REFRESH = "Invalid Refresh Token."  # core spec §4.7, §13 [OBS]
DEFAULT_LIMIT = 60  # Limit omitted or 0 [INF, as ListUsers core spec §11.1]


def tracking_on(pool: Pool) -> bool:
    """MFA spec §5.6 [DOC API-DEV]: device tracking is on when DeviceConfiguration has any value."""
    return pool.config.get("DeviceConfiguration") is not None


def _user_prompt(pool: Pool) -> bool:
    return (pool.config.get("DeviceConfiguration") or {}).get("DeviceOnlyRememberedOnUserPrompt") is True


def new_device(ctx: Context, pool: Pool, user: User) -> dict[str, str]:
    """NewDeviceMetadata (MFA spec §5.6): a new, unconfirmed device, in the group of the user's
    other devices if there are any [INF]."""
    group = store.group_key_of_user(ctx.conn, user.id) or new_device_group_key()
    key = new_device_key(pool.region)
    now = ctx.now()
    device = Device(
        key=key,
        pool_id=pool.id,
        user_id=user.id,
        group_key=group,
        status=NOT_REMEMBERED,
        confirmed=False,
        created_at=now,
        modified_at=now,
        last_authenticated_at=float(int(now)),  # whole seconds, as real DeviceType shows [OBS CLI-EX]
    )
    store.insert_device(ctx.conn, device)
    return {"DeviceKey": key, "DeviceGroupKey": group}


def device_of(ctx: Context, pool: Pool, user: User, key: str) -> Device:
    """The user's device; a key of another user or pool, or an unknown one, is
    ResourceNotFoundException `Device does not exist.` (core spec §9.5)."""
    device = store.get_device(ctx.conn, key)
    if device is None or device.pool_id != pool.id or device.user_id != user.id:
        raise resource_not_found(NO_DEVICE)
    return device


def sign_in_device(ctx: Context, pool: Pool, user: User, key: str | None) -> str | None:
    """The DEVICE_KEY a sign-in names, once it is known to be the user's (core spec §9.5); None when
    the request names none or the pool does not track devices (the key is then ignored [INF])."""
    if not key or not tracking_on(pool):
        return None
    return device_of(ctx, pool, user, key).key


def is_remembered(ctx: Context, user: User, key: str | None) -> bool:
    """MFA spec §5.6: the sign-in names a confirmed device this user marked remembered."""
    device = store.get_device(ctx.conn, key) if key else None
    return (
        device is not None and device.user_id == user.id and device.confirmed and device.status == REMEMBERED
    )


def for_tokens(
    ctx: Context, pool: Pool, user: User, key: str | None
) -> tuple[str | None, dict[str, str] | None]:
    """The device key the tokens carry (core spec §4.3 `device_key`), and NewDeviceMetadata when a
    device-tracking pool's sign-in used no device key (MFA spec §5.6)."""
    if key is not None:
        store.update_device(ctx.conn, key, last_authenticated_at=float(int(ctx.now())))
        return key, None
    if not tracking_on(pool):
        return None, None
    metadata = new_device(ctx, pool, user)
    return metadata["DeviceKey"], metadata


def check_refresh(ctx: Context, pool: Pool, user: User, claimed: str | None, sent: str | None) -> None:
    """Core spec §4.7 [DOC BM; OBS GH-aws-sdk-java-v2-3418]: with device tracking on, tokens issued
    to a device refresh only with that device's key, and the device must still be confirmed."""
    if claimed is None or not tracking_on(pool):
        return
    device = store.get_device(ctx.conn, sent) if sent else None
    if sent != claimed or device is None or device.user_id != user.id or not device.confirmed:
        raise not_authorized(INVALID_REFRESH)


# --- the operations ------------------------------------------------------------------------------


def device_type(ctx: Context, pool: Pool, user: User, device: Device) -> dict[str, Any]:
    """`DeviceType`, attributes as real ones list them [OBS CLI-EX get-device, list-devices]; the
    client's IP (`last_ip_used`) and SDK are not known here."""
    owner = f"{user.username}.{pool.id}"
    arn = f"arn:aws:cognito-idp:{pool.region}:{ctx.settings.account_id}:owner/{owner}/device/{device.key}"
    attributes = [("device_status", "valid")]
    if device.name:
        attributes.append(("device_name", device.name))
    attributes += [
        ("dev:device_arn", arn),
        ("dev:device_owner", owner),
        ("dev:device_remembered_status", device.status),
    ]
    out: dict[str, Any] = {
        "DeviceKey": device.key,
        "DeviceAttributes": [{"Name": name, "Value": value} for name, value in attributes],
        "DeviceCreateDate": device.created_at,
        "DeviceLastModifiedDate": device.modified_at,
    }
    if device.last_authenticated_at is not None:
        out["DeviceLastAuthenticatedDate"] = device.last_authenticated_at
    return out


def _confirmed(ctx: Context, pool: Pool, user: User, key: str) -> Device:
    """A device the device operations can see: confirmed by ConfirmDevice [INF]."""
    device = device_of(ctx, pool, user, key)
    if not device.confirmed:
        raise resource_not_found(NO_DEVICE)
    return device


def _caller(ctx: Context, params: Mapping[str, Any]) -> tokens.Caller:
    """GetDevice and ForgetDevice model AccessToken as optional; without one there is no caller."""
    token = params.get("AccessToken")
    if not token:
        raise not_authorized(tokens.INVALID_ACCESS_TOKEN)
    return tokens.authenticate(ctx, token)


def _admin(
    ctx: Context, params: Mapping[str, Any], *, declares_user_not_found: bool = True
) -> tuple[Pool, User]:
    """The pool and user of an Admin device operation. AdminGetDevice and AdminListDevices declare
    no UserNotFoundException (only declared errors, core spec §1.3): a missing user is a missing
    resource there [INF]."""
    pool = require_pool(ctx, params["UserPoolId"])
    user = find_user(ctx, pool, params["Username"])
    if user is None:
        raise user_not_found() if declares_user_not_found else resource_not_found("User does not exist.")
    return pool, user


@operation("ConfirmDevice")
def confirm_device(ctx: Context, params: dict[str, Any]) -> Mapping[str, Any]:
    """MFA spec §5.6, core spec §9.5: store the device's SRP salt and verifier;
    `UserConfirmationNecessary` = DeviceOnlyRememberedOnUserPrompt, and until the user says so the
    device is not remembered."""
    caller = _caller(ctx, params)
    device = device_of(ctx, caller.pool, caller.user, params["DeviceKey"])
    if device.confirmed:
        raise CognitoError("DeviceKeyExistsException", DEVICE_EXISTS)
    config = params.get("DeviceSecretVerifierConfig") or {}
    parsed = srp.parse_device_verifier_config(config.get("PasswordVerifier", ""), config.get("Salt", ""))
    if parsed is None:
        raise invalid_parameter(BAD_VERIFIER)
    salt, verifier = parsed
    prompt = _user_prompt(caller.pool)
    store.update_device(
        ctx.conn,
        device.key,
        salt=salt,
        verifier=format(verifier, "x"),
        name=params.get("DeviceName"),
        status=NOT_REMEMBERED if prompt else REMEMBERED,
        confirmed=True,
        modified_at=ctx.now(),
    )
    return {"UserConfirmationNecessary": prompt}


def _listing(
    ctx: Context, pool: Pool, user: User, params: Mapping[str, Any], statuses: tuple[str, ...]
) -> dict[str, Any]:
    limit = int(params.get("Limit") or DEFAULT_LIMIT)
    scope = f"devices:{user.sub}"
    token = params.get("PaginationToken")
    after = decode_token(token, pool.id, scope, ctx.now()) if token else None
    found = store.list_devices(ctx.conn, user.id, statuses=statuses, after=after, limit=limit + 1)
    out: dict[str, Any] = {"Devices": [device_type(ctx, pool, user, d) for d in found[:limit]]}
    if len(found) > limit:
        last = found[limit - 1]
        out["PaginationToken"] = encode_token((last.created_at, last.key), pool.id, scope, ctx.now())
    return out


@operation("ListDevices", reads_only=True)
def list_devices(ctx: Context, params: dict[str, Any]) -> Mapping[str, Any]:
    """Only remembered devices [OBS aws-sdk-android integration test testRememberDevice: a
    not-remembered device is not listed]."""
    caller = _caller(ctx, params)
    return _listing(ctx, caller.pool, caller.user, params, (REMEMBERED,))


@operation("AdminListDevices", reads_only=True)
def admin_list_devices(ctx: Context, params: dict[str, Any]) -> Mapping[str, Any]:
    pool, user = _admin(ctx, params, declares_user_not_found=False)
    return _listing(ctx, pool, user, params, (REMEMBERED, NOT_REMEMBERED))


@operation("GetDevice", reads_only=True)
def get_device(ctx: Context, params: dict[str, Any]) -> Mapping[str, Any]:
    """A not-remembered device is not found by its owner [OBS aws-sdk-android testRememberDevice],
    while AdminGetDevice shows it."""
    caller = _caller(ctx, params)
    device = _confirmed(ctx, caller.pool, caller.user, params["DeviceKey"])
    if device.status != REMEMBERED:
        raise resource_not_found(NO_DEVICE)
    return {"Device": device_type(ctx, caller.pool, caller.user, device)}


@operation("AdminGetDevice", reads_only=True)
def admin_get_device(ctx: Context, params: dict[str, Any]) -> Mapping[str, Any]:
    pool, user = _admin(ctx, params, declares_user_not_found=False)
    return {"Device": device_type(ctx, pool, user, _confirmed(ctx, pool, user, params["DeviceKey"]))}


def _update_status(ctx: Context, pool: Pool, user: User, params: Mapping[str, Any]) -> Mapping[str, Any]:
    device = _confirmed(ctx, pool, user, params["DeviceKey"])
    status = params.get("DeviceRememberedStatus")
    if not status:
        raise invalid_parameter("Missing required parameter DeviceRememberedStatus")  # [INF]
    store.update_device(ctx.conn, device.key, status=status, modified_at=ctx.now())
    return {}


@operation("UpdateDeviceStatus")
def update_device_status(ctx: Context, params: dict[str, Any]) -> Mapping[str, Any]:
    caller = _caller(ctx, params)
    return _update_status(ctx, caller.pool, caller.user, params)


@operation("AdminUpdateDeviceStatus")
def admin_update_device_status(ctx: Context, params: dict[str, Any]) -> Mapping[str, Any]:
    pool, user = _admin(ctx, params)
    return _update_status(ctx, pool, user, params)


@operation("ForgetDevice")
def forget_device(ctx: Context, params: dict[str, Any]) -> Mapping[str, Any]:
    caller = _caller(ctx, params)
    store.delete_device(ctx.conn, device_of(ctx, caller.pool, caller.user, params["DeviceKey"]).key)
    return {}


@operation("AdminForgetDevice")
def admin_forget_device(ctx: Context, params: dict[str, Any]) -> Mapping[str, Any]:
    pool, user = _admin(ctx, params)
    store.delete_device(ctx.conn, device_of(ctx, pool, user, params["DeviceKey"]).key)
    return {}
