"""One user: attributes, status, groups, MFA settings (toggles -> AdminSetUserMFAPreference), the
TOTP token, devices (when the device operations exist), "Next sign-in" (the decision and its
rules, as `userpool explain` prints them) and the admin actions."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from starlette.responses import Response

from userpool.api.context import Context
from userpool.api.dispatch import HANDLERS
from userpool.clock import SystemClock
from userpool.console import table
from userpool.console.calls import call, read
from userpool.console.forms import Field, FormState, Submitted, failed_form
from userpool.console.pages import Page
from userpool.domain.mfa import ORDER, RULES, SETTINGS_BLOCKS
from userpool.explaining import DEFAULT_WARNING, as_json, explain_user
from userpool.ops.common import require_pool, require_user
from userpool.store.db import transaction

MFA_FIELDS = (
    Field("preferred", "", ("preferred",)),
    Field("enabled_SMS_MFA", "SMSMfaSettings", ("sms_mfa", "sms mfa", "phone_number")),
    Field("enabled_SOFTWARE_TOKEN_MFA", "SoftwareTokenMfaSettings", ("software_token", "software token")),
    Field("enabled_EMAIL_OTP", "EmailMfaSettings", ("email_otp", "email mfa")),
)


@dataclass(frozen=True)
class Action:
    operation: str
    params: Callable[[Submitted], dict[str, Any]]
    notice: str
    fields: tuple[Field, ...] = ()


ACTIONS: dict[str, Action] = {
    "enable": Action("AdminEnableUser", lambda f: {}, "enabled"),
    "disable": Action("AdminDisableUser", lambda f: {}, "disabled"),
    "reset-password": Action("AdminResetUserPassword", lambda f: {}, "reset"),
    "sign-out": Action("AdminUserGlobalSignOut", lambda f: {}, "signed-out"),
    "set-password": Action(
        "AdminSetUserPassword",
        lambda f: {"Password": f.get("Password"), "Permanent": f.checked("Permanent")},
        "password",
        (Field("Password", "Password", ("password",)),),
    ),
    "attributes": Action(
        "AdminUpdateUserAttributes",
        lambda f: {"UserAttributes": [{"Name": f.stripped("name"), "Value": f.get("value")}]},
        "saved",
        (Field("value", "UserAttributes", ("attribute", "format", "value")),),
    ),
    "delete-attribute": Action(
        "AdminDeleteUserAttributes", lambda f: {"UserAttributeNames": [f.get("name")]}, "saved"
    ),
    "delete": Action("AdminDeleteUser", lambda f: {}, "deleted"),
    "forget-device": Action("AdminForgetDevice", lambda f: {"DeviceKey": f.get("device")}, "saved"),
}


def totp_state(mfa: dict[str, Any]) -> str:
    """What the stored software token record says (MFA spec §1 `totp`)."""
    totp = mfa.get("totp") or {}
    if totp.get("verified") and totp.get("secret"):
        name = totp.get("friendly_name")
        return f"registered and verified ({name})" if name else "registered and verified"
    if totp.get("pending_secret"):
        return "associated, not verified yet (VerifySoftwareToken pending)"
    return "none registered"


def _stored_mfa(page: Page, pool_id: str, name: str) -> dict[str, Any]:
    with transaction(page.server.engine) as conn:
        ctx = Context(conn=conn, clock=SystemClock(), settings=page.server.settings, region=None)
        return dict(require_user(ctx, require_pool(ctx, pool_id), name).mfa)


def _devices(page: Page, pool_id: str, name: str) -> list[dict[str, Any]] | None:
    """AdminListDevices when the server implements it; None means "no device support"."""
    if "AdminListDevices" not in HANDLERS:
        return None
    outcome = call(page.server, "AdminListDevices", {"UserPoolId": pool_id, "Username": name, "Limit": 60})
    return list(outcome.body.get("Devices", [])) if outcome.ok else []


def _explanation(page: Page, pool_id: str, name: str) -> dict[str, Any]:
    with transaction(page.server.engine) as conn:
        found = explain_user(conn, page.server.settings, pool_id, name)
    return {
        "json": as_json(found),
        "outcome": table.outcome(found.decision.step),
        "other_outcome": table.outcome(found.other.step),
        "disagree": found.disagree,
        "warning": DEFAULT_WARNING if found.decision.by_default else None,
    }


def _mfa_form(user: dict[str, Any]) -> FormState:
    values: dict[str, object] = {f"enabled_{f}": "on" for f in user.get("UserMFASettingList") or []}
    values["preferred"] = user.get("PreferredMfaSetting") or "none"
    return FormState("mfa", values)


def user_page(page: Page, failed: FormState | None = None) -> Response:
    pool_id, name = page.path("pool_id"), page.path("sub")
    pool = read(page.server, "DescribeUserPool", {"UserPoolId": pool_id})["UserPool"]
    user = read(page.server, "AdminGetUser", {"UserPoolId": pool_id, "Username": name})
    groups = read(page.server, "AdminListGroupsForUser", {"UserPoolId": pool_id, "Username": name})
    forms = {"mfa": _mfa_form(user)}
    if failed is not None:
        forms[failed.name] = failed
    return page.render(
        "user.html",
        400 if failed is not None else 200,
        pool=pool,
        tab="users",
        user=user,
        sub=name,
        groups=groups.get("Groups", []),
        forms=forms,
        blank=FormState(""),
        factors=ORDER,
        label=table.label,
        totp=totp_state(_stored_mfa(page, pool_id, name)),
        devices=_devices(page, pool_id, name),
        explanation=_explanation(page, pool_id, name),
        rules=RULES,
    )


def show_user(page: Page) -> Response:
    return user_page(page)


def run_action(page: Page) -> Response:
    pool_id, name = page.path("pool_id"), page.path("sub")
    action = ACTIONS.get(page.path("action"))
    if action is None:
        return page.render("error.html", 404, code="NotFound", message="No such action.")
    params = {"UserPoolId": pool_id, "Username": name, **action.params(page.form)}
    outcome = call(page.server, action.operation, params)
    if not outcome.ok:
        return user_page(page, failed_form(page.path("action"), page.form, outcome, action.fields))
    if action.operation == "AdminDeleteUser":
        return page.redirect(f"/pools/{pool_id}/users", action.notice)
    return page.redirect(f"/pools/{pool_id}/users/{name}", action.notice)


def preference_request(pool_id: str, name: str, form: Submitted, user: dict[str, Any]) -> dict[str, Any]:
    """AdminSetUserMFAPreference with a block for each factor whose toggles changed (an omitted
    block leaves the factor as it is, MFA spec §4.1 rule 1)."""
    enabled = set(user.get("UserMFASettingList") or [])
    was_preferred = user.get("PreferredMfaSetting")
    preferred = form.get("preferred")
    request: dict[str, Any] = {"UserPoolId": pool_id, "Username": name}
    for factor, block in SETTINGS_BLOCKS.items():
        on, prefer = form.checked(f"enabled_{factor}"), preferred == factor
        if on != (factor in enabled) or prefer != (was_preferred == factor):
            request[block] = {"Enabled": on, "PreferredMfa": prefer}
    return request


def save_mfa(page: Page) -> Response:
    pool_id, name = page.path("pool_id"), page.path("sub")
    user = read(page.server, "AdminGetUser", {"UserPoolId": pool_id, "Username": name})
    request = preference_request(pool_id, name, page.form, user)
    if len(request) > 2:
        outcome = call(page.server, "AdminSetUserMFAPreference", request)
        if not outcome.ok:
            return user_page(page, failed_form("mfa", page.form, outcome, MFA_FIELDS))
    return page.redirect(f"/pools/{pool_id}/users/{name}", "saved")
