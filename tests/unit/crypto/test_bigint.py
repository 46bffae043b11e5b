"""powmod backends (core spec §9): gmpy2 and pure Python agree; the env switch forces Python."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from userpool.crypto import bigint, srp


@settings(max_examples=200)
@given(
    base=st.integers(min_value=-(2**3100), max_value=2**3100),
    exp=st.integers(min_value=0, max_value=2**1100),
    mod=st.integers(min_value=1, max_value=2**3100),
)
def test_powmod_agrees_with_python(base: int, exp: int, mod: int) -> None:
    got = bigint.powmod(base, exp, mod)
    assert type(got) is int
    assert got == bigint.python_powmod(base, exp, mod) == pow(base, exp, mod)


def test_powmod_in_the_srp_group() -> None:
    x = int("ab" * 32, 16)
    assert bigint.powmod(srp.G, x, srp.N) == pow(srp.G, x, srp.N)


@pytest.mark.skipif(os.environ.get("USERPOOL_NO_GMPY2") == "1", reason="fallback forced for this run")
def test_gmpy2_is_used_when_installed() -> None:
    pytest.importorskip("gmpy2")
    assert bigint.BACKEND == "gmpy2"


def test_env_var_forces_python_fallback_with_identical_results() -> None:
    salt = "1f2e3d4c5b6a79880112233445566778"
    code = (
        "from userpool.crypto import bigint, srp\n"
        "print(bigint.BACKEND)\n"
        f"print(srp.password_verifier('iWcTPhZBA', 'alice', 'Passw0rd!', '{salt}'))\n"
    )
    env = {**os.environ, "USERPOOL_NO_GMPY2": "1"}
    out = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True
    ).stdout.split()
    assert out[0] == "python"
    expected = srp.password_verifier("iWcTPhZBA", "alice", "Passw0rd!", salt)
    assert int(out[1]) == expected
