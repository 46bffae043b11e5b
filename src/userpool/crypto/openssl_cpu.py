"""Which of OpenSSL's routines signs our tokens on this CPU, chosen before `cryptography` loads it.

An RSA-2048 signature is two 1024-bit modular exponentiations (the Chinese remainder theorem).
On x86-64, OpenSSL has an AVX2 routine for them (RSAZ) but does not use it on a CPU that has both
BMI2 and ADX: it takes its MULX/ADX routine instead (`rsaz_avx2_eligible`; in
openssl/openssl#17342 its maintainers take the AVX2 path to be the slower one on some processors
and point to the `OPENSSL_ia32cap` environment variable to choose otherwise). On AMD's Zen 3
(CPU family 25 without AVX-512 IFMA) it is the MULX routine that is slower: measured in session 31
(docs/performance.md) with `cryptography`'s OpenSSL, 1.07-1.27 ms a signature against 0.71-0.78 ms
with BMI2 and ADX hidden from it, and `openssl speed -multi 2 rsa2048` 1,827-1,873 signatures/s
against 2,903-2,924/s. CPUs with AVX-512 IFMA sign with another routine (rsaz-2k-avx512) and are
left alone, as is every CPU this was not measured on.

OpenSSL copies the CPU's capabilities, less the bits `OPENSSL_ia32cap` clears, once, as the
library loads (OPENSSL_ia32cap(3): its second word is CPUID leaf 7's EBX:ECX, where bit 8 is BMI2
and bit 19 is ADX). `load` sets the variable, loads `cryptography`'s bindings and removes it
again, so that no process started later (a peer in bench/run.py, say) inherits it. An operator who
sets `OPENSSL_ia32cap` themselves keeps theirs: `load` then changes nothing.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Final

__all__ = ["ENV_VAR", "HIDE_MULX", "cpuinfo", "first_cpu", "load", "rsa_mask"]

ENV_VAR: Final = "OPENSSL_ia32cap"
# Leaves the first word alone and clears BMI2 (bit 8) and ADX (bit 19) of the second.
HIDE_MULX: Final = ":~0x80100"
_BINDINGS: Final = "cryptography.hazmat.bindings._rust"


def cpuinfo() -> str:
    """The text of this machine's /proc/cpuinfo; empty where there is none."""
    try:
        return Path("/proc/cpuinfo").read_text(errors="replace")
    except OSError:
        return ""


def first_cpu(text: str) -> dict[str, str]:
    """The first processor's fields in a /proc/cpuinfo text (`vendor_id`, `cpu family`, `flags`...)."""
    fields: dict[str, str] = {}
    for line in text.splitlines():
        if not line.strip():
            if fields:
                break
            continue
        key, _, value = line.partition(":")
        fields[key.strip()] = value.strip()
    return fields


def rsa_mask(text: str, environ: Mapping[str, str]) -> str | None:
    """The `OPENSSL_ia32cap` value to load OpenSSL with on the CPU that `text` (a /proc/cpuinfo)
    describes, or None to load it as it is."""
    if ENV_VAR in environ:
        return None
    cpu = first_cpu(text)
    flags = set(cpu.get("flags", "").split())
    zen3 = cpu.get("vendor_id") == "AuthenticAMD" and cpu.get("cpu family") == "25"
    if zen3 and {"avx2", "bmi2", "adx"} <= flags and "avx512ifma" not in flags:
        return HIDE_MULX
    return None


def load() -> str | None:
    """Load `cryptography`'s OpenSSL as `rsa_mask` says for this machine; the mask it was loaded
    with, or None when it took none (or was loaded already, so that nothing can change it)."""
    mask = rsa_mask(cpuinfo(), os.environ)
    if mask is None or _BINDINGS in sys.modules:
        return None
    os.environ[ENV_VAR] = mask  # unset before: rsa_mask leaves an operator's own value alone
    try:
        __import__(_BINDINGS)
    finally:
        del os.environ[ENV_VAR]
    return mask
