"""SECRET_HASH (core spec §3.4)."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st
from pycognito.aws_srp import AWSSRP

from userpool.crypto.secret_hash import hash_matches, secret_hash

SECRET = "abcdefghijklmnopqrstuvwxyz0123456789abcdefghijklmnop"
CLIENT_ID = "1example23456789abcdefghij"
EXPECTED = "ZlzLKRF0Yczf15mIG60LmoQP66/YXhu6oZgf9EThX/s="


def test_spec_vector() -> None:
    assert secret_hash(SECRET, "alice", CLIENT_ID) == EXPECTED


def test_hash_matches() -> None:
    assert hash_matches(SECRET, "alice", CLIENT_ID, EXPECTED)
    assert not hash_matches(SECRET, "alice", CLIENT_ID, EXPECTED[:-2] + "A=")
    assert not hash_matches(SECRET, "Alice", CLIENT_ID, EXPECTED)
    assert not hash_matches(SECRET, "alice", CLIENT_ID, "")
    assert not hash_matches(SECRET, "alice", CLIENT_ID, "é" * 44)
    assert not hash_matches(SECRET, "alice", CLIENT_ID, "\ud800")


_text = st.text(alphabet=st.characters(codec="utf-8"), max_size=40)


@given(secret=_text, username=_text, client_id=_text)
def test_agrees_with_pycognito(secret: str, username: str, client_id: str) -> None:
    theirs = AWSSRP.get_secret_hash(username, client_id, secret)
    assert secret_hash(secret, username, client_id) == theirs
    assert hash_matches(secret, username, client_id, theirs)
