"""The console's pure pieces: where an API error is shown, how forms become requests, escaping."""

from __future__ import annotations

import pytest

from userpool.console.calls import Outcome, update_pool_request
from userpool.console.forms import FORM_LEVEL, Field, Submitted, failed_form, integer, place_error
from userpool.console.pool_settings import RECOVERY, SECTIONS, recovery_option
from userpool.console.views_messages import highlighted
from userpool.console.views_mfa import mfa_request
from userpool.console.views_user import preference_request
from userpool.console.views_users import quoted, search_request

FIELDS = (
    Field("MinimumLength", "Policies.PasswordPolicy.MinimumLength"),
    Field("From", "EmailConfiguration.From", ("from email",)),
)


def invalid(message: str) -> Outcome:
    return Outcome(code="InvalidParameterException", message=message)


def test_a_validation_message_goes_to_the_field_it_names() -> None:
    outcome = invalid(
        "1 validation error detected: Value '3' at 'policies.passwordPolicy.minimumLength' failed to "
        "satisfy constraint: Member must have value greater than or equal to 6"
    )
    assert place_error(outcome, FIELDS) == {"MinimumLength": f"InvalidParameterException: {outcome.message}"}


def test_a_rule_message_goes_to_the_field_of_its_hint_else_to_the_form() -> None:
    assert list(place_error(invalid("Provided From email address is invalid"), FIELDS)) == ["From"]
    assert list(place_error(invalid("Something else entirely."), FIELDS)) == [FORM_LEVEL]
    assert place_error(Outcome(code="SerializationException"), FIELDS) == {
        FORM_LEVEL: "SerializationException"
    }


def test_a_failed_form_keeps_what_was_typed() -> None:
    submitted = Submitted({"MinimumLength": ["3"], "flags": ["a", "b"], "one": ["x"]})
    state = failed_form("password", submitted, invalid("nope"), FIELDS)
    assert state.value("MinimumLength") == "3"
    assert state.has("flags", "b")
    assert state.has("one", "x")
    assert state.checked("one")
    assert not state.checked("other")
    assert state.error() == "InvalidParameterException: nope"


def test_integer_fields_pass_bad_text_on_for_the_api_to_refuse() -> None:
    assert integer(" 12 ") == 12
    assert integer("twelve") == "twelve"


def test_list_users_filter_quoting() -> None:
    assert quoted('a"b\\c') == '"a\\"b\\\\c"'
    request = search_request("p", "email", "^=", 'x"y', "")
    assert request["Filter"] == 'email ^= "x\\"y"'
    assert "Filter" not in search_request("p", "email", "^=", "", "tok")


def test_highlighted_codes_are_escaped() -> None:
    assert str(highlighted("<b>code</b> 123456 and 123456", "123456")) == (
        '&lt;b&gt;code&lt;/b&gt; <mark class="code">123456</mark> and <mark class="code">123456</mark>'
    )
    assert str(highlighted("<i>", None)) == "&lt;i&gt;"


def test_mfa_request_sends_exactly_the_ticked_factors() -> None:
    form = Submitted(
        {
            "mode": ["ON"],
            "factor_SOFTWARE_TOKEN_MFA": ["on"],
            "factor_EMAIL_OTP": ["on"],
            "email_message": ["{####}!"],
        }
    )
    assert mfa_request("p", form) == {
        "UserPoolId": "p",
        "MfaConfiguration": "ON",
        "SoftwareTokenMfaConfiguration": {"Enabled": True},
        "EmailMfaConfiguration": {"Message": "{####}!"},
    }


def test_preference_request_only_changed_factors() -> None:
    user = {"UserMFASettingList": ["SMS_MFA"], "PreferredMfaSetting": "SMS_MFA"}
    unchanged = Submitted({"enabled_SMS_MFA": ["on"], "preferred": ["SMS_MFA"]})
    assert preference_request("p", "u", unchanged, user) == {"UserPoolId": "p", "Username": "u"}
    switched = Submitted({"enabled_SMS_MFA": ["on"], "enabled_EMAIL_OTP": ["on"], "preferred": ["EMAIL_OTP"]})
    assert preference_request("p", "u", switched, user) == {
        "UserPoolId": "p",
        "Username": "u",
        "SMSMfaSettings": {"Enabled": True, "PreferredMfa": False},
        "EmailMfaSettings": {"Enabled": True, "PreferredMfa": True},
    }


@pytest.mark.parametrize("option", [value for value, _, _ in RECOVERY])
def test_recovery_options_round_trip(option: str) -> None:
    request: dict[str, object] = {}
    SECTIONS["recovery"].apply(request, Submitted({"recovery": [option]}))
    assert recovery_option(request) == option


def test_update_pool_request_keeps_the_other_settings() -> None:
    pool = {"Id": "p", "Name": "n", "Arn": "arn", "MfaConfiguration": "ON", "SchemaAttributes": []}
    assert update_pool_request(pool) == {"UserPoolId": "p", "PoolName": "n", "MfaConfiguration": "ON"}


def test_sms_section_with_every_field_empty_removes_the_configuration() -> None:
    request: dict[str, object] = {"SmsConfiguration": {"SnsCallerArn": "arn"}}
    SECTIONS["sms"].apply(request, Submitted({"SnsCallerArn": [" "]}))
    assert "SmsConfiguration" not in request
