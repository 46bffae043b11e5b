from __future__ import annotations

import random
import re
import uuid

import pytest

from userpool.domain import ids


@pytest.mark.parametrize("seed", range(50))
def test_pool_id_shape(seed: int) -> None:
    value = ids.new_pool_id("us-east-1", random.Random(seed))
    assert re.fullmatch(r"us-east-1_[0-9A-Za-z]{9}", value)


def test_pool_id_default_rng() -> None:
    assert re.fullmatch(r"eu-west-1_[0-9A-Za-z]{9}", ids.new_pool_id("eu-west-1"))


@pytest.mark.parametrize("seed", range(200))
def test_client_id_shape(seed: int) -> None:
    value = ids.new_client_id(random.Random(seed))
    assert re.fullmatch(r"[2-7][0-9a-v]{25}", value)


@pytest.mark.parametrize("seed", range(200))
def test_client_secret_shape(seed: int) -> None:
    value = ids.new_client_secret(random.Random(seed))
    assert re.fullmatch(r"1[0-9a-v]{51}", value)
    assert int(value, 32).bit_length() == 256


def test_client_secret_matches_real_example_shape() -> None:
    real = "1e0luarhk6g05ab0cd99hfrka16dvm4epghv14s94hh6ut83s8bt"  # core spec §2
    assert int(real, 32).bit_length() == 256
    assert re.fullmatch(r"1[0-9a-v]{51}", ids.new_client_secret())


def test_client_id_default_rng() -> None:
    assert re.fullmatch(r"[2-7][0-9a-v]{25}", ids.new_client_id())


def test_deterministic_with_rng() -> None:
    assert ids.new_client_id(random.Random(7)) == ids.new_client_id(random.Random(7))
    assert ids.new_sub(random.Random(7)) == ids.new_sub(random.Random(7))


@pytest.mark.parametrize("rng", [None, random.Random(3)])
def test_sub_is_uuid4(rng: random.Random | None) -> None:
    value = ids.new_sub(rng)
    parsed = uuid.UUID(value)
    assert value == str(parsed) and parsed.version == 4
    assert parsed.variant == uuid.RFC_4122


def test_os_random_uuids_are_uuid4_in_every_variant_nibble() -> None:
    """The CSPRNG path writes the UUID itself: version 4, RFC variant (8, 9, a or b), no repeats."""
    values = [ids.new_sub() for _ in range(2000)] + [ids.new_uuid() for _ in range(2000)]
    for value in values:
        parsed = uuid.UUID(value)
        assert str(parsed) == value and parsed.version == 4 and parsed.variant == uuid.RFC_4122
    assert {v[19] for v in values} == set("89ab")
    assert len(set(values)) == len(values)


def test_sub_aws2024_style() -> None:
    value = ids.new_sub(random.Random(1), style="aws2024")
    assert re.fullmatch(r"[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[0-9a-f]{4}-[0-9a-f]{12}", value)


def test_uuid_and_device_keys() -> None:
    assert uuid.UUID(ids.new_uuid()).version == 4
    assert re.fullmatch(r"us-west-2_[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f-]{21}", ids.new_device_key("us-west-2"))
    assert re.fullmatch(r"-[0-9A-Za-z]{8}", ids.new_device_group_key())
    assert re.fullmatch(r"-[0-9A-Za-z]{8}", ids.new_device_group_key(random.Random(2)))


@pytest.mark.parametrize("digits", [1, 6, 8])
def test_code_length(digits: int) -> None:
    assert re.fullmatch(rf"[0-9]{{{digits}}}", ids.new_code(digits))
    assert re.fullmatch(rf"[0-9]{{{digits}}}", ids.new_code(digits, random.Random(digits)))


def test_code_keeps_leading_zeros() -> None:
    codes = {ids.new_code(6, random.Random(seed)) for seed in range(2000)}
    assert all(len(c) == 6 for c in codes)
    assert any(c.startswith("0") for c in codes)


def test_code_rejects_zero_digits() -> None:
    with pytest.raises(ValueError):
        ids.new_code(0)
