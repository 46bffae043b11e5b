"""Form plumbing: what a submitted form held (to show it again after an error) and where the API's
error message goes (next to the field whose request member it names, else above the form)."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from userpool.console.calls import Outcome

FORM_LEVEL = ""


@dataclass(frozen=True)
class Submitted:
    """A POSTed form: every field's values in order (checkboxes and multi-selects repeat)."""

    fields: Mapping[str, Sequence[str]] = field(default_factory=dict)

    def get(self, name: str, default: str = "") -> str:
        values = self.fields.get(name)
        return values[0] if values else default

    def stripped(self, name: str) -> str:
        return self.get(name).strip()

    def checked(self, name: str) -> bool:
        return name in self.fields

    def getlist(self, name: str) -> list[str]:
        return list(self.fields.get(name) or ())


@dataclass(frozen=True)
class FormState:
    """One form of a page as the template draws it: the values to show (what the user typed after
    a failed submission, else the stored settings) and the error messages by field."""

    name: str
    values: Mapping[str, object] = field(default_factory=dict)
    errors: Mapping[str, str] = field(default_factory=dict)
    submitted: bool = False

    def value(self, key: str, default: object = "") -> object:
        found = self.values.get(key)
        return default if found is None else found

    def checked(self, key: str) -> bool:
        """A checkbox: ticked when submitted so, or stored as on (see `pages.form_values`)."""
        return bool(self.values.get(key))

    def has(self, key: str, option: str) -> bool:
        """A member of a multi-value field (checkbox group) as submitted."""
        found = self.values.get(key)
        return found == option or (isinstance(found, list | tuple) and option in found)

    def error(self, key: str = FORM_LEVEL) -> str:
        return self.errors.get(key, "")

    @property
    def failed(self) -> bool:
        return bool(self.errors)


def blank(name: str, values: Mapping[str, object] | None = None) -> FormState:
    return FormState(name, dict(values or {}))


def member_path(path: str) -> str:
    """`Policies.PasswordPolicy.MinimumLength` as validation messages write it:
    `policies.passwordPolicy.minimumLength`."""
    return ".".join(part[:1].lower() + part[1:] for part in path.split("."))


@dataclass(frozen=True)
class Field:
    """A form field, the request member it fills, and message fragments that concern it."""

    name: str
    member: str = ""
    hints: tuple[str, ...] = ()


def place_error(outcome: Outcome, fields: Iterable[Field]) -> dict[str, str]:
    """{field name: message}: the field whose member path (validation messages quote it) or one of
    whose hints the message mentions, else the form as a whole. The text is the API's own."""
    text = f"{outcome.code}: {outcome.message}" if outcome.message else str(outcome.code)
    lowered = outcome.message.lower()
    for f in fields:
        if f.member and re.search(rf"'{re.escape(member_path(f.member).lower())}(\.|')", lowered):
            return {f.name: text}
    for f in fields:
        if any(hint.lower() in lowered for hint in f.hints):
            return {f.name: text}
    return {FORM_LEVEL: text}


def failed_form(name: str, submitted: Submitted, outcome: Outcome, fields: Iterable[Field]) -> FormState:
    """The form to draw again after `outcome` failed: the user's input and the API's message."""
    values: dict[str, object] = {
        key: (list(vals) if len(vals) != 1 else vals[0]) for key, vals in submitted.fields.items()
    }
    return FormState(name, values, place_error(outcome, fields), submitted=True)


def integer(text: str) -> int | str:
    """A number field: an int when it is one, else the text as typed, for the API to refuse."""
    stripped = text.strip()
    return int(stripped) if re.fullmatch(r"-?\d{1,18}", stripped) else stripped
