"""`bigint.FixedBase`, the table-driven `g^e mod N` behind every SRP password check (core spec §9.2):
it must equal `pow` for every exponent, and fall back to it outside its table."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from userpool.crypto import bigint, srp


@settings(max_examples=300)
@given(exp=st.integers(min_value=0, max_value=2**256 - 1))
def test_srp_group_powers_equal_pow(exp: int) -> None:
    got = srp._G_POW.pow(exp)
    assert type(got) is int
    assert got == pow(srp.G, exp, srp.N)


def test_edges_of_the_table() -> None:
    table = bigint.FixedBase(srp.G, srp.N, bits=256)
    for exp in (0, 1, 2, 255, 256, 2**255, 2**256 - 1):
        assert table.pow(exp) == pow(srp.G, exp, srp.N)


@settings(max_examples=100)
@given(exp=st.integers(min_value=2**16, max_value=2**300))
def test_longer_exponents_fall_back_to_powmod(exp: int) -> None:
    table = bigint.FixedBase(7, 1_000_003, bits=16, window=4)
    assert table.pow(exp) == pow(7, exp, 1_000_003)


@settings(max_examples=200)
@given(
    base=st.integers(min_value=2, max_value=2**200),
    mod=st.integers(min_value=3, max_value=2**200),
    exp=st.integers(min_value=0, max_value=2**40 - 1),
    window=st.integers(min_value=1, max_value=9),
)
def test_any_base_modulus_and_window(base: int, mod: int, exp: int, window: int) -> None:
    assert bigint.FixedBase(base, mod, bits=40, window=window).pow(exp) == pow(base, exp, mod)


def test_password_verifier_is_unchanged() -> None:
    """The stored verifier is still g^x mod N of core spec §9.2."""
    salt = "1a2b3c4d5e6f708192a3b4c5d6e7f801"
    x = srp.compute_x("pool", "user", "Passw0rd!", salt)
    assert srp.password_verifier("pool", "user", "Passw0rd!", salt) == pow(srp.G, x, srp.N)
