from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from userpool.api.errors import CognitoError
from userpool.domain.filters import CASE_SENSITIVE, FILTERABLE, UserFilter, matches, parse_filter


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # core spec §11.1 examples
        ('family_name = "Reddy"', UserFilter("family_name", "=", "Reddy")),
        ('phone_number ^= "+1312"', UserFilter("phone_number", "^=", "+1312")),
        ('email="testuser@example.com"', UserFilter("email", "=", "testuser@example.com")),
        (
            'cognito:user_status = "FORCE_CHANGE_PASSWORD"',
            UserFilter("cognito:user_status", "=", "FORCE_CHANGE_PASSWORD"),
        ),
        ('status = "Disabled"', UserFilter("status", "=", "Disabled")),
        # whitespace, empty value, escapes
        ('  username\t=  "bob"  ', UserFilter("username", "=", "bob")),
        ('name = ""', UserFilter("name", "=", "")),
        ('given_name^="Jo"', UserFilter("given_name", "^=", "Jo")),
        (r'name = "say \"hi\""', UserFilter("name", "=", 'say "hi"')),
        (r'name = "back\\slash"', UserFilter("name", "=", "back\\slash")),
        (r'name = "\\"', UserFilter("name", "=", "\\")),
        ('name = "a = \\"b\\" ^= c"', UserFilter("name", "=", 'a = "b" ^= c')),
        (
            'sub = "1bc2a8fb-fc0a-440f-93ae-576e0879d180"',
            UserFilter("sub", "=", "1bc2a8fb-fc0a-440f-93ae-576e0879d180"),
        ),
        ('preferred_username = "x y"', UserFilter("preferred_username", "=", "x y")),
    ],
)
def test_parses(text: str, expected: UserFilter) -> None:
    assert parse_filter(text) == expected


@pytest.mark.parametrize("text", ["", " ", "\t\n  "])
def test_empty_means_no_filter(text: str) -> None:
    assert parse_filter(text) is None


@pytest.mark.parametrize(
    "text",
    [
        "family_name = Reddy",  # missing quotes
        'family_name = "Reddy',  # unterminated
        "family_name = 'Reddy'",  # single quotes
        'family_name == "Reddy"',  # unknown operator
        'family_name != "Reddy"',
        'family_name ~= "Reddy"',
        'family_name "Reddy"',  # no operator
        'email = "a" and name = "b"',  # two conditions
        'email = "a" name = "b"',
        'email = "a""b"',
        '= "x"',  # no name
        'custom:x = "y"',  # not filterable
        'locale = "en"',
        'Email = "a@b.c"',  # names are case-sensitive
        r'name = "bad \n escape"',  # only \" and \\ are escapes
        'name = "trailing backslash\\"',
        'name = "x" junk',
    ],
)
def test_errors(text: str) -> None:
    with pytest.raises(CognitoError) as exc:
        parse_filter(text)
    assert exc.value.code == "InvalidParameterException"
    assert exc.value.message == "Error while parsing filter."


def test_sets() -> None:
    assert {"username", "status"} == CASE_SENSITIVE
    assert CASE_SENSITIVE <= FILTERABLE
    assert len(FILTERABLE) == 10


@pytest.mark.parametrize(
    ("text", "candidate", "expected"),
    [
        ('username = "Bob"', "Bob", True),
        ('username = "bob"', "Bob", False),  # case-sensitive
        ('username ^= "Bo"', "Bob", True),
        ('username ^= "bo"', "Bob", False),
        ('status = "Enabled"', "Enabled", True),
        ('status = "enabled"', "Enabled", False),
        ('email = "TestUser@Example.com"', "testuser@example.com", True),  # case-insensitive
        ('email ^= "TEST"', "testuser@example.com", True),
        ('email = "testuser"', "testuser@example.com", False),
        ('cognito:user_status = "confirmed"', "CONFIRMED", True),
        ('phone_number ^= "+1312"', "+13125550100", True),
        ('phone_number ^= "+1312"', "+14155550100", False),
        ('family_name = "Reddy"', None, False),  # attribute absent
        ('name ^= ""', "anything", True),
        ('name = ""', "", True),
    ],
)
def test_matches(text: str, candidate: str | None, expected: bool) -> None:
    f = parse_filter(text)
    assert f is not None
    assert matches(f, candidate) is expected


@given(st.text(max_size=300))
def test_parse_never_raises_anything_else(text: str) -> None:
    try:
        parse_filter(text)
    except CognitoError as exc:
        assert exc.message == "Error while parsing filter."


@given(st.sampled_from(sorted(FILTERABLE)), st.sampled_from(["=", "^="]), st.text(max_size=50))
def test_round_trip(name: str, op: str, value: str) -> None:
    escaped = value.replace("\\", "\\\\").replace('"', '\\"')
    f = parse_filter(f' {name} {op} "{escaped}" ')
    assert f == UserFilter(name, "^=" if op == "^=" else "=", value)
