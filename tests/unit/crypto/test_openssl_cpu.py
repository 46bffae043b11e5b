"""How `cryptography`'s OpenSSL is loaded (`crypto.openssl_cpu`): the rule, and what OpenSSL ends up
with, read from its capability vector (`OPENSSL_ia32cap_P`) in a fresh interpreter."""

from __future__ import annotations

import json
import os
import platform
import subprocess
import sys
from typing import Any

import pytest

from userpool.crypto import openssl_cpu

# A trimmed /proc/cpuinfo of the session 31 machine: AMD EPYC, family 25 model 1 (Zen 3).
ZEN3 = """processor\t: 0
vendor_id\t: AuthenticAMD
cpu family\t: 25
model\t\t: 1
model name\t: AMD EPYC
flags\t\t: fpu sse2 avx avx2 bmi1 bmi2 adx sha_ni

processor\t: 1
vendor_id\t: AuthenticAMD
cpu family\t: 25
"""


def _cpu(vendor: str, family: int, flags: str) -> str:
    return f"processor\t: 0\nvendor_id\t: {vendor}\ncpu family\t: {family}\nflags\t\t: {flags}\n"


def test_zen3_hides_bmi2_and_adx() -> None:
    assert openssl_cpu.rsa_mask(ZEN3, {}) == ":~0x80100"


@pytest.mark.parametrize(
    "cpuinfo",
    [
        # Zen 4 (family 25 model 17, the machines of sessions 19, 27, 28 and 30): AVX-512 IFMA.
        _cpu("AuthenticAMD", 25, "avx2 bmi2 adx avx512f avx512ifma"),
        _cpu("AuthenticAMD", 26, "avx2 bmi2 adx avx512f avx512ifma"),  # Zen 5
        _cpu("AuthenticAMD", 23, "avx2 bmi2 adx"),  # Zen 2: not measured
        _cpu("GenuineIntel", 6, "avx2 bmi2 adx"),  # OpenSSL's own choice stands
        _cpu("AuthenticAMD", 25, "avx2 bmi1"),  # no BMI2/ADX: the AVX2 routine is OpenSSL's already
        "processor\t: 0\nBogoMIPS\t: 50.00\nFeatures\t: fp asimd\nCPU implementer\t: 0x41\n",  # arm64
        "",
    ],
)
def test_other_cpus_load_openssl_as_it_is(cpuinfo: str) -> None:
    assert openssl_cpu.rsa_mask(cpuinfo, {}) is None


def test_an_operators_setting_stands() -> None:
    assert openssl_cpu.rsa_mask(ZEN3, {"OPENSSL_ia32cap": ""}) is None


# Run in a fresh interpreter: the second word of OpenSSL's capability vector (CPUID leaf 7's EBX),
# whether OPENSSL_ia32cap is in the environment afterwards, and what userpool.crypto chose. The
# vector's address comes from the bindings' ELF symbol table and where the library is mapped.
PROBE = r"""
import ctypes, json, os, struct, sys
if sys.argv[1] == "userpool":
    import userpool.crypto
    chose = userpool.crypto.OPENSSL_MASK
else:
    chose = None
import cryptography.hazmat.bindings._rust as bindings

def symbol(path, wanted):
    data = open(path, "rb").read()
    shoff, = struct.unpack_from("<Q", data, 0x28)
    shentsize, shnum = struct.unpack_from("<HH", data, 0x3A)
    sections = [struct.unpack_from("<IIQQQQIIQQ", data, shoff + i * shentsize) for i in range(shnum)]
    for _name, kind, _f, _a, offset, size, link, _i, _al, entsize in sections:
        if kind != 2:  # SHT_SYMTAB
            continue
        strings = sections[link][4]
        for at in range(offset, offset + size, entsize):
            name, = struct.unpack_from("<I", data, at)
            end = data.index(b"\0", strings + name)
            if data[strings + name:end] == wanted:
                return struct.unpack_from("<Q", data, at + 8)[0]
    return None

path = os.path.realpath(bindings.__file__)
found = symbol(path, b"OPENSSL_ia32cap_P")
word = None
if found is not None:
    for line in open("/proc/self/maps"):
        fields = line.split()
        if len(fields) == 6 and os.path.realpath(fields[5]) == path and int(fields[2], 16) == 0:
            base = int(fields[0].split("-")[0], 16)
            word = (ctypes.c_uint32 * 4).from_address(base + found)[2]
            break
print(json.dumps({"word": word, "env": os.environ.get("OPENSSL_ia32cap"), "chose": chose}))
"""


def _probe(mode: str, env: dict[str, str]) -> dict[str, Any]:
    done = subprocess.run(
        [sys.executable, "-c", PROBE, mode], env=env, capture_output=True, text=True, timeout=60, check=True
    )
    found: dict[str, Any] = json.loads(done.stdout)
    if found["word"] is None:
        pytest.skip("this build of cryptography's bindings has no OPENSSL_ia32cap_P symbol")
    return found


@pytest.fixture
def plain_env() -> dict[str, str]:
    if sys.platform != "linux" or platform.machine() != "x86_64":
        pytest.skip("OpenSSL's capability vector is x86-64's")
    return {k: v for k, v in os.environ.items() if k != "OPENSSL_ia32cap"}


def test_userpool_loads_openssl_as_the_rule_says_for_this_machine(plain_env: dict[str, str]) -> None:
    as_it_is = _probe("plain", plain_env)["word"]
    mask = openssl_cpu.rsa_mask(openssl_cpu.cpuinfo(), plain_env)
    found = _probe("userpool", plain_env)
    assert found["chose"] == mask
    if mask is None:
        assert found["word"] == as_it_is
    else:
        assert as_it_is & 0x80100, "the rule only hides bits the CPU has"
        assert found["word"] == as_it_is & ~0x80100
    assert found["env"] is None, "no process started later inherits the variable"


def test_an_operators_setting_reaches_openssl_untouched(plain_env: dict[str, str]) -> None:
    as_it_is = _probe("plain", plain_env)["word"]
    found = _probe("userpool", {**plain_env, "OPENSSL_ia32cap": ":~0x20"})  # hide AVX2
    assert found["chose"] is None
    assert found["word"] == as_it_is & ~0x20
    assert found["env"] == ":~0x20"
