"""The `Session` strings handed to clients (MFA spec §6.4)."""

from __future__ import annotations

import re

from userpool.store.sessions import new_session_string


def test_session_strings_never_begin_with_a_dash() -> None:
    # The AWS CLI reads `--session -x...` as a missing value and refuses the call; one random
    # URL-safe string in 64 begins with "-", so 4,096 of them would all but surely show one.
    made = [new_session_string() for _ in range(4096)]
    assert not [s for s in made if s.startswith("-")]
    assert all(re.fullmatch(r"[A-Za-z0-9_-]{250,}", s) for s in made)
    assert len(set(made)) == len(made)
