"""JSON for what every call reads and writes: the JSON columns (a pool's config is about 4 KB,
parsed on every call that names the pool) and the responses. orjson does both several times
faster than the standard library; what orjson refuses to write (text with a lone surrogate,
which a caller's bad input can put in an error message; an integer past 64 bits) or to read
(such text escaped; an integer orjson would read as a float) goes through the standard
library, as all of it did before."""

from __future__ import annotations

import json
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
# digits inside a string, a phone number say, only sends the document the slower way). Found by
# mapping every digit to "0" and looking for nineteen of them: a regular expression took 85 µs on
# a pool's 4 KB config, three times orjson's parse of it; this takes 5.
_DIGITS_AS_ZERO = bytes.maketrans(b"123456789", b"000000000")
_LONG_DIGITS = b"0" * 19


def _long_digits(data: bytes) -> bool:
    return _LONG_DIGITS in data.translate(_DIGITS_AS_ZERO)


def loads(text: str | bytes) -> Any:
    # surrogatepass: a lone surrogate encodes here, and orjson's refusal sends it the standard way.
    data = text.encode("utf-8", "surrogatepass") if isinstance(text, str) else text
    if not _long_digits(data):
        try:
            return orjson.loads(text)
        except orjson.JSONDecodeError:
            pass
    return json.loads(text)
