"""Masked delivery destinations: `CODE_DELIVERY_DESTINATION` and `CodeDeliveryDetails.Destination`.

MFA spec §6.2 (masking rules), core spec §6.8 (same masking in `CodeDeliveryDetails`).
Both functions are total: any string in, a string out, never an exception.
"""

from __future__ import annotations

__all__ = ["mask_destination", "mask_email", "mask_phone"]

_STARS = "***"
_VISIBLE_PHONE_DIGITS = 4


def mask_email(addr: str) -> str:
    """`user@example.com` → `u***@e***.com` (MFA spec §6.2 [OBS real capture]).

    First character of the local part, `***@`, first character of the domain, `***`, then the
    top-level suffix (from the domain's last `.`). A domain without a dot gets no suffix; a
    value without `@` is masked like a local part alone (`u***`) [INF].
    """
    local, at, domain = addr.rpartition("@")
    if not at:
        return addr[:1] + _STARS
    dot = domain.rfind(".")
    suffix = domain[dot:] if dot > 0 else ""
    return f"{local[:1]}{_STARS}@{domain[:1]}{_STARS}{suffix}"


def mask_phone(number: str) -> str:
    """`+15555550008` → `+*******0008` (MFA spec §6.2 [OBS]).

    Keeps the leading `+` and the last 4 digits; every other digit becomes `*`. Non-digit
    characters are left as they are and a number with 4 digits or fewer is shown whole [INF].
    """
    out: list[str] = []
    seen = 0
    for c in reversed(number):
        if "0" <= c <= "9":
            seen += 1
            out.append(c if seen <= _VISIBLE_PHONE_DIGITS else "*")
        else:
            out.append(c)
    return "".join(reversed(out))


def mask_destination(attribute_name: str, value: str) -> str:
    """Mask `value` of `email` or `phone_number` (core spec §6.8 `CodeDeliveryDetails`)."""
    return mask_phone(value) if attribute_name == "phone_number" else mask_email(value)
