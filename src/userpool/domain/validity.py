"""Token validity of an app client (core spec §3.3 [DOC BM; OBS message])."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from userpool.api.errors import invalid_parameter

UNIT_SECONDS = {"seconds": 1, "minutes": 60, "hours": 3600, "days": 86400}

# (member, unit key, default value, default unit, minimum seconds, maximum seconds)
_RULES = {
    "access": ("AccessTokenValidity", "AccessToken", 60, "minutes", 300, 86400),
    "id": ("IdTokenValidity", "IdToken", 60, "minutes", 300, 86400),
    "refresh": ("RefreshTokenValidity", "RefreshToken", 30, "days", 3600, 3650 * 86400),
}
# Input defaults when a value is given without a unit: hours for access/ID, days for refresh.
_INPUT_UNITS = {"access": "hours", "id": "hours", "refresh": "days"}


@dataclass(frozen=True)
class Validity:
    access: int
    id: int
    refresh: int


def _seconds(config: Mapping[str, Any], kind: str) -> int:
    member, unit_key, default, default_unit, _lo, _hi = _RULES[kind]
    value = config.get(member)
    units = config.get("TokenValidityUnits") or {}
    if not value:  # omitted or 0: the default (core spec §3.1)
        return default * UNIT_SECONDS[default_unit]
    unit = units.get(unit_key) or _INPUT_UNITS[kind]
    return int(value) * UNIT_SECONDS[unit]


def validity(config: Mapping[str, Any]) -> Validity:
    return Validity(_seconds(config, "access"), _seconds(config, "id"), _seconds(config, "refresh"))


def check_validity(config: Mapping[str, Any]) -> Validity:
    """Out of range after unit conversion, or ID/access longer than refresh ->
    `Invalid range for token validity.` (core spec §3.3 [OBS GH-cloudfront-authorization-at-edge-144])."""
    found = validity(config)
    for kind in ("access", "id", "refresh"):
        _m, _u, _d, _du, lo, hi = _RULES[kind]
        if not lo <= getattr(found, kind) <= hi:
            raise invalid_parameter("Invalid range for token validity.")
    if max(found.access, found.id) > found.refresh:
        raise invalid_parameter("Invalid range for token validity.")
    return found


def explicit(config: Mapping[str, Any]) -> dict[str, Any]:
    """The three validities and their units as Describe shows them (core spec §3.1 [INF output]):
    an omitted (or 0) value becomes its default in the default unit (60 minutes, 60 minutes,
    30 days); a given value keeps its unit, hours/hours/days when none was sent. `validity()`
    of the result equals `validity()` of the input."""
    units = config.get("TokenValidityUnits") or {}
    out: dict[str, Any] = {"TokenValidityUnits": {}}
    for kind, (member, unit_key, default, default_unit, _lo, _hi) in _RULES.items():
        if config.get(member):
            out[member] = int(config[member])
            out["TokenValidityUnits"][unit_key] = units.get(unit_key) or _INPUT_UNITS[kind]
        else:
            out[member] = default
            out["TokenValidityUnits"][unit_key] = default_unit
    return out
