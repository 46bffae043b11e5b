"""The ListUsers `Filter` expression: parsing and matching (core spec §11.1).

Grammar (one condition only)::

    filter := "" | ws* name ws* op ws* quoted ws*
    op     := "=" | "^="                        (exact | starts-with)
    quoted := '"' ( char | '\\"' | '\\\\' )* '"'   (backslash escapes a quote or backslash)
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from userpool.api.errors import CognitoError

__all__ = [
    "CASE_SENSITIVE",
    "FILTERABLE",
    "PARSE_ERROR",
    "UserFilter",
    "matches",
    "parse_filter",
]

#: core spec §11.1 [DOC BM, DG-USERS]: the only attributes a filter may name. `status` is the
#: `Enabled` flag (`Enabled`/`Disabled`), `cognito:user_status` the §6.1 status.
FILTERABLE: frozenset[str] = frozenset(
    {
        "username",
        "email",
        "phone_number",
        "name",
        "given_name",
        "family_name",
        "preferred_username",
        "cognito:user_status",
        "status",
        "sub",
    }
)

#: core spec §11.1 [DOC BM]: compared case-sensitively; every other attribute (including
#: `cognito:user_status`) case-insensitively.
CASE_SENSITIVE: frozenset[str] = frozenset({"username", "status"})

#: core spec §11.1 / §13 [OBS GH-aws-sdk-php-1088]: the one message for every bad filter.
PARSE_ERROR = "Error while parsing filter."

# A name is any run of characters that cannot start an operator, quote or whitespace; a
# syntactically fine name that is not filterable fails the same way (core spec §11.1 [INF]).
_FILTER = re.compile(
    r"""\s*
    (?P<name>[^\s"=^]+) \s*
    (?P<op>\^=|=) \s*
    "(?P<value>(?:[^"\\]|\\["\\])*)" \s*""",
    re.VERBOSE | re.DOTALL,
)
_ESCAPE = re.compile(r"\\([\"\\])")


@dataclass(frozen=True)
class UserFilter:
    """One parsed condition: `attribute op "value"` with the escapes already resolved."""

    attribute: str
    op: Literal["=", "^="]
    value: str


def _error() -> CognitoError:
    return CognitoError("InvalidParameterException", PARSE_ERROR)


def parse_filter(text: str) -> UserFilter | None:
    """Parse a ListUsers `Filter`; `None` for an empty or whitespace-only one (all users).

    Anything that does not parse (missing quotes, unknown operator, two conditions, a bad
    escape) and any non-filterable attribute (`custom:x`, `locale`) raise
    InvalidParameterException `Error while parsing filter.` (core spec §11.1 [OBS; INF for
    non-filterable names]).
    """
    if not text.strip():
        return None
    m = _FILTER.fullmatch(text)
    if m is None or m["name"] not in FILTERABLE:
        raise _error()
    op: Literal["=", "^="] = "^=" if m["op"] == "^=" else "="
    return UserFilter(m["name"], op, _ESCAPE.sub(r"\1", m["value"]))


def matches(f: UserFilter, candidate: str | None) -> bool:
    """Whether a user's value for `f.attribute` satisfies `f` (core spec §11.1 [DOC BM]).

    `candidate` is the stored username for `username`, `Enabled`/`Disabled` for `status`, the
    user status for `cognito:user_status`, else the attribute value; `None` (no such
    attribute) never matches. `username` and `status` compare case-sensitively.
    """
    if candidate is None:
        return False
    value = f.value
    if f.attribute not in CASE_SENSITIVE:
        candidate, value = candidate.lower(), value.lower()
    return candidate == value if f.op == "=" else candidate.startswith(value)
