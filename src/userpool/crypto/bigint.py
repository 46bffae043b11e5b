"""Modular exponentiation for SRP (core spec §9), with an optional gmpy2 fast path.

SRP over the 3072-bit group of core spec §9.1 spends almost all of its time in ``g^x mod N``.
gmpy2 (the ``fast`` extra) does that several times faster than CPython's ``pow``. When gmpy2 is
not importable, or the environment variable ``USERPOOL_NO_GMPY2=1`` is set when this module is
first imported (benchmarks, tests of the fallback), Python's built-in three-argument ``pow`` is
used. Both give identical results; :data:`BACKEND` says which one this process uses.
"""

from __future__ import annotations

import os
import threading
from types import ModuleType
from typing import Any, Final

__all__ = ["BACKEND", "FixedBase", "powmod", "python_powmod"]


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
    _number: Any = _gmpy2.mpz  # the integer type table entries are kept in

    def powmod(base: int, exp: int, mod: int) -> int:
        """``base ** exp % mod`` computed by GMP (gmpy2), returned as a Python ``int``."""
        return int(_gmp_powmod(base, exp, mod))

else:
    _number = int

    def powmod(base: int, exp: int, mod: int) -> int:
        """``base ** exp % mod`` with Python's built-in ``pow`` (gmpy2 unavailable or disabled)."""
        return pow(base, exp, mod)


class FixedBase:
    """``base ** exp % mod`` for one fixed base and exponents of up to ``bits`` bits, from a table
    of precomputed powers (fixed-base windowing): ``base^(d·2^(w·i))`` for every window ``i`` and
    digit ``d``, so a power is one modular multiplication per non-zero ``w``-bit digit of the
    exponent instead of a square per bit. For SRP's ``g^x`` and ``g^b`` over the 3072-bit group
    with 256-bit exponents this is about 15 times faster than :func:`powmod`. The table (about
    3 MB for 256 bits with ``w = 8``) is built on first use; longer or negative exponents fall
    back to :func:`powmod`. Results equal :func:`powmod`'s."""

    def __init__(self, base: int, mod: int, *, bits: int = 256, window: int = 8) -> None:
        self.base, self.mod, self.bits, self.window = base, mod, bits, window
        self._mod: Any = _number(mod)
        self._table: list[list[Any]] | None = None
        self._lock = threading.Lock()

    def _build(self) -> list[list[Any]]:
        mod = self._mod
        step = _number(self.base) % mod
        rows: list[list[Any]] = []
        for _ in range(-(-self.bits // self.window)):
            row = [_number(1), step]
            for _ in range(2, 1 << self.window):
                row.append(row[-1] * step % mod)
            rows.append(row)
            step = row[-1] * step % mod  # base^(2^(w·(i+1)))
        return rows

    def _rows(self) -> list[list[Any]]:
        if self._table is None:
            with self._lock:
                if self._table is None:
                    self._table = self._build()
        return self._table

    def pow(self, exp: int) -> int:
        if exp < 0 or exp.bit_length() > self.bits:
            return powmod(self.base, exp, self.mod)
        mask, window, mod = (1 << self.window) - 1, self.window, self._mod
        acc: Any = 1
        for row in self._rows():
            digit = exp & mask
            if digit:
                acc = acc * row[digit] % mod
            exp >>= window
        return int(acc)
