"""JSON for what every call reads and writes: the JSON columns (a pool's config is about 4 KB,
parsed on every call that names the pool) and the responses. orjson does both several times
faster than the standard library; what orjson refuses to write (text with a lone surrogate,
which a caller's bad input can put in an error message; an integer past 64 bits) or to read
(such text escaped; an integer orjson would read as a float) goes through the standard
library, as all of it did before."""

from __future__ import annotations

import json
import re
from typing import Any

import orjson


def dumps(value: Any) -> bytes:
    """Compact JSON, UTF-8."""
    try:
        return orjson.dumps(value)
    except TypeError:  # orjson.JSONEncodeError
        return json.dumps(value, separators=(",", ":")).encode()


def dumps_text(value: Any) -> str:
    return dumps(value).decode()


# 19 digits in a row: possibly an integer past 64 bits, which orjson reads as a float (a run of
# digits inside a string, a phone number say, only sends the document the slower way).
_LONG_DIGITS = re.compile(r"[0-9]{19}")
_LONG_DIGITS_BYTES = re.compile(rb"[0-9]{19}")


def loads(text: str | bytes) -> Any:
    long_digits = _LONG_DIGITS_BYTES if isinstance(text, bytes) else _LONG_DIGITS
    if long_digits.search(text) is None:  # type: ignore[arg-type]
        try:
            return orjson.loads(text)
        except orjson.JSONDecodeError:
            pass
    return json.loads(text)
