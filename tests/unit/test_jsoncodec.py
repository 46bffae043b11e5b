"""userpool/jsoncodec.py: the same documents as the standard library's json, including what orjson
refuses (lone surrogates, integers past 64 bits), which go through the standard library. (NaN and
infinities, which JSON has no words for, are not among them: orjson writes null.)"""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from userpool import jsoncodec

_FINITE = st.floats(allow_nan=False, allow_infinity=False)
_SCALARS = st.none() | st.booleans() | st.integers() | _FINITE | st.text()
_DOCUMENTS = st.recursive(
    _SCALARS, lambda inner: st.lists(inner) | st.dictionaries(st.text(), inner), max_leaves=20
)


@given(_DOCUMENTS)
def test_what_it_writes_reads_back_as_the_standard_library_reads_it(value: Any) -> None:
    written = jsoncodec.dumps(value)
    assert json.loads(written) == json.loads(json.dumps(value))
    assert jsoncodec.loads(written) == json.loads(written)
    assert jsoncodec.loads(jsoncodec.dumps_text(value)) == json.loads(written)


@pytest.mark.parametrize("value", ["bad \ud800 text", {"n": 2**70 + 1}, [-(2**64) - 1], 10**18 + 1])
def test_what_orjson_refuses_to_write_is_written_by_the_standard_library(value: Any) -> None:
    written = jsoncodec.dumps(value)
    assert json.loads(written) == value
    assert jsoncodec.loads(written) == value


def test_an_escaped_lone_surrogate_reads_as_the_standard_library_reads_it() -> None:
    assert jsoncodec.loads('{"v": "\\ud800"}') == {"v": "\ud800"}
    with pytest.raises(ValueError):
        jsoncodec.loads(b"{not json")


@pytest.mark.parametrize(
    "text",
    [
        '{"n": 1234567890123456789012}',  # past 64 bits: orjson would read a float
        '[18446744073709551616, "x"]',
        '{"phone": "+12345678901234567890", "n": 1}',  # a long run inside a string
        '"\ud800 raw"',  # a lone surrogate in the text itself
        '{"n": 123456789012345678}',  # 18 digits: orjson's own path
    ],
)
def test_text_and_bytes_read_as_the_standard_library_reads_them(text: str) -> None:
    expected = json.loads(text)
    assert jsoncodec.loads(text) == expected
    assert type(jsoncodec.loads(text)) is type(expected)
    if "\ud800" not in text:
        assert jsoncodec.loads(text.encode()) == expected
