"""Builders the SRP and device wire tests share. The client side of SRP is pycognito's (`AWSSRP`),
an implementation independent of userpool's own (core spec §9.6)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import jwt
import pytest
from pycognito.aws_srp import AWSSRP

from tests.conftest import Running
from tests.wire.helpers import PASSWORD
from tests.wire.mfa_helpers import mfa_pool

SRP_FLOWS = [
    "ALLOW_USER_SRP_AUTH",
    "ALLOW_USER_PASSWORD_AUTH",
    "ALLOW_CUSTOM_AUTH",
    "ALLOW_REFRESH_TOKEN_AUTH",
]
ADMIN_FLOWS = [*SRP_FLOWS, "ALLOW_ADMIN_USER_PASSWORD_AUTH"]


@pytest.fixture
def live_clock(running: Running) -> Iterator[None]:
    """pycognito signs with the real time: run the server's clock unfrozen and unshifted (a test
    that froze or moved it put it back), since a TIMESTAMP must be within 5 minutes (§9.4)."""
    saved = running.clock.offset, running.clock.frozen_at
    running.clock.offset, running.clock.frozen_at = 0.0, None
    yield
    running.clock.offset, running.clock.frozen_at = saved


def srp_pool(idp: Any, **options: Any) -> tuple[str, str]:
    """A pool that can have every MFA factor, with a client allowing SRP, password, custom and
    refresh flows (admin password too)."""
    pool_id = mfa_pool(idp, **options)
    reply = idp.create_user_pool_client(UserPoolId=pool_id, ClientName="srp", ExplicitAuthFlows=ADMIN_FLOWS)
    client_id: str = reply["UserPoolClient"]["ClientId"]
    return pool_id, client_id


def srp_client(
    idp: Any, pool_id: str, client_id: str, username: str, password: str = PASSWORD, **device: str
) -> AWSSRP:
    """pycognito's SRP client for `username`; `device` = device_key, device_group_key, device_password."""
    return AWSSRP(username, password, pool_id, client_id, client=idp, **device)


def initiate(idp: Any, client_id: str, aws: AWSSRP, **extra: str) -> tuple[dict[str, Any], dict[str, str]]:
    """InitiateAuth USER_SRP_AUTH with pycognito's SRP_A; returns the reply and the parameters sent."""
    params = {**aws.get_auth_params(), **extra}
    reply: dict[str, Any] = idp.initiate_auth(
        ClientId=client_id, AuthFlow="USER_SRP_AUTH", AuthParameters=params
    )
    return reply, params


def verifier_answer(aws: AWSSRP, reply: dict[str, Any], params: dict[str, str]) -> dict[str, str]:
    """pycognito's PASSWORD_VERIFIER answer to a challenge reply."""
    answer: dict[str, str] = aws.process_challenge(reply["ChallengeParameters"], params)
    return answer


def respond(
    idp: Any, client_id: str, name: str, responses: dict[str, str], session: str | None = None
) -> dict[str, Any]:
    request: dict[str, Any] = {"ClientId": client_id, "ChallengeName": name, "ChallengeResponses": responses}
    if session is not None:
        request["Session"] = session
    reply: dict[str, Any] = idp.respond_to_auth_challenge(**request)
    return reply


def srp_sign_in(idp: Any, client_id: str, aws: AWSSRP, **extra: str) -> dict[str, Any]:
    """USER_SRP_AUTH then PASSWORD_VERIFIER without a Session, as pycognito does; the reply of the
    verifier (tokens or the next challenge)."""
    reply, params = initiate(idp, client_id, aws, **extra)
    assert reply["ChallengeName"] == "PASSWORD_VERIFIER"
    return respond(idp, client_id, "PASSWORD_VERIFIER", verifier_answer(aws, reply, params))


def claims(token: str) -> dict[str, Any]:
    """A JWT's payload, unverified."""
    decoded: dict[str, Any] = jwt.decode(token, options={"verify_signature": False})
    return decoded
