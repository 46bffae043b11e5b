"""Modular exponentiation for SRP (core spec §9), with an optional gmpy2 fast path.

SRP over the 3072-bit group of core spec §9.1 spends almost all of its time in ``g^x mod N``.
gmpy2 (the ``fast`` extra) does that several times faster than CPython's ``pow``. When gmpy2 is
not importable, or the environment variable ``USERPOOL_NO_GMPY2=1`` is set when this module is
first imported (benchmarks, tests of the fallback), Python's built-in three-argument ``pow`` is
used. Both give identical results; :data:`BACKEND` says which one this process uses.
"""

from __future__ import annotations

import os
from types import ModuleType
from typing import Final

__all__ = ["BACKEND", "powmod", "python_powmod"]


def _load_gmpy2() -> ModuleType | None:
    if os.environ.get("USERPOOL_NO_GMPY2", "") == "1":
        return None
    try:
        import gmpy2
    except ImportError:
        return None
    module: ModuleType = gmpy2
    return module


_gmpy2: Final = _load_gmpy2()

#: ``"gmpy2"`` or ``"python"``: which implementation :func:`powmod` uses in this process.
BACKEND: Final[str] = "python" if _gmpy2 is None else "gmpy2"


def python_powmod(base: int, exp: int, mod: int) -> int:
    """``base ** exp % mod`` with Python's built-in ``pow`` (always available)."""
    return pow(base, exp, mod)


if _gmpy2 is not None:
    _gmp_powmod: Final = _gmpy2.powmod

    def powmod(base: int, exp: int, mod: int) -> int:
        """``base ** exp % mod`` computed by GMP (gmpy2), returned as a Python ``int``."""
        return int(_gmp_powmod(base, exp, mod))

else:

    def powmod(base: int, exp: int, mod: int) -> int:
        """``base ** exp % mod`` with Python's built-in ``pow`` (gmpy2 unavailable or disabled)."""
        return pow(base, exp, mod)
