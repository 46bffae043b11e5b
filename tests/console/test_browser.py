"""The console in headless Chromium: the seed article's MFA screens with their prerequisite panels,
a user's MFA toggles and "Next sign-in", Messages, and forms failing with the API's own errors."""

from __future__ import annotations

import re
from typing import Any

from playwright.sync_api import Page, expect

from tests.conftest import Running
from tests.console.helpers import (
    DOMAIN_ARN,
    FROM,
    SNS_ROLE,
    create_pool,
    field_error,
    open_console,
    prerequisite,
    save,
    section,
    unique,
)
from tests.wire.mfa_helpers import email_address, mfa_pool, set_mfa
from userpool.api.dispatch import HANDLERS

PASSWORD = "Passw0rd!long"


def open_mfa(page: Page, running: Running, pool_id: str) -> None:
    open_console(page, running, f"/pools/{pool_id}/mfa")


def factor_box(page: Page, title: str) -> Any:
    return page.get_by_role("checkbox", name=title)


def test_prerequisite_panels_disappear_once_their_forms_are_filled(
    page: Page, console_server: Running, idp: Any
) -> None:
    pool_id = create_pool(page, console_server, unique("article"), tier="LITE")
    page.get_by_role("link", name="MFA", exact=True).click()
    expect(factor_box(page, "SMS message")).to_be_disabled()
    expect(factor_box(page, "Email message")).to_be_disabled()
    expect(factor_box(page, "Authenticator apps")).to_be_enabled()
    expect(prerequisite(page, "SOFTWARE_TOKEN_MFA")).to_have_count(0)
    expect(prerequisite(page, "EMAIL_OTP").locator("li")).to_have_count(2)  # SES sender, plan

    # SMS: the panel's link leads to the SMS configuration form.
    prerequisite(page, "SMS_MFA").get_by_role("link", name="Configure SMS").click()
    sms = section(page, "sms")
    sms.get_by_label("IAM role ARN (SnsCallerArn)").fill(SNS_ROLE)
    save(sms)
    expect(page.locator(".notice")).to_have_text("Saved.")
    open_mfa(page, console_server, pool_id)
    expect(prerequisite(page, "SMS_MFA")).to_have_count(0)
    expect(factor_box(page, "SMS message")).to_be_enabled()

    # Email through SES: the seed article's domain identity without a From address fails.
    prerequisite(page, "EMAIL_OTP").get_by_role("link", name="Send email with Amazon SES").click()
    email = section(page, "email")
    email.get_by_label("Send email with Amazon SES").check()
    email.get_by_label("SES identity (SourceArn)").fill(DOMAIN_ARN)
    save(email)
    email = section(page, "email")
    expect(field_error(email, "From")).to_contain_text("Unable to resolve a sender email address")
    expect(email.get_by_label("SES identity (SourceArn)")).to_have_value(DOMAIN_ARN)
    expect(email.get_by_label("Send email with Amazon SES")).to_be_checked()
    email.get_by_label("FROM address (From)").fill(FROM)
    save(email)
    expect(page.locator(".notice")).to_have_text("Saved.")

    # The plan, then account recovery (Email only is refused for email MFA, rule E9).
    open_mfa(page, console_server, pool_id)
    expect(prerequisite(page, "EMAIL_OTP").locator("li")).to_have_count(1)
    prerequisite(page, "EMAIL_OTP").get_by_role("link", name="Change the plan").click()
    plan = section(page, "plan")
    plan.get_by_label("Feature plan (UserPoolTier)").select_option("ESSENTIALS")
    save(plan)
    recovery = section(page, "recovery")
    recovery.get_by_label("Email only").check()
    save(recovery)
    open_mfa(page, console_server, pool_id)
    expect(prerequisite(page, "EMAIL_OTP").locator('li[data-rule="E9"]')).to_have_count(1)
    prerequisite(page, "EMAIL_OTP").get_by_role("link", name="Change account recovery").click()
    recovery = section(page, "recovery")
    recovery.get_by_label("Email if available, otherwise SMS").check()
    save(recovery)

    # Every panel gone: require MFA with all three factors, as at the end of the article.
    open_mfa(page, console_server, pool_id)
    expect(page.locator(".prerequisite")).to_have_count(0)
    page.get_by_label("Require MFA").check()
    for title in ("Authenticator apps", "SMS message", "Email message"):
        factor_box(page, title).check()
    page.get_by_role("button", name="Save changes").click()
    expect(page.locator(".notice")).to_have_text("Saved.")
    config = idp.get_user_pool_mfa_config(UserPoolId=pool_id)
    assert config["MfaConfiguration"] == "ON"
    assert config["SoftwareTokenMfaConfiguration"] == {"Enabled": True}
    assert {"SmsMfaConfiguration", "EmailMfaConfiguration"} <= set(config)


def test_a_bad_value_shows_the_api_error_and_keeps_the_input(
    page: Page, console_server: Running, idp: Any
) -> None:
    pool_id = mfa_pool(idp, PoolName=unique("bad"))
    open_mfa(page, console_server, pool_id)
    page.get_by_label("Optional MFA").check()
    factor_box(page, "SMS message").check()
    message = page.get_by_label("SMS message (SmsAuthenticationMessage, must contain {####})")
    message.fill("no code in here")
    page.get_by_role("button", name="Save changes").click()
    error = field_error(page.locator("form.mfa"), "sms_message")
    expect(error).to_contain_text("InvalidParameterException: 1 validation error detected")
    expect(error).to_contain_text("smsMfaConfiguration.smsAuthenticationMessage")
    expect(message).to_have_value("no code in here")
    expect(page.get_by_label("Optional MFA")).to_be_checked()
    expect(factor_box(page, "SMS message")).to_be_checked()
    assert idp.get_user_pool_mfa_config(UserPoolId=pool_id)["MfaConfiguration"] == "OFF"

    # OFF with a factor ticked: the API's E1 refusal, next to the enforcement choice.
    message.fill("Your code is {####}")
    page.get_by_label("No MFA").check()
    page.get_by_role("button", name="Save changes").click()
    expect(field_error(page.locator("form.mfa"), "mode")).to_contain_text(
        "can't turn off MFA and configure an MFA together"
    )

    # A pool-settings form: the password policy's minimum length.
    open_console(page, console_server, f"/pools/{pool_id}")
    policy = section(page, "password")
    policy.get_by_label("Minimum length").fill("3")
    save(policy)
    policy = section(page, "password")
    expect(field_error(policy, "MinimumLength")).to_contain_text("greater than or equal to 6")
    expect(policy.get_by_label("Minimum length")).to_have_value("3")
    described = idp.describe_user_pool(UserPoolId=pool_id)["UserPool"]
    assert described["Policies"]["PasswordPolicy"]["MinimumLength"] == 8


def create_user_in_console(page: Page, running: Running, pool_id: str, username: str, **attrs: str) -> None:
    open_console(page, running, f"/pools/{pool_id}/users")
    form = page.locator("#create-user form")
    form.get_by_label("User name").fill(username)
    form.get_by_label("Email address", exact=True).fill(attrs.get("email", ""))
    if attrs.get("email"):
        form.get_by_label("Mark the email address as verified").check()
    form.get_by_label("Phone number", exact=True).fill(attrs.get("phone_number", ""))
    form.get_by_label("Don't send an invitation").check()
    form.get_by_role("button", name="Create user").click()
    page.wait_for_url(re.compile(r"/users/[0-9a-f-]{36}\?ok=created"))


def test_the_preferred_factor_changes_next_sign_in(page: Page, console_server: Running, idp: Any) -> None:
    pool_id = mfa_pool(idp, PoolName=unique("prefs"))
    set_mfa(idp, pool_id, "ON", sms=True, totp=True, email=True)
    create_user_in_console(
        page, console_server, pool_id, "carol", email=email_address("carol"), phone_number="+15555550123"
    )
    outcome = page.locator("#next-outcome")
    expect(outcome).to_have_text("Email code")  # R3: email precedence, by default
    if "AdminListDevices" in HANDLERS:
        expect(page.locator("#devices")).to_contain_text("No remembered or tracked devices.")
    expect(page.locator("#default-warning")).to_contain_text("rests on a default")
    expect(page.locator("#next-sign-in")).to_contain_text("R3")
    expect(page.locator("#other-model")).to_contain_text("documented")

    mfa = page.locator("section#mfa form")
    mfa.locator('input[name="enabled_SMS_MFA"]').check()
    mfa.locator('input[name="preferred"][value="SMS_MFA"]').check()
    mfa.get_by_role("button", name="Save MFA settings").click()
    expect(page.locator(".notice")).to_have_text("Saved.")
    expect(outcome).to_have_text("SMS code")
    expect(page.locator("#default-warning")).to_have_count(0)
    user = idp.admin_get_user(UserPoolId=pool_id, Username="carol")
    assert user["PreferredMfaSetting"] == "SMS_MFA"

    # Preferring the authenticator app without a token: the API's refusal, the choice kept.
    mfa = page.locator("section#mfa form")
    mfa.locator('input[name="preferred"][value="SOFTWARE_TOKEN_MFA"]').check()
    mfa.locator('input[name="enabled_SOFTWARE_TOKEN_MFA"]').check()
    mfa.get_by_role("button", name="Save MFA settings").click()
    mfa = page.locator("section#mfa form")
    expect(field_error(mfa, "enabled_SOFTWARE_TOKEN_MFA")).to_contain_text(
        "User does not have delivery config set to turn on SOFTWARE_TOKEN_MFA"
    )
    expect(mfa.locator('input[name="preferred"][value="SOFTWARE_TOKEN_MFA"]')).to_be_checked()
    expect(outcome).to_have_text("SMS code")


def test_a_reset_code_shows_in_messages(page: Page, console_server: Running, idp: Any) -> None:
    pool_id = mfa_pool(idp, PoolName=unique("messages"))
    address = email_address("dave")
    create_user_in_console(page, console_server, pool_id, "dave", email=address)
    actions = page.locator("section#actions")
    actions.get_by_label("New password").fill(PASSWORD)
    actions.get_by_label("Permanent").check()
    actions.get_by_role("button", name="Set password", exact=True).click()
    expect(page.locator("#user-status")).to_have_text("CONFIRMED")
    page.locator("section#actions").get_by_role("button", name="Reset password").click()
    expect(page.locator("#user-status")).to_have_text("RESET_REQUIRED")

    open_console(page, console_server, "/messages")
    page.get_by_label("Recipient").fill(address)
    page.get_by_role("button", name="Filter").click()
    rows = page.locator("#messages tbody tr")
    expect(rows).to_have_count(1)
    code = console_server.last_code(address)
    expect(rows.first.locator(".body mark.code")).to_have_text(code)
    expect(rows.first.locator(".status")).to_contain_text("recorded only")


def test_sms_outside_the_sandbox_shows_as_not_delivered(
    page: Page, console_server: Running, idp: Any
) -> None:
    pool_id = mfa_pool(idp, PoolName=unique("sandbox"))
    number = "+15555550177"
    idp.admin_create_user(
        UserPoolId=pool_id,
        Username="erin",
        UserAttributes=[{"Name": "phone_number", "Value": number}],
        DesiredDeliveryMediums=["SMS"],
    )
    open_console(page, console_server, f"/messages?pool={pool_id}&to=%2B15555550177")
    row = page.locator("#messages tbody tr").first
    expect(row.locator(".status.undelivered")).to_contain_text("SNS sandbox")
    expect(row.locator("mark.code.big")).to_have_text(console_server.last_code(number))


def test_values_are_escaped(page: Page, console_server: Running, idp: Any) -> None:
    pool_id = mfa_pool(idp, PoolName=unique("escape"))
    hostile = '<img src=x onerror="document.title=1">'
    reply = idp.admin_create_user(
        UserPoolId=pool_id,
        Username="<b>frank</b>",
        UserAttributes=[{"Name": "name", "Value": hostile}],
        MessageAction="SUPPRESS",
    )
    idp.create_group(UserPoolId=pool_id, GroupName="<i>admins</i>")
    idp.admin_add_user_to_group(UserPoolId=pool_id, Username="<b>frank</b>", GroupName="<i>admins</i>")
    sub = next(a["Value"] for a in reply["User"]["Attributes"] if a["Name"] == "sub")
    open_console(page, console_server, f"/pools/{pool_id}/users/{sub}")
    expect(page.locator("h1")).to_have_text("<b>frank</b>")
    expect(page.locator("#attributes")).to_contain_text(hostile)
    expect(page.locator("main")).to_contain_text("<i>admins</i>")
    expect(page.locator("main img, main h1 b, main i")).to_have_count(0)
    assert page.title() != "1"


def test_search_and_paging(page: Page, console_server: Running, idp: Any) -> None:
    pool_id = mfa_pool(idp, PoolName=unique("search"))
    prefix = unique("pager")
    for n in range(23):
        idp.admin_create_user(
            UserPoolId=pool_id,
            Username=f"{prefix}-{n:02d}",
            UserAttributes=[{"Name": "email", "Value": f"{prefix}-{n:02d}@example.com"}],
            MessageAction="SUPPRESS",
        )
    idp.admin_create_user(UserPoolId=pool_id, Username="other", MessageAction="SUPPRESS")
    open_console(page, console_server, f"/pools/{pool_id}/users")
    page.get_by_label("Search by").select_option("email")
    page.get_by_label("value").fill(prefix)
    page.get_by_role("button", name="Search").click()
    expect(page.locator("#users tbody tr")).to_have_count(20)
    page.get_by_role("link", name="Next page").click()
    expect(page.locator("#users tbody tr")).to_have_count(3)
    expect(page.locator("#users")).not_to_contain_text("other")
    expect(page.get_by_label("value")).to_have_value(prefix)


def test_decision_table_and_csv(page: Page, console_server: Running, idp: Any) -> None:
    pool_id = mfa_pool(idp, PoolName=unique("table"))
    set_mfa(idp, pool_id, "ON", sms=True, totp=True, email=True)
    open_console(page, console_server, f"/pools/{pool_id}/mfa/table")
    rows = page.locator("#decisions tbody tr")
    expect(rows).to_have_count(54)
    # Seed table 1, row 1: email only, nothing set -> email.
    first = rows.filter(has_text="Email code").first
    expect(first).to_be_visible()
    with page.expect_download() as download:
        page.get_by_role("link", name="Download CSV").click()
    text = download.value.path().read_text(encoding="utf-8")
    assert text.startswith("email attribute,phone_number attribute,TOTP registered")
    assert len(text.strip().splitlines()) == 55
    page.get_by_role("link", name="Also show states left over").click()
    expect(rows).to_have_count(160)


def test_app_client_with_secret(page: Page, console_server: Running, idp: Any) -> None:
    pool_id = mfa_pool(idp, PoolName=unique("clients"))
    open_console(page, console_server, f"/pools/{pool_id}/clients")
    form = page.locator("#create-client form")
    form.get_by_label("App client name").fill("web")
    form.get_by_label("Generate a client secret").check()
    form.locator('input[value="ALLOW_USER_PASSWORD_AUTH"]').check()
    form.get_by_role("button", name="Create app client").click()
    expect(page.locator(".notice")).to_have_text("Created.")
    client = idp.list_user_pool_clients(UserPoolId=pool_id, MaxResults=10)["UserPoolClients"][0]
    described = idp.describe_user_pool_client(UserPoolId=pool_id, ClientId=client["ClientId"])
    card = page.locator(f"#client-{client['ClientId']}")
    expect(card.locator(".secret")).to_have_text(described["UserPoolClient"]["ClientSecret"])
    assert "ALLOW_USER_PASSWORD_AUTH" in described["UserPoolClient"]["ExplicitAuthFlows"]


def test_user_actions(page: Page, console_server: Running, idp: Any) -> None:
    pool_id = mfa_pool(idp, PoolName=unique("actions"))
    reply = idp.admin_create_user(UserPoolId=pool_id, Username="gina", MessageAction="SUPPRESS")
    sub = next(a["Value"] for a in reply["User"]["Attributes"] if a["Name"] == "sub")
    open_console(page, console_server, f"/pools/{pool_id}/users/{sub}")
    actions = page.locator("section#actions")
    actions.get_by_role("button", name="Disable user").click()
    expect(page.locator("#user-enabled")).to_have_text("no")
    page.locator("section#actions").get_by_role("button", name="Enable user").click()
    expect(page.locator("#user-enabled")).to_have_text("yes")
    page.locator("section#actions").get_by_role("button", name="Sign out everywhere").click()
    expect(page.locator(".notice")).to_contain_text("signed out everywhere")

    attributes = page.locator("section#attributes")
    attributes.get_by_label("Attribute").fill("phone_number")
    attributes.get_by_label("Value").fill("12345")
    attributes.get_by_role("button", name="Set attribute").click()
    attributes = page.locator("section#attributes")
    expect(attributes.locator(".error")).to_contain_text("InvalidParameterException")
    expect(attributes.get_by_label("Value")).to_have_value("12345")

    page.locator("section#actions summary").click()
    page.locator("section#actions").get_by_role("button", name="Delete user").click()
    expect(page.locator(".notice")).to_have_text("Deleted.")
    assert idp.list_users(UserPoolId=pool_id)["Users"] == []
