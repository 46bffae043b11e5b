"""The pool's MFA page (the seed article's "Edit multi-factor authentication" screen) and its
decision table."""

from __future__ import annotations

from typing import Any

from starlette.responses import Response

from userpool.console import prereqs, table
from userpool.console.calls import PoolView, call, pool_view
from userpool.console.forms import Field, FormState, Submitted, blank, failed_form
from userpool.console.pages import Page
from userpool.domain.mfa import EMAIL, ORDER, RULES, SMS, TOTP, Switches, pool_factors

MODES = (
    ("OFF", "No MFA", "Users sign in with their first factor only."),
    ("OPTIONAL", "Optional MFA", "Users who set up a factor are challenged for it."),
    ("ON", "Require MFA", "Every user is challenged at sign-in."),
)
FACTORS = (
    (TOTP, "Authenticator apps", "Time-based one-time passwords (TOTP) from an app on the user's device."),
    (SMS, "SMS message", "A code sent by text message to the user's phone_number, through Amazon SNS."),
    (EMAIL, "Email message", "A code sent by email to the user's email address, through Amazon SES."),
)
DEFAULT_SMS_MESSAGE = "Your authentication code is {####}. "
DEFAULT_EMAIL_SUBJECT = "Your authentication code"
DEFAULT_EMAIL_MESSAGE = "Your authentication code is {####}"
FIELDS = (
    Field("mode", "MfaConfiguration", ("mfa configuration", "auth factor", "webauthn")),
    Field("sms_message", "SmsMfaConfiguration.SmsAuthenticationMessage"),
    Field("email_message", "EmailMfaConfiguration.Message"),
    Field("email_subject", "EmailMfaConfiguration.Subject"),
    Field(f"factor_{SMS}", "SmsMfaConfiguration", ("sms configuration", "sms mfa")),
    Field(f"factor_{EMAIL}", "EmailMfaConfiguration", ("emailmfaconfiguration", "email mfa")),
    Field(f"factor_{TOTP}", "SoftwareTokenMfaConfiguration", ("software token",)),
)


def _values(view: PoolView) -> dict[str, object]:
    state = view.mfa_config
    mfa = view.mfa
    sms = state.get("SmsMfaConfiguration") or {}
    email = state.get("EmailMfaConfiguration") or {}
    values: dict[str, object] = {
        "mode": mfa.mode,
        "sms_message": sms.get("SmsAuthenticationMessage") or DEFAULT_SMS_MESSAGE,
        "email_subject": email.get("Subject") or DEFAULT_EMAIL_SUBJECT,
        "email_message": email.get("Message") or DEFAULT_EMAIL_MESSAGE,
    }
    on = pool_factors(mfa)
    for factor in ORDER:
        values[f"factor_{factor}"] = "on" if factor in on else None
    return values


def _factors(view: PoolView, switches: Switches) -> list[dict[str, Any]]:
    """Each factor with what it still needs; a factor with a missing prerequisite can't be ticked,
    unless it is on now (so that it can still be turned off)."""
    on = pool_factors(view.mfa)
    out = []
    for factor, title, about in FACTORS:
        missing = prereqs.missing(factor, view.pool, switches)
        out.append(
            {
                "id": factor,
                "title": title,
                "about": about,
                "missing": missing,
                "disabled": bool(missing) and factor not in on,
            }
        )
    return out


def mfa_page(page: Page, failed: FormState | None = None) -> Response:
    view = pool_view(page.server, page.path("pool_id"))
    settings = page.server.settings
    return page.render(
        "mfa.html",
        400 if failed is not None else 200,
        pool=view.pool,
        tab="mfa",
        form=failed or blank("mfa", _values(view)),
        modes=MODES,
        factors=_factors(view, settings.switches),
        sandbox=settings.sms_sandbox,
        verified_numbers=settings.sms_verified_numbers,
    )


def show_mfa(page: Page) -> Response:
    return mfa_page(page)


def mfa_request(pool_id: str, form: Submitted) -> dict[str, Any]:
    """SetUserPoolMfaConfig as the form asks for it: the chosen mode and exactly the ticked
    factors (the call replaces the whole MFA state, MFA spec §2.2)."""
    request: dict[str, Any] = {"UserPoolId": pool_id, "MfaConfiguration": form.get("mode", "OFF")}
    if form.checked(f"factor_{SMS}"):
        message = form.get("sms_message")
        request["SmsMfaConfiguration"] = {"SmsAuthenticationMessage": message} if message else {}
    if form.checked(f"factor_{TOTP}"):
        request["SoftwareTokenMfaConfiguration"] = {"Enabled": True}
    if form.checked(f"factor_{EMAIL}"):
        email = {"Subject": form.get("email_subject"), "Message": form.get("email_message")}
        request["EmailMfaConfiguration"] = {k: v for k, v in email.items() if v}
    return request


def save_mfa(page: Page) -> Response:
    pool_id = page.path("pool_id")
    outcome = call(page.server, "SetUserPoolMfaConfig", mfa_request(pool_id, page.form))
    if not outcome.ok:
        return mfa_page(page, failed_form("mfa", page.form, outcome, FIELDS))
    return page.redirect(f"/pools/{pool_id}/mfa", "saved")


# --------------------------------------------------------------------------- the decision table


def _rows(page: Page, view: PoolView) -> list[table.Row]:
    settings = page.server.settings
    return table.build(
        view.mfa,
        model=settings.mfa_model,
        switches=settings.switches,
        include_refused=page.query("all") == "1",
    )


def show_table(page: Page) -> Response:
    view = pool_view(page.server, page.path("pool_id"))
    return page.render(
        "table.html",
        pool=view.pool,
        tab="table",
        mfa=view.mfa,
        rows=_rows(page, view),
        order=ORDER,
        label=table.label,
        outcome=table.outcome,
        model=page.server.settings.mfa_model,
        all=page.query("all") == "1",
        rules=RULES,
    )


def table_csv(page: Page) -> Response:
    view = pool_view(page.server, page.path("pool_id"))
    name = f"{view.id}-mfa-decisions.csv"
    return Response(
        table.to_csv(_rows(page, view)),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )
