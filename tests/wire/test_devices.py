"""Remembered devices end to end (MFA spec §5.6, core spec §9.5, §4.3, §4.7): NewDeviceMetadata,
ConfirmDevice with pycognito's device verifier, DEVICE_SRP_AUTH / DEVICE_PASSWORD_VERIFIER with and
without a Session, the MFA skip, refresh with a device key, the device operations, and device keys
of another user or pool."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
from botocore.exceptions import ClientError
from pycognito.aws_srp import AWSSRP, generate_hash_device

from tests.conftest import Running
from tests.wire.helpers import PASSWORD, error_of
from tests.wire.mfa_helpers import new_user, phone_number, set_mfa, tokens_of
from tests.wire.srp_helpers import claims, live_clock, respond, srp_client, srp_pool, srp_sign_in

__all__ = ["live_clock"]  # the fixture, imported for pytest

NO_DEVICE = ("ResourceNotFoundException", "Device does not exist.")
pytestmark = pytest.mark.usefixtures("live_clock")


def device_pool(
    idp: Any, *, prompt: bool = False, challenge: bool = True, mfa: str = "ON"
) -> tuple[str, str]:
    """A device-tracking pool with SMS MFA (or none, `mfa="OFF"`)."""
    config = {"ChallengeRequiredOnNewDevice": challenge, "DeviceOnlyRememberedOnUserPrompt": prompt}
    pool_id, client_id = srp_pool(idp, DeviceConfiguration=config)
    if mfa != "OFF":
        set_mfa(idp, pool_id, mfa, sms=True)
    return pool_id, client_id


def sms_sign_in(running: Running, idp: Any, client_id: str, aws: AWSSRP, phone: str) -> dict[str, Any]:
    """SRP then the SMS code: the AuthenticationResult."""
    reply = srp_sign_in(idp, client_id, aws)
    assert reply["ChallengeName"] == "SMS_MFA"
    answer = {
        "USERNAME": reply["ChallengeParameters"]["USER_ID_FOR_SRP"],
        "SMS_MFA_CODE": running.last_code(phone),
    }
    return tokens_of(respond(idp, client_id, "SMS_MFA", answer, reply["Session"]))


def confirm(idp: Any, result: dict[str, Any], name: str = "laptop") -> tuple[dict[str, str], bool]:
    """ConfirmDevice as a client does after NewDeviceMetadata (§9.5); pycognito's device arguments
    and UserConfirmationNecessary."""
    meta = result["NewDeviceMetadata"]
    password, config = generate_hash_device(meta["DeviceGroupKey"], meta["DeviceKey"])
    reply = idp.confirm_device(
        AccessToken=result["AccessToken"],
        DeviceKey=meta["DeviceKey"],
        DeviceSecretVerifierConfig=config,
        DeviceName=name,
    )
    device = {
        "device_key": meta["DeviceKey"],
        "device_group_key": meta["DeviceGroupKey"],
        "device_password": password,
    }
    return device, bool(reply["UserConfirmationNecessary"])


def user_with_device(
    running: Running, idp: Any, pool_id: str, client_id: str, username: str
) -> tuple[str, dict[str, str]]:
    """A user with a phone who signed in once and confirmed that device; (phone, device)."""
    phone = phone_number()
    new_user(idp, pool_id, username, phone_number=phone)
    result = sms_sign_in(running, idp, client_id, srp_client(idp, pool_id, client_id, username), phone)
    device, _ = confirm(idp, result)
    return phone, device


def device_sign_in(
    idp: Any, pool_id: str, client_id: str, username: str, device: dict[str, str]
) -> dict[str, Any]:
    """pycognito's whole flow: PASSWORD_VERIFIER, then DEVICE_SRP_AUTH and DEVICE_PASSWORD_VERIFIER
    without any Session, as pycognito sends them."""
    tokens: dict[str, Any] = srp_client(idp, pool_id, client_id, username, **device).authenticate_user()
    return tokens


def attributes(device: dict[str, Any]) -> dict[str, str]:
    return {a["Name"]: a["Value"] for a in device["DeviceAttributes"]}


# --------------------------------------------------------------------------- the journey


def test_remembered_device_skips_mfa_until_forgotten(running: Running, idp: Any) -> None:
    pool_id, client_id = device_pool(idp)
    phone = phone_number()
    new_user(idp, pool_id, "alice", phone_number=phone)
    first = sms_sign_in(running, idp, client_id, srp_client(idp, pool_id, client_id, "alice"), phone)
    meta = first["NewDeviceMetadata"]
    assert re.fullmatch(r"us-east-1_[0-9a-f-]{36}", meta["DeviceKey"])
    assert re.fullmatch(r"-[0-9A-Za-z]{8}", meta["DeviceGroupKey"])
    assert claims(first["AccessToken"])["device_key"] == meta["DeviceKey"]  # core spec §4.3
    assert "device_key" not in claims(first["IdToken"])
    device, necessary = confirm(idp, first)
    assert necessary is False  # DeviceOnlyRememberedOnUserPrompt false: remembered at once
    sent = len(running.messages(to=phone))

    result = tokens_of(device_sign_in(idp, pool_id, client_id, "alice", device))
    assert len(running.messages(to=phone)) == sent  # no MFA code this time
    assert "NewDeviceMetadata" not in result
    assert claims(result["AccessToken"])["device_key"] == device["device_key"]

    idp.forget_device(AccessToken=result["AccessToken"], DeviceKey=device["device_key"])
    with pytest.raises(ClientError) as err:
        device_sign_in(idp, pool_id, client_id, "alice", device)
    assert error_of(err) == NO_DEVICE
    again = sms_sign_in(running, idp, client_id, srp_client(idp, pool_id, client_id, "alice"), phone)
    assert again["NewDeviceMetadata"]["DeviceKey"] != device["device_key"]


def test_device_srp_with_sessions(running: Running, idp: Any) -> None:
    """Clients that pass the Session along (the JavaScript SDKs) through each step (MFA spec §5.6)."""
    pool_id, client_id = device_pool(idp)
    _, device = user_with_device(running, idp, pool_id, client_id, "alice")
    aws = srp_client(idp, pool_id, client_id, "alice", **device)
    reply = srp_sign_in(idp, client_id, aws)
    assert reply["ChallengeName"] == "DEVICE_SRP_AUTH"
    start = {"USERNAME": "alice", "DEVICE_KEY": device["device_key"], "SRP_A": format(aws.large_a_value, "x")}
    challenge = respond(idp, client_id, "DEVICE_SRP_AUTH", start, reply["Session"])
    assert challenge["ChallengeName"] == "DEVICE_PASSWORD_VERIFIER"
    params = challenge["ChallengeParameters"]
    assert {"SALT", "SRP_B", "SECRET_BLOCK", "USERNAME", "DEVICE_KEY"} <= set(params)
    with pytest.raises(ClientError) as err:  # the DEVICE_SRP_AUTH step is single use
        respond(idp, client_id, "DEVICE_SRP_AUTH", start, reply["Session"])
    assert error_of(err)[0] == "NotAuthorizedException"
    answer = aws.process_device_challenge(params)
    result = tokens_of(respond(idp, client_id, "DEVICE_PASSWORD_VERIFIER", answer, challenge["Session"]))
    assert claims(result["AccessToken"])["device_key"] == device["device_key"]
    with pytest.raises(ClientError) as err:  # nor can the verifier's block be replayed
        respond(idp, client_id, "DEVICE_PASSWORD_VERIFIER", answer, challenge["Session"])
    assert error_of(err) == ("NotAuthorizedException", "Incorrect username or password.")


def test_wrong_device_password(running: Running, idp: Any) -> None:
    pool_id, client_id = device_pool(idp)
    _, device = user_with_device(running, idp, pool_id, client_id, "alice")
    with pytest.raises(ClientError) as err:
        device_sign_in(idp, pool_id, client_id, "alice", {**device, "device_password": "guess"})
    assert error_of(err) == ("NotAuthorizedException", "Incorrect username or password.")


def test_device_srp_needs_the_password_step(running: Running, idp: Any) -> None:
    """DEVICE_SRP_AUTH answers only a sign-in whose password proof chose the device."""
    pool_id, client_id = device_pool(idp)
    _, device = user_with_device(running, idp, pool_id, client_id, "alice")
    aws = srp_client(idp, pool_id, client_id, "alice", **device)
    start = {"USERNAME": "alice", "DEVICE_KEY": device["device_key"], "SRP_A": format(aws.large_a_value, "x")}
    with pytest.raises(ClientError) as err:
        respond(idp, client_id, "DEVICE_SRP_AUTH", start)
    assert error_of(err) == ("NotAuthorizedException", "Invalid session for the user.")


def test_unremembered_device_never_skips(running: Running, idp: Any) -> None:
    """DeviceOnlyRememberedOnUserPrompt: the device is confirmed but not remembered until the user
    says so; then it skips MFA; marked not remembered again, it does not (MFA spec §5.6)."""
    pool_id, client_id = device_pool(idp, prompt=True)
    phone = phone_number()
    new_user(idp, pool_id, "alice", phone_number=phone)
    first = sms_sign_in(running, idp, client_id, srp_client(idp, pool_id, client_id, "alice"), phone)
    device, necessary = confirm(idp, first)
    assert necessary is True
    key = device["device_key"]
    assert idp.list_devices(AccessToken=first["AccessToken"])["Devices"] == []
    with pytest.raises(ClientError) as err:
        idp.get_device(AccessToken=first["AccessToken"], DeviceKey=key)
    assert error_of(err) == NO_DEVICE
    listed = idp.admin_list_devices(UserPoolId=pool_id, Username="alice")["Devices"]
    assert [attributes(d)["dev:device_remembered_status"] for d in listed] == ["not_remembered"]

    reply = srp_sign_in(idp, client_id, srp_client(idp, pool_id, client_id, "alice", **device))
    assert reply["ChallengeName"] == "SMS_MFA"
    idp.update_device_status(
        AccessToken=first["AccessToken"], DeviceKey=key, DeviceRememberedStatus="remembered"
    )
    tokens_of(device_sign_in(idp, pool_id, client_id, "alice", device))
    idp.admin_update_device_status(
        UserPoolId=pool_id, Username="alice", DeviceKey=key, DeviceRememberedStatus="not_remembered"
    )
    reply = srp_sign_in(idp, client_id, srp_client(idp, pool_id, client_id, "alice", **device))
    assert reply["ChallengeName"] == "SMS_MFA"


def test_no_skip_without_challenge_required(running: Running, idp: Any) -> None:
    """ChallengeRequiredOnNewDevice false: a remembered device still gets MFA (MFA spec §5.4 row 11)."""
    pool_id, client_id = device_pool(idp, challenge=False)
    _, device = user_with_device(running, idp, pool_id, client_id, "alice")
    reply = srp_sign_in(idp, client_id, srp_client(idp, pool_id, client_id, "alice", **device))
    assert reply["ChallengeName"] == "SMS_MFA"


def test_password_flow_with_a_device_key(running: Running, idp: Any) -> None:
    """USER_PASSWORD_AUTH with DEVICE_KEY goes through the same device step."""
    pool_id, client_id = device_pool(idp)
    _, device = user_with_device(running, idp, pool_id, client_id, "alice")
    params = {"USERNAME": "alice", "PASSWORD": PASSWORD, "DEVICE_KEY": device["device_key"]}
    reply = idp.initiate_auth(ClientId=client_id, AuthFlow="USER_PASSWORD_AUTH", AuthParameters=params)
    assert reply["ChallengeName"] == "DEVICE_SRP_AUTH"
    aws = srp_client(idp, pool_id, client_id, "alice", **device)
    start = {"USERNAME": "alice", "DEVICE_KEY": device["device_key"], "SRP_A": format(aws.large_a_value, "x")}
    challenge = respond(idp, client_id, "DEVICE_SRP_AUTH", start)
    answer = aws.process_device_challenge(challenge["ChallengeParameters"])
    tokens_of(respond(idp, client_id, "DEVICE_PASSWORD_VERIFIER", answer))


# --------------------------------------------------------------------------- refresh (core spec §4.7)


def test_refresh_needs_the_device_key(running: Running, idp: Any) -> None:
    pool_id, client_id = device_pool(idp, mfa="OFF")
    new_user(idp, pool_id, "alice")
    first = tokens_of(srp_sign_in(idp, client_id, srp_client(idp, pool_id, client_id, "alice")))
    key = first["NewDeviceMetadata"]["DeviceKey"]

    def refresh(**params: str) -> dict[str, Any]:
        reply: dict[str, Any] = idp.initiate_auth(
            ClientId=client_id,
            AuthFlow="REFRESH_TOKEN_AUTH",
            AuthParameters={"REFRESH_TOKEN": first["RefreshToken"], **params},
        )
        return reply

    for params in ({}, {"DEVICE_KEY": key}):  # not confirmed yet: no device to refresh with
        with pytest.raises(ClientError) as err:
            refresh(**params)
        assert error_of(err) == ("NotAuthorizedException", "Invalid Refresh Token.")
    confirm(idp, first)
    refreshed = refresh(DEVICE_KEY=key)["AuthenticationResult"]
    assert claims(refreshed["AccessToken"])["device_key"] == key
    assert "NewDeviceMetadata" not in refreshed and "RefreshToken" not in refreshed
    with pytest.raises(ClientError) as err:
        refresh()
    assert error_of(err) == ("NotAuthorizedException", "Invalid Refresh Token.")
    reply = idp.get_tokens_from_refresh_token(
        RefreshToken=first["RefreshToken"], ClientId=client_id, DeviceKey=key
    )
    assert claims(reply["AuthenticationResult"]["AccessToken"])["device_key"] == key
    with pytest.raises(ClientError) as err:
        idp.get_tokens_from_refresh_token(RefreshToken=first["RefreshToken"], ClientId=client_id)
    assert error_of(err) == ("NotAuthorizedException", "Invalid Refresh Token.")


# --------------------------------------------------------------------------- other users and pools


def not_found_everywhere(idp: Any, pool_id: str, client_id: str, token: str, key: str) -> None:
    """Every device operation, and DEVICE_SRP_AUTH, answers `Device does not exist.` for `key`."""
    srp_a = format(srp_client(idp, pool_id, client_id, "alice").large_a_value, "x")
    calls: list[Callable[[], Any]] = [
        lambda: idp.get_device(AccessToken=token, DeviceKey=key),
        lambda: idp.update_device_status(
            AccessToken=token, DeviceKey=key, DeviceRememberedStatus="remembered"
        ),
        lambda: idp.forget_device(AccessToken=token, DeviceKey=key),
        lambda: idp.admin_get_device(UserPoolId=pool_id, Username="alice", DeviceKey=key),
        lambda: idp.admin_update_device_status(
            UserPoolId=pool_id, Username="alice", DeviceKey=key, DeviceRememberedStatus="remembered"
        ),
        lambda: idp.admin_forget_device(UserPoolId=pool_id, Username="alice", DeviceKey=key),
        lambda: respond(
            idp, client_id, "DEVICE_SRP_AUTH", {"USERNAME": "alice", "DEVICE_KEY": key, "SRP_A": srp_a}
        ),
    ]
    for call in calls:
        with pytest.raises(ClientError) as err:
            call()
        assert error_of(err) == NO_DEVICE


def test_device_key_of_another_user_or_pool(running: Running, idp: Any) -> None:
    pool_id, client_id = device_pool(idp)
    phone = phone_number()
    new_user(idp, pool_id, "alice", phone_number=phone)
    alice = sms_sign_in(running, idp, client_id, srp_client(idp, pool_id, client_id, "alice"), phone)
    _, bobs = user_with_device(running, idp, pool_id, client_id, "bob")
    other_pool, other_client = device_pool(idp)
    _, foreign = user_with_device(running, idp, other_pool, other_client, "alice")
    for device in (bobs, foreign):
        plain = srp_client(idp, pool_id, client_id, "alice")
        reply = srp_sign_in(idp, client_id, plain, DEVICE_KEY=device["device_key"])
        assert reply["ChallengeName"] == "SMS_MFA"  # step 1 does not look at the device
        with pytest.raises(ClientError) as err:
            srp_sign_in(idp, client_id, srp_client(idp, pool_id, client_id, "alice", **device))
        assert error_of(err) == NO_DEVICE
        not_found_everywhere(idp, pool_id, client_id, alice["AccessToken"], device["device_key"])
    _, config = generate_hash_device(bobs["device_group_key"], bobs["device_key"])
    with pytest.raises(ClientError) as err:
        idp.confirm_device(
            AccessToken=alice["AccessToken"], DeviceKey=bobs["device_key"], DeviceSecretVerifierConfig=config
        )
    assert error_of(err) == NO_DEVICE
    tokens_of(device_sign_in(idp, pool_id, client_id, "bob", bobs))  # bob's device is untouched


def test_unknown_device_answer_can_be_retried_without_it(running: Running, idp: Any) -> None:
    """The JavaScript SDK resends the same PASSWORD_VERIFIER answer without DEVICE_KEY after
    `Device does not exist.` (core spec §9.5): the SECRET_BLOCK must still be good."""
    pool_id, client_id = device_pool(idp)
    phone = phone_number()
    new_user(idp, pool_id, "alice", phone_number=phone)
    aws = srp_client(idp, pool_id, client_id, "alice")
    params = aws.get_auth_params()
    reply = idp.initiate_auth(ClientId=client_id, AuthFlow="USER_SRP_AUTH", AuthParameters=params)
    answer = aws.process_challenge(reply["ChallengeParameters"], params)
    with pytest.raises(ClientError) as err:
        respond(idp, client_id, "PASSWORD_VERIFIER", {**answer, "DEVICE_KEY": "us-east-1_" + "0" * 36})
    assert error_of(err) == NO_DEVICE
    assert respond(idp, client_id, "PASSWORD_VERIFIER", answer)["ChallengeName"] == "SMS_MFA"


# --------------------------------------------------------------------------- the device operations


def test_device_operations(running: Running, idp: Any) -> None:
    pool_id, client_id = device_pool(idp, mfa="OFF")
    new_user(idp, pool_id, "alice")
    results = [
        tokens_of(srp_sign_in(idp, client_id, srp_client(idp, pool_id, client_id, "alice"))) for _ in range(3)
    ]
    keys = [confirm(idp, result, name=f"device-{i}")[0]["device_key"] for i, result in enumerate(results)]
    token = results[-1]["AccessToken"]

    page = idp.list_devices(AccessToken=token, Limit=2)
    rest = idp.list_devices(AccessToken=token, Limit=2, PaginationToken=page["PaginationToken"])
    assert [d["DeviceKey"] for d in page["Devices"] + rest["Devices"]] == keys
    assert "PaginationToken" not in rest
    got = idp.get_device(AccessToken=token, DeviceKey=keys[0])["Device"]
    assert got["DeviceKey"] == keys[0]
    assert {"DeviceCreateDate", "DeviceLastModifiedDate", "DeviceLastAuthenticatedDate"} <= set(got)
    owner = f"alice.{pool_id}"
    assert attributes(got) == {
        "device_status": "valid",
        "device_name": "device-0",
        "dev:device_arn": f"arn:aws:cognito-idp:us-east-1:123456789012:owner/{owner}/device/{keys[0]}",
        "dev:device_owner": owner,
        "dev:device_remembered_status": "remembered",
    }
    assert idp.admin_get_device(UserPoolId=pool_id, Username="alice", DeviceKey=keys[0])["Device"] == got

    idp.admin_forget_device(UserPoolId=pool_id, Username="alice", DeviceKey=keys[0])
    idp.forget_device(AccessToken=token, DeviceKey=keys[1])
    listed = idp.admin_list_devices(UserPoolId=pool_id, Username="alice")["Devices"]
    assert [d["DeviceKey"] for d in listed] == keys[2:]
    with pytest.raises(ClientError) as err:
        idp.update_device_status(AccessToken=token, DeviceKey=keys[1], DeviceRememberedStatus="remembered")
    assert error_of(err) == NO_DEVICE
    with pytest.raises(ClientError) as err:
        idp.list_devices(AccessToken=token, PaginationToken="garbage")
    assert error_of(err) == ("InvalidParameterException", "Invalid pagination token.")


def test_confirm_device_errors(idp: Any) -> None:
    pool_id, client_id = device_pool(idp, mfa="OFF")
    new_user(idp, pool_id, "alice")
    result = tokens_of(srp_sign_in(idp, client_id, srp_client(idp, pool_id, client_id, "alice")))
    key = result["NewDeviceMetadata"]["DeviceKey"]
    bad = {"PasswordVerifier": "not base64!", "Salt": "AAAA"}
    with pytest.raises(ClientError) as err:
        idp.confirm_device(AccessToken=result["AccessToken"], DeviceKey=key, DeviceSecretVerifierConfig=bad)
    assert error_of(err) == ("InvalidParameterException", "Invalid device secret verifier config.")
    confirm(idp, result)
    with pytest.raises(ClientError) as err:
        confirm(idp, result)
    assert error_of(err) == ("DeviceKeyExistsException", "Device key already exists.")
    with pytest.raises(ClientError) as err:
        idp.get_device(DeviceKey=key)
    assert error_of(err) == ("NotAuthorizedException", "Invalid Access Token")


def test_untracked_pool_ignores_device_keys(idp: Any) -> None:
    """Without DeviceConfiguration no NewDeviceMetadata is issued and DEVICE_KEY is ignored [INF]."""
    pool_id, client_id = srp_pool(idp)
    new_user(idp, pool_id, "alice")
    key = "us-east-1_" + "1" * 36
    aws = srp_client(
        idp, pool_id, client_id, "alice", device_key=key, device_group_key="-x", device_password="y"
    )
    result = tokens_of(srp_sign_in(idp, client_id, aws))
    assert "NewDeviceMetadata" not in result
    assert "device_key" not in claims(result["AccessToken"])
