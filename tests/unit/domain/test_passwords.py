from __future__ import annotations

import random

import pytest
from hypothesis import given
from hypothesis import strategies as st

from userpool.api.errors import CognitoError
from userpool.domain.passwords import (
    SYMBOLS,
    PasswordPolicy,
    check_password,
    generate_temporary_password,
)

PREFIX = "Password did not conform with policy: "
DEFAULT = PasswordPolicy()


def test_defaults() -> None:
    assert PasswordPolicy(8, True, True, True, True, 0, 7) == DEFAULT


def test_from_config_reads_botocore_names() -> None:
    cfg = {
        "MinimumLength": 12,
        "RequireUppercase": False,
        "RequireLowercase": True,
        "RequireNumbers": False,
        "RequireSymbols": False,
        "PasswordHistorySize": 3,
        "TemporaryPasswordValidityDays": 2,
    }
    policy = PasswordPolicy.from_config(cfg)
    assert policy == PasswordPolicy(12, False, True, False, False, 3, 2)
    assert policy.to_config() == cfg


@pytest.mark.parametrize("cfg", [None, {}])
def test_from_config_empty(cfg: dict[str, object] | None) -> None:
    assert PasswordPolicy.from_config(cfg) == DEFAULT


def test_from_config_zero_validity_means_default() -> None:
    assert (
        PasswordPolicy.from_config({"TemporaryPasswordValidityDays": 0}).temporary_password_validity_days == 7
    )


@pytest.mark.parametrize(
    ("password", "message"),
    [
        # core spec §5.2: one violation, in this order.
        ("aA1!", "Password not long enough"),
        ("", "Password not long enough"),
        ("AAAAAAA1!", "Password must have lowercase characters"),
        ("AAAAAAAA", "Password must have lowercase characters"),
        ("aaaaaaa1!", "Password must have uppercase characters"),
        ("aaaaaaaa", "Password must have uppercase characters"),
        ("aaaaAAAA!", "Password must have numeric characters"),
        ("aaaaAAAA", "Password must have numeric characters"),
        ("aaaaAAAA1", "Password must have symbol characters"),
        ("ÄäÄäÄä11!", "Password must have lowercase characters"),  # only basic Latin counts
    ],
)
def test_messages_and_order(password: str, message: str) -> None:
    with pytest.raises(CognitoError) as exc:
        check_password(DEFAULT, password)
    assert exc.value.code == "InvalidPasswordException"
    assert exc.value.message == PREFIX + message


@pytest.mark.parametrize("symbol", [*SYMBOLS, " "])
def test_every_symbol_counts(symbol: str) -> None:
    check_password(DEFAULT, f"abcD1{symbol}xyz")


def test_symbol_set_is_the_documented_one() -> None:
    assert set(SYMBOLS) == set("^$*.[]{}()?\"!@#%&/\\,><':;|_~`=+-")


def test_relaxed_policy() -> None:
    policy = PasswordPolicy(6, False, False, False, False)
    check_password(policy, "aaaaaa")
    with pytest.raises(CognitoError, match="not long enough"):
        check_password(policy, "aaaaa")


def test_generated_default_policy() -> None:
    password = generate_temporary_password(DEFAULT, random.Random(0))
    assert len(password) == 12
    check_password(DEFAULT, password)
    assert " " not in password


def test_generated_long_policy() -> None:
    policy = PasswordPolicy(minimum_length=40)
    password = generate_temporary_password(policy)
    assert len(password) == 40
    check_password(policy, password)


policies = st.builds(
    PasswordPolicy,
    minimum_length=st.integers(6, 99),
    require_uppercase=st.booleans(),
    require_lowercase=st.booleans(),
    require_numbers=st.booleans(),
    require_symbols=st.booleans(),
)


@given(policies, st.integers(0, 2**32))
def test_generated_passwords_always_pass(policy: PasswordPolicy, seed: int) -> None:
    password = generate_temporary_password(policy, random.Random(seed))
    assert len(password) == max(policy.minimum_length, 12)
    check_password(policy, password)
