"""Independent JavaScript clients against a running server (issue 4, item 4): the node scripts in
tests/js drive amazon-cognito-identity-js and Amplify JS v6 through sign-in with SRP (their default
flow), each MFA kind, MFA selection, TOTP setup, MFA preferences and remembered devices.

Pools, users and MFA settings are made here through boto3; the scripts read a job (JSON) on stdin
and print what the client saw plus a trace of every cognito-idp call it made (tests/js/README.md).
SQLite only: these tests exercise the clients, not the storage engines."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import Running
from tests.wire.helpers import PASSWORD, access_token
from tests.wire.mfa_helpers import (
    STEP,
    email_address,
    masked_email,
    masked_phone,
    mfa_client,
    mfa_pool,
    new_user,
    phone_number,
    register_totp,
    set_mfa,
    set_preference,
)
from userpool.clock import ShiftedClock

JS_DIR = Path(__file__).resolve().parents[1] / "js"
NODE = shutil.which("node")
SCRIPTS = {"identity": "cognito-identity-js.mjs", "amplify": "amplify.mjs"}
FLOWS = ["ALLOW_USER_SRP_AUTH", "ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"]
DEVICES = {"ChallengeRequiredOnNewDevice": True, "DeviceOnlyRememberedOnUserPrompt": True}
ON = {"Enabled": True, "PreferredMfa": False}
USER = "ada"

pytestmark = [
    pytest.mark.skipif(NODE is None, reason="node is not installed (needed for tests/js, Node 20+)"),
    pytest.mark.parametrize("running", ["sqlite"], indirect=True),
]


@pytest.fixture(params=list(SCRIPTS))
def js(request: pytest.FixtureRequest) -> str:
    """Each journey runs with amazon-cognito-identity-js and with Amplify JS v6."""
    if not (JS_DIR / "node_modules").is_dir():
        pytest.fail("tests/js/node_modules is missing: run `npm ci --prefix tests/js` (scripts/test does)")
    return str(request.param)


def run_js(client: str, job: dict[str, Any]) -> dict[str, Any]:
    """Run one node script with `job` on stdin; its JSON result."""
    assert NODE is not None
    proc = subprocess.run(
        [NODE, SCRIPTS[client]],
        input=json.dumps(job),
        capture_output=True,
        text=True,
        timeout=90,
        cwd=JS_DIR,
        check=False,
    )
    assert proc.returncode == 0, f"node exited with {proc.returncode}:\n{proc.stderr}\n{proc.stdout}"
    result: dict[str, Any] = json.loads(proc.stdout.strip().splitlines()[-1])
    return result


def succeeded(result: dict[str, Any]) -> list[dict[str, Any]]:
    """The steps of a run that must have gone through; on failure, show the error and the trace."""
    assert "error" not in result, json.dumps({"error": result["error"], "trace": result["trace"]}, indent=1)
    steps: list[dict[str, Any]] = result["steps"]
    return steps


def calls(step: dict[str, Any]) -> list[str]:
    """One step's cognito-idp calls as `Operation FLOW|CHALLENGE -> reply`."""
    lines = []
    for call in step["calls"]:
        sent = call.get("authFlow") or call.get("challengeName")
        head = f"{call['op']} {sent}" if sent else call["op"]
        if "error" in call:
            reply = call["error"]
        elif "challenge" in call:
            reply = call["challenge"]
        elif call.get("tokens"):
            reply = "tokens+new device" if call.get("newDevice") else "tokens"
        else:
            reply = "ok"
        lines.append(f"{head} -> {reply}")
    return lines


def srp_then(reply: str) -> list[str]:
    """The SRP first factor (core spec §9): USER_SRP_AUTH, then PASSWORD_VERIFIER answered by `reply`."""
    return [
        "InitiateAuth USER_SRP_AUTH -> PASSWORD_VERIFIER",
        f"RespondToAuthChallenge PASSWORD_VERIFIER -> {reply}",
    ]


class Journey:
    """A pool with a client for the JS libraries, one user, and the job the scripts get."""

    def __init__(self, running: Running, idp: Any, **pool_options: Any) -> None:
        self.running, self.idp = running, idp
        self.pool_id = mfa_pool(idp, **pool_options)
        self.client_id = mfa_client(idp, self.pool_id, ExplicitAuthFlows=FLOWS)
        self.email, self.phone = email_address(USER), phone_number()

    def user(self, **attributes: str) -> Journey:
        new_user(self.idp, self.pool_id, USER, **attributes)
        return self

    def job(self, *steps: dict[str, Any], **extra: Any) -> dict[str, Any]:
        return {
            "endpoint": self.running.url,
            "userPoolId": self.pool_id,
            "clientId": self.client_id,
            "username": USER,
            "password": PASSWORD,
            "phone": self.phone,
            "email": self.email,
            "timeOffset": self.running.clock.offset,
            "steps": list(steps),
            **extra,
        }

    def run(self, js: str, *steps: dict[str, Any], **extra: Any) -> dict[str, Any]:
        return run_js(js, self.job(*steps, **extra))


SIGN_IN = {"do": "signIn"}


def asked(js: str, step: dict[str, Any]) -> list[str]:
    """What the client itself reported being asked: challenge names (identity-js callbacks) or
    Amplify's signInStep values."""
    if js == "identity":
        return [seen["challenge"] for seen in step["challenges"] if "challenge" in seen]
    return [seen["signInStep"] for seen in step["signInSteps"]]


def assert_tokens(step: dict[str, Any], client_id: str) -> None:
    access, id_token = step["tokens"]["access"], step["tokens"]["id"]
    assert (access["token_use"], access["client_id"], access["username"]) == ("access", client_id, USER)
    assert (id_token["token_use"], id_token["aud"], id_token["cognito:username"]) == ("id", client_id, USER)


# --------------------------------------------------------------------------- first factor


def test_sign_in_with_srp(running: Running, idp: Any, js: str) -> None:
    journey = Journey(running, idp).user(email=email_address(USER))
    [step] = succeeded(journey.run(js, SIGN_IN))
    assert calls(step) == srp_then("tokens")
    assert asked(js, step) == []
    assert_tokens(step, journey.client_id)


def test_sign_in_with_user_password_auth(running: Running, idp: Any, js: str) -> None:
    journey = Journey(running, idp).user()
    [step] = succeeded(journey.run(js, SIGN_IN, authFlow="USER_PASSWORD_AUTH"))
    assert calls(step) == ["InitiateAuth USER_PASSWORD_AUTH -> tokens"]
    assert_tokens(step, journey.client_id)


def test_wrong_password_is_refused(running: Running, idp: Any, js: str) -> None:
    journey = Journey(running, idp).user()
    result = journey.run(js, {"do": "signIn", "password": "Wrong-Horse-9"})
    assert result["error"]["name"] == "NotAuthorizedException"
    assert result["error"]["message"] == "Incorrect username or password."
    assert calls(result["steps"][0]) == srp_then("NotAuthorizedException")


# --------------------------------------------------------------------------- each MFA kind

CODE_STEPS = {
    ("identity", "SMS_MFA"): "SMS_MFA",
    ("identity", "EMAIL_OTP"): "EMAIL_OTP",
    ("amplify", "SMS_MFA"): "CONFIRM_SIGN_IN_WITH_SMS_CODE",
    ("amplify", "EMAIL_OTP"): "CONFIRM_SIGN_IN_WITH_EMAIL_CODE",
}


def delivery(js: str, step: dict[str, Any]) -> tuple[str, str]:
    """Where the client says the code went: (medium, masked destination)."""
    if js == "identity":
        params = step["challenges"][0]["parameters"]
        return params["CODE_DELIVERY_DELIVERY_MEDIUM"], params["CODE_DELIVERY_DESTINATION"]
    details = step["signInSteps"][0]["codeDeliveryDetails"]
    return details["deliveryMedium"], details["destination"]


def test_sms_mfa(running: Running, idp: Any, js: str) -> None:
    journey = Journey(running, idp)
    set_mfa(idp, journey.pool_id, "ON", sms=True)
    journey.user(phone_number=journey.phone)
    [step] = succeeded(journey.run(js, SIGN_IN))
    assert calls(step) == [*srp_then("SMS_MFA"), "RespondToAuthChallenge SMS_MFA -> tokens"]
    assert asked(js, step) == [CODE_STEPS[js, "SMS_MFA"]]
    assert delivery(js, step) == ("SMS", masked_phone(journey.phone))
    assert_tokens(step, journey.client_id)


def test_email_mfa(running: Running, idp: Any, js: str) -> None:
    """amazon-cognito-identity-js predates email MFA: its script answers EMAIL_OTP through a shim
    (tests/js/README.md); Amplify v6 supports it natively."""
    journey = Journey(running, idp)
    set_mfa(idp, journey.pool_id, "ON", email=True)
    journey.user(email=journey.email, email_verified="true")
    [step] = succeeded(journey.run(js, SIGN_IN))
    assert calls(step) == [*srp_then("EMAIL_OTP"), "RespondToAuthChallenge EMAIL_OTP -> tokens"]
    assert asked(js, step) == [CODE_STEPS[js, "EMAIL_OTP"]]
    assert delivery(js, step) == ("EMAIL", masked_email(journey.email))
    assert_tokens(step, journey.client_id)


def totp_user(journey: Journey, clock: ShiftedClock, **attributes: str) -> str:
    """A user with a verified token (registered through boto3, code from pyotp) and TOTP preferred;
    the clock then moves to the next step so the client's code is not a replay (MFA spec §7.3)."""
    journey.user(**attributes)
    secret = register_totp(journey.idp, clock, access_token(journey.idp, journey.client_id, USER))
    set_preference(journey.idp, journey.pool_id, USER, SoftwareTokenMfaSettings={**ON, "PreferredMfa": True})
    clock.advance(STEP)
    return secret


def test_totp_mfa(running: Running, idp: Any, clock: ShiftedClock, js: str) -> None:
    journey = Journey(running, idp)
    set_mfa(idp, journey.pool_id, "OPTIONAL", totp=True)
    secret = totp_user(journey, clock)
    [step] = succeeded(journey.run(js, SIGN_IN, totpSecret=secret))
    assert calls(step) == [
        *srp_then("SOFTWARE_TOKEN_MFA"),
        "RespondToAuthChallenge SOFTWARE_TOKEN_MFA -> tokens",
    ]
    expected = "SOFTWARE_TOKEN_MFA" if js == "identity" else "CONFIRM_SIGN_IN_WITH_TOTP_CODE"
    assert asked(js, step) == [expected]
    assert_tokens(step, journey.client_id)


# --------------------------------------------------------------------------- selection and setup

# What each client answers SELECT_MFA_TYPE with, per factor. amazon-cognito-identity-js predates
# email MFA: its script continues an EMAIL_OTP selection through a shim (tests/js/README.md).
CHOICES = {
    ("identity", "SMS_MFA"): "SMS_MFA",
    ("identity", "SOFTWARE_TOKEN_MFA"): "SOFTWARE_TOKEN_MFA",
    ("identity", "EMAIL_OTP"): "EMAIL_OTP",
    ("amplify", "SMS_MFA"): "SMS",
    ("amplify", "SOFTWARE_TOKEN_MFA"): "TOTP",
    ("amplify", "EMAIL_OTP"): "EMAIL",
}


@pytest.mark.parametrize("factor", ["SMS_MFA", "SOFTWARE_TOKEN_MFA", "EMAIL_OTP"])
def test_mfa_selection(running: Running, idp: Any, clock: ShiftedClock, js: str, factor: str) -> None:
    """Every factor enabled, none preferred: SELECT_MFA_TYPE (MFA spec §5.3), then the chosen one."""
    journey = Journey(running, idp)
    set_mfa(idp, journey.pool_id, "OPTIONAL", sms=True, totp=True, email=True)
    secret = totp_user(journey, clock, phone_number=journey.phone, email=journey.email, email_verified="true")
    set_preference(
        idp, journey.pool_id, USER, SMSMfaSettings=ON, SoftwareTokenMfaSettings=ON, EmailMfaSettings=ON
    )
    choose = {"do": "signIn", "choose": CHOICES[js, factor]}
    [step] = succeeded(journey.run(js, choose, totpSecret=secret))
    assert calls(step) == [
        *srp_then("SELECT_MFA_TYPE"),
        f"RespondToAuthChallenge SELECT_MFA_TYPE -> {factor}",
        f"RespondToAuthChallenge {factor} -> tokens",
    ]
    if js == "amplify":
        assert step["signInSteps"][0] == {
            "signInStep": "CONTINUE_SIGN_IN_WITH_MFA_SELECTION",
            "allowedMFATypes": ["SMS", "TOTP", "EMAIL"],
        }
    assert_tokens(step, journey.client_id)


def test_totp_setup(running: Running, idp: Any, js: str) -> None:
    """TOTP is the only factor of an ON pool and the user has none: MFA_SETUP, then
    AssociateSoftwareToken / VerifySoftwareToken with the session (MFA spec §7), then tokens."""
    journey = Journey(running, idp)
    set_mfa(idp, journey.pool_id, "ON", totp=True)
    journey.user()
    [step] = succeeded(journey.run(js, SIGN_IN))
    assert calls(step) == [
        *srp_then("MFA_SETUP"),
        "AssociateSoftwareToken -> ok",
        "VerifySoftwareToken -> ok",
        "RespondToAuthChallenge MFA_SETUP -> tokens",
    ]
    expected = "MFA_SETUP" if js == "identity" else "CONTINUE_SIGN_IN_WITH_TOTP_SETUP"
    assert asked(js, step) == [expected]
    assert len(step["secret"]) >= 16
    assert_tokens(step, journey.client_id)
    reply = idp.admin_get_user(UserPoolId=journey.pool_id, Username=USER)
    assert "SOFTWARE_TOKEN_MFA" in reply["UserMFASettingList"]


def test_amplify_mfa_preferences(running: Running, idp: Any) -> None:
    """Signed in: setUpTOTP + verifyTOTPSetup, updateMFAPreference, fetchMFAPreference (Amplify v6)."""
    journey = Journey(running, idp)
    set_mfa(idp, journey.pool_id, "OPTIONAL", sms=True, totp=True)
    journey.user(phone_number=journey.phone)
    preference = {"sms": "ENABLED", "totp": "PREFERRED"}
    steps = succeeded(
        journey.run(
            "amplify",
            SIGN_IN,
            {"do": "fetchMFAPreference"},
            {"do": "setUpTOTP", "deviceName": "Pixel"},
            {"do": "updateMFAPreference", "preference": preference},
            {"do": "fetchMFAPreference"},
        )
    )
    assert steps[1]["preference"] == {}
    assert calls(steps[2]) == ["AssociateSoftwareToken -> ok", "VerifySoftwareToken -> ok"]
    assert steps[4]["preference"] == {"preferred": "TOTP", "enabled": ["SMS", "TOTP"]}
    reply = idp.admin_get_user(UserPoolId=journey.pool_id, Username=USER)
    assert reply["PreferredMfaSetting"] == "SOFTWARE_TOKEN_MFA"
    assert sorted(reply["UserMFASettingList"]) == ["SMS_MFA", "SOFTWARE_TOKEN_MFA"]


# --------------------------------------------------------------------------- remembered devices


def device_journey(running: Running, idp: Any) -> Journey:
    """SMS MFA always, devices remembered on the user's prompt, a new device challenged (§5.6)."""
    journey = Journey(running, idp, DeviceConfiguration=DEVICES)
    set_mfa(idp, journey.pool_id, "ON", sms=True)
    return journey.user(phone_number=journey.phone)


REMEMBER = [SIGN_IN, {"do": "rememberDevice"}, {"do": "signOut"}, SIGN_IN]
NEW_DEVICE = ["RespondToAuthChallenge SMS_MFA -> tokens+new device", "ConfirmDevice -> ok"]


def device_key(step: dict[str, Any]) -> str:
    """The device key of a signIn step's access token (core spec §4: `device_key`)."""
    key: str = step["tokens"]["access"]["device_key"]
    return key


def test_remembered_device_skips_mfa(running: Running, idp: Any, js: str) -> None:
    """A new device gets MFA, NewDeviceMetadata and ConfirmDevice; once remembered, the next
    sign-in proves the device (DEVICE_SRP_AUTH, DEVICE_PASSWORD_VERIFIER) instead of MFA (§5.6)."""
    journey = device_journey(running, idp)
    first, remember, _, again = succeeded(journey.run(js, *REMEMBER))
    assert calls(first) == [*srp_then("SMS_MFA"), *NEW_DEVICE]
    assert calls(remember) == ["UpdateDeviceStatus -> ok"]
    [device] = idp.admin_list_devices(UserPoolId=journey.pool_id, Username=USER)["Devices"]
    assert device["DeviceKey"] == device_key(first)
    status = {a["Name"]: a["Value"] for a in device["DeviceAttributes"]}
    assert status["dev:device_remembered_status"] == "remembered"
    assert calls(again) == [
        *srp_then("DEVICE_SRP_AUTH"),
        "RespondToAuthChallenge DEVICE_SRP_AUTH -> DEVICE_PASSWORD_VERIFIER",
        "RespondToAuthChallenge DEVICE_PASSWORD_VERIFIER -> tokens",
    ]
    assert asked(js, again) == []
    assert device_key(again) == device_key(first)


def test_forgotten_device_is_challenged_again(running: Running, idp: Any, js: str) -> None:
    """ForgetDevice through the client: the next sign-in is a new device again and gets MFA."""
    journey = device_journey(running, idp)
    steps = succeeded(journey.run(js, *REMEMBER, {"do": "forgetDevice"}, {"do": "signOut"}, SIGN_IN))
    assert calls(steps[4]) == ["ForgetDevice -> ok"]
    last = steps[6]
    assert calls(last) == [*srp_then("SMS_MFA"), *NEW_DEVICE]
    assert asked(js, last) == [CODE_STEPS[js, "SMS_MFA"]]
    assert device_key(last) != device_key(steps[0])


def test_device_forgotten_by_admin_is_challenged(running: Running, idp: Any, js: str) -> None:
    """A later run (same storage) still holds the key of a device an administrator forgot: the
    PASSWORD_VERIFIER carrying it gets `Device does not exist.`, both clients drop the key and
    answer again in the same session (core spec §9.5), and MFA comes back. identity-js sends
    `"DEVICE_KEY": null` in that retry, which the request validation drops (api/validate.py)."""
    journey = device_journey(running, idp)
    first = journey.run(js, *REMEMBER, {"do": "signOut"})
    old_key = device_key(succeeded(first)[3])
    idp.admin_forget_device(UserPoolId=journey.pool_id, Username=USER, DeviceKey=old_key)
    [step] = succeeded(journey.run(js, SIGN_IN, storage=first["storage"]))
    assert calls(step) == [
        "InitiateAuth USER_SRP_AUTH -> PASSWORD_VERIFIER",
        "RespondToAuthChallenge PASSWORD_VERIFIER -> ResourceNotFoundException",
        "RespondToAuthChallenge PASSWORD_VERIFIER -> SMS_MFA",
        *NEW_DEVICE,
    ]
    assert asked(js, step) == [CODE_STEPS[js, "SMS_MFA"]]
    assert device_key(step) != old_key


def test_unremembered_device_is_challenged(running: Running, idp: Any, js: str) -> None:
    """A confirmed device the user did not choose to remember never skips MFA (§5.6)."""
    journey = device_journey(running, idp)
    first, _, again = succeeded(journey.run(js, SIGN_IN, {"do": "signOut"}, SIGN_IN))
    assert calls(first) == [*srp_then("SMS_MFA"), *NEW_DEVICE]
    assert calls(again) == [*srp_then("SMS_MFA"), "RespondToAuthChallenge SMS_MFA -> tokens"]
    assert asked(js, again) == [CODE_STEPS[js, "SMS_MFA"]]
    assert device_key(again) == device_key(first)
