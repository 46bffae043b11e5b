"""User-pool attribute schema: standard entries, custom attributes, value checks, permissions.

Core spec §6.3 (schema, constraints, messages) and §7.7 (app-client read/write lists). Schema
entries are botocore `SchemaAttributeType` dicts, exactly as DescribeUserPool reports them.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from userpool.api.errors import CognitoError
from userpool.domain.usernames import looks_like_email, looks_like_phone

__all__ = [
    "CUSTOM_PREFIXES",
    "MAX_CUSTOM_ATTRIBUTES",
    "STANDARD_ATTRIBUTES",
    "VERIFIED_FLAGS",
    "add_custom",
    "build_schema",
    "check_required",
    "missing_required",
    "readable",
    "required_message",
    "standard_schema",
    "validate_values",
    "writable",
]

Schema = Sequence[Mapping[str, Any]]

#: core spec §6.3 [DOC CLI-EX]: the 20 standard attributes, in DescribeUserPool order.
STANDARD_ATTRIBUTES: tuple[str, ...] = (
    "sub", "name", "given_name", "family_name", "middle_name", "nickname", "preferred_username",
    "profile", "picture", "website", "email", "email_verified", "gender", "birthdate", "zoneinfo",
    "locale", "phone_number", "phone_number_verified", "address", "updated_at",
)  # fmt: skip
# core spec §6.3, §7.7 [OBS]: a write outside the client's WriteAttributes.
UNWRITABLE = "A client attempted to write unauthorized attribute"
VERIFIED_FLAGS = frozenset({"email_verified", "phone_number_verified"})
CUSTOM_PREFIXES = ("custom:", "dev:")
#: core spec §6.3 [DOC BM, DG-ATTR]: at most 50 custom attributes per pool.
MAX_CUSTOM_ATTRIBUTES = 50
_MAX_STRING = 2048
_DATA_TYPES = ("String", "Number", "DateTime", "Boolean")
_INTEGER = re.compile(r"-?[0-9]+")

_SCHEMA_PREFIX = "Attributes did not conform to the schema: "
_IMMUTABLE = "Attribute cannot be updated. (changing an immutable attribute)"  # §6.3 [INF]
# §6.3 [INF, wording as in moto]
_BAD_TYPE = "Invalid AttributeDataType input, consider using the provided AttributeDataType enum."
# §6.3: custom attributes can't be Required [OBS GH-trek10inc/serverless-cognito-manager-4,
# GH-hashicorp/terraform-provider-aws-18430 (AWS's text)].
_REQUIRED_CUSTOM = "Required custom attributes are not supported currently."


def _invalid(message: str) -> CognitoError:
    return CognitoError("InvalidParameterException", message)


def _standard_entry(name: str) -> dict[str, Any]:
    """One standard entry as DescribeUserPool shows it (core spec §6.3 [DOC CLI-EX])."""
    entry: dict[str, Any] = {
        "Name": name,
        "AttributeDataType": "String",
        "DeveloperOnlyAttribute": False,
        "Mutable": name != "sub",
        "Required": name == "sub",
    }
    if name in VERIFIED_FLAGS:
        entry["AttributeDataType"] = "Boolean"
    elif name == "updated_at":
        entry["AttributeDataType"] = "Number"
        entry["NumberAttributeConstraints"] = {"MinValue": "0"}
    else:
        low, high = {"sub": ("1", "2048"), "birthdate": ("10", "10")}.get(name, ("0", "2048"))
        entry["StringAttributeConstraints"] = {"MinLength": low, "MaxLength": high}
    return entry


def standard_schema() -> list[dict[str, Any]]:
    """Fresh copies of the 20 standard entries (core spec §6.3)."""
    return [_standard_entry(n) for n in STANDARD_ATTRIBUTES]


def _is_custom(name: str) -> bool:
    return name.startswith(CUSTOM_PREFIXES)


def _int(value: Any, what: str, name: str) -> int:
    text = str(value).strip()
    if not _INTEGER.fullmatch(text):
        raise _invalid(f"Invalid {what} for schema attribute {name}")
    return int(text)


def _string_constraints(name: str, given: Mapping[str, Any], base: Mapping[str, str]) -> dict[str, str]:
    """Merge and check `StringAttributeConstraints`: 0 ≤ min ≤ max ≤ 2048 (§6.3 [DOC; texts INF])."""
    out = dict(base)
    for key in ("MinLength", "MaxLength"):
        if given.get(key) is not None:
            n = _int(given[key], "StringAttributeConstraints", name)
            if n < 0:
                raise _invalid(f"Invalid StringAttributeConstraints for schema attribute {name}")
            if n > _MAX_STRING:
                raise _invalid(f"user.{name}: String attributes cannot have a length of more than 2048")
            out[key] = str(n)
    if "MinLength" in out and "MaxLength" in out and int(out["MinLength"]) > int(out["MaxLength"]):
        raise _invalid(f"user.{name}: Max length cannot be less than min length.")
    return out


def _number_constraints(name: str, given: Mapping[str, Any], base: Mapping[str, str]) -> dict[str, str]:
    """Merge and check `NumberAttributeConstraints`: integers, min ≤ max (§6.3 [INF])."""
    out = dict(base)
    for key in ("MinValue", "MaxValue"):
        if given.get(key) is not None:
            out[key] = str(_int(given[key], "NumberAttributeConstraints", name))
    if "MinValue" in out and "MaxValue" in out and int(out["MinValue"]) > int(out["MaxValue"]):
        raise _invalid(f"user.{name}: Max value cannot be less than min value.")
    return out


def _constraints(entry: dict[str, Any], given: Mapping[str, Any]) -> None:
    """Apply the requested constraints of `given` to `entry` (by `entry`'s data type)."""
    if entry["AttributeDataType"] == "String":
        key, merge = "StringAttributeConstraints", _string_constraints
    elif entry["AttributeDataType"] == "Number":
        key, merge = "NumberAttributeConstraints", _number_constraints
    else:
        return
    requested = given.get(key)
    base = entry.get(key, {})
    entry[key] = merge(entry["Name"], requested, base) if isinstance(requested, Mapping) else base


def _override_standard(entry: dict[str, Any], given: Mapping[str, Any]) -> None:
    """A `Schema` item naming a standard attribute may set Required, Mutable and constraints
    (core spec §6.3 [DOC DG-ATTR]); type and developer-only can't change [INF, moto wording]."""
    name = entry["Name"]
    data_type = given.get("AttributeDataType")
    if given.get("DeveloperOnlyAttribute") or (data_type and data_type != entry["AttributeDataType"]):
        raise _invalid(
            "You can not change AttributeDataType or set developerOnlyAttribute for standard "
            f"schema attribute {name}"
        )
    if name == "sub":
        if given.get("Mutable") or given.get("Required") is False:
            raise _invalid("The sub attribute cannot be changed.")  # §6.3 [INF]
        return
    for key in ("Mutable", "Required"):
        if given.get(key) is not None:
            entry[key] = bool(given[key])
    _constraints(entry, given)


def _custom_entry(given: Mapping[str, Any]) -> dict[str, Any]:
    """A custom (`custom:<Name>`) or developer-only (`dev:<Name>`) entry (core spec §6.3)."""
    raw = given.get("Name")
    # BM CustomAttributeNameType: 1..20 chars; a caller-supplied prefix is not doubled [INF].
    if not isinstance(raw, str) or not 1 <= len(raw) <= 20:
        raise _invalid(f"Custom attribute name must be 1 to 20 characters long: {raw!r}")
    base = next((raw[len(p) :] for p in CUSTOM_PREFIXES if raw.startswith(p)), raw)
    if not base:
        raise _invalid(f"Custom attribute name must be 1 to 20 characters long: {raw!r}")
    data_type = given.get("AttributeDataType")
    if data_type not in _DATA_TYPES:
        raise _invalid(_BAD_TYPE)
    if given.get("Required"):
        raise _invalid(_REQUIRED_CUSTOM)
    dev = bool(given.get("DeveloperOnlyAttribute", False))
    entry: dict[str, Any] = {
        "Name": ("dev:" if dev else "custom:") + base,
        "AttributeDataType": data_type,
        "DeveloperOnlyAttribute": dev,
        "Mutable": bool(given.get("Mutable", True)),  # default [INF, as moto]
        "Required": False,
    }
    _constraints(entry, given)
    return entry


def add_custom(schema: Schema, new: Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """AddCustomAttributes: `schema` plus the new custom entries (core spec §6.3).

    Every item is custom (even `Name: "email"` becomes `custom:email`). A name already in the
    schema → InvalidParameterException `Existing attribute already has name custom:<n>.`;
    more than 50 custom attributes → InvalidParameterException [INF texts].
    """
    out = [copy.deepcopy(dict(e)) for e in schema]
    names = {e["Name"] for e in out}
    for given in new:
        entry = _custom_entry(given)
        if entry["Name"] in names:
            raise _invalid(f"Existing attribute already has name {entry['Name']}.")
        names.add(entry["Name"])
        out.append(entry)
    if sum(_is_custom(n) for n in names) > MAX_CUSTOM_ATTRIBUTES:
        raise _invalid(f"A user pool can have at most {MAX_CUSTOM_ATTRIBUTES} custom attributes.")
    return out


def build_schema(requested: Sequence[Mapping[str, Any]] | None) -> list[dict[str, Any]]:
    """CreateUserPool `Schema` → `SchemaAttributes`: the 20 standard entries (§6.3), with the
    requested standard overrides applied, then the custom entries in request order."""
    schema = standard_schema()
    index = {e["Name"]: e for e in schema}
    custom: list[Mapping[str, Any]] = []
    for given in requested or ():
        name = given.get("Name")
        if isinstance(name, str) and name in index:
            _override_standard(index[name], given)
        else:
            custom.append(given)
    return add_custom(schema, custom)


def _schema_error(detail: str) -> CognitoError:
    return _invalid(_SCHEMA_PREFIX + detail)


def _check_value(entry: Mapping[str, Any], value: str) -> None:
    """Type and constraint checks of one non-empty value (core spec §6.3 [texts INF])."""
    name, data_type = entry["Name"], entry["AttributeDataType"]
    if data_type == "String":
        c = entry.get("StringAttributeConstraints") or {}
        high, low = int(c.get("MaxLength", _MAX_STRING)), int(c.get("MinLength", 0))
        if len(value) > high:
            raise _schema_error(f"{name}: String must be no longer than {high} characters")
        if len(value) < low:
            raise _schema_error(f"{name}: String must be no shorter than {low} characters")
    elif data_type == "Number":
        if not _INTEGER.fullmatch(value):
            raise _schema_error(f"{name}: Number must be an integer")
        c = entry.get("NumberAttributeConstraints") or {}
        if c.get("MinValue") is not None and int(value) < int(c["MinValue"]):
            raise _schema_error(f"{name}: Number must be no less than {c['MinValue']}")
        if c.get("MaxValue") is not None and int(value) > int(c["MaxValue"]):
            raise _schema_error(f"{name}: Number must be no greater than {c['MaxValue']}")
    elif data_type == "Boolean" and value.lower() not in ("true", "false"):
        raise _schema_error(f"{name}: Boolean must be true or false")
    elif len(value) > _MAX_STRING:  # DateTime: free text up to 2048 [INF]
        raise _schema_error(f"{name}: String must be no longer than {_MAX_STRING} characters")


def validate_values(schema: Schema, attrs: Mapping[str, str], *, creating: bool) -> None:
    """Check attribute writes against the schema, in `attrs` order (core spec §6.3).

    Unknown names, immutable attributes when not `creating`, `sub` always, then type and
    length, then e-mail / E.164 format. An empty value (a deletion, §7.6) skips the value
    checks. Client permissions (`writable`) and required attributes are checked separately.
    """
    by_name = {e["Name"]: e for e in schema}
    for name, value in attrs.items():
        entry = by_name.get(name)
        if entry is None:
            if _is_custom(name):  # [OBS APP]
                raise _schema_error(f"Type for attribute {{{name}}} could not be determined")
            raise _schema_error(f"{name}: Attribute does not exist in the schema.")  # [INF]
        if name == "sub" or (not creating and not entry.get("Mutable", True)):
            raise _invalid(_IMMUTABLE)
        if value == "":
            continue
        _check_value(entry, value)
        if name == "email" and not looks_like_email(value):
            raise _invalid("Invalid email address format.")  # [OBS APP]
        if name == "phone_number" and not looks_like_phone(value):
            raise _invalid("Invalid phone number format.")  # [OBS]


def missing_required(schema: Schema, attrs: Mapping[str, str]) -> list[str]:
    """Required attributes (schema order, `sub` excluded: system-set) absent or blank in `attrs`."""
    return [
        e["Name"] for e in schema if e.get("Required") and e["Name"] != "sub" and not attrs.get(e["Name"])
    ]


def required_message(missing: Sequence[str]) -> str:
    """SignUp's text for missing required attributes (core spec §6.3 [OBS; `\\n` joiner weak])."""
    return _SCHEMA_PREFIX + "\n".join(f"{n}: The attribute is required" for n in missing)


def check_required(schema: Schema, attrs: Mapping[str, str]) -> None:
    """Raise InvalidParameterException `required_message(...)` when required attributes are
    missing (SignUp only; AdminCreateUser does not enforce them, core spec §6.5)."""
    missing = missing_required(schema, attrs)
    if missing:
        raise _invalid(required_message(missing))


def readable(schema: Schema, read_attributes: Sequence[str] | None) -> frozenset[str]:
    """Attributes an app client may read (core spec §7.7).

    Unset `ReadAttributes` → every schema attribute: all standard ones including the verified
    flags [DOC], custom and developer-only ones too [OBS TOK-A; Q10]. `sub` is always readable.
    """
    if read_attributes is None:
        return frozenset(e["Name"] for e in schema)
    return frozenset(read_attributes) | {"sub"}


def writable(schema: Schema, write_attributes: Sequence[str] | None) -> frozenset[str]:
    """Attributes an app client may write (core spec §7.7; BM for `dev:`).

    Unset `WriteAttributes` → all standard attributes except `sub` and the verified flags,
    plus mutable `custom:` attributes [INF]. `sub` and `dev:` attributes (admin-write only,
    core spec §6.3) are never client-writable.
    """
    if write_attributes is None:
        names = [
            e["Name"]
            for e in schema
            if (e["Name"] in STANDARD_ATTRIBUTES and e["Name"] not in VERIFIED_FLAGS)
            or (e["Name"].startswith("custom:") and e.get("Mutable", True))
        ]
    else:
        names = list(write_attributes)
    return frozenset(n for n in names if n != "sub" and not n.startswith("dev:"))
