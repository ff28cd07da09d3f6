"""Parsing what people type: instants, report bounds, and contact specs.

Contact spec (``--contact`` and the CSV ``contacts`` cell): ``kind:value`` or
``kind[label]:value``, where ``kind`` is ``email``, ``phone`` or ``other``. Everything after
the first colon is the value, so values may contain colons (``other:https://…``). In a
CSV cell, contacts are separated by ``;``; write ``\\;`` for a semicolon inside a value and
``\\\\`` for a backslash.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime

from application.clients import ContactDraft

_CONTACT = re.compile(r"^\s*([A-Za-z]+)\s*(?:\[([^\]]*)\])?\s*:(.*)$", re.DOTALL)
_INSTANT_EXAMPLE = "e.g. 2026-03-02T09:30+01:00 or 2026-03-02T08:30Z"


class SpecError(ValueError):
    """Input that cannot be parsed; the message says what was expected."""


def parse_instant(text: str) -> datetime:
    """An ISO 8601 date and time that carries an offset (``Z`` for UTC)."""
    raw = text.strip()
    try:
        moment = datetime.fromisoformat(raw)
    except ValueError:
        raise SpecError(f"{text!r} is not an ISO 8601 date and time ({_INSTANT_EXAMPLE})") from None
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise SpecError(f"{text!r} has no UTC offset; add one ({_INSTANT_EXAMPLE})")
    return moment


def parse_bound(text: str) -> datetime:
    """A period bound: a date (midnight UTC that day) or a date and time with an offset."""
    raw = text.strip()
    if len(raw) == 10:
        try:
            day = date.fromisoformat(raw)
        except ValueError:
            raise SpecError(f"{text!r} is not a date (YYYY-MM-DD)") from None
        return datetime(day.year, day.month, day.day, tzinfo=UTC)
    try:
        return parse_instant(raw)
    except SpecError:
        raise SpecError(
            f"{text!r} is neither a date (YYYY-MM-DD) nor a date and time with an offset"
        ) from None


def parse_contact(spec: str) -> ContactDraft:
    """``kind:value`` or ``kind[label]:value``; the domain validates kind and value."""
    match = _CONTACT.match(spec)
    if match is None:
        raise SpecError(f"{spec.strip()!r} is not kind:value or kind[label]:value")
    kind, label, value = match.groups()
    return ContactDraft(kind=kind.lower(), value=value.strip(), label=(label or "").strip() or None)


def split_contacts(cell: str) -> list[str]:
    """Split a CSV contacts cell on unescaped ``;``; blank parts are ignored."""
    parts: list[str] = []
    current: list[str] = []
    chars = iter(cell)
    for char in chars:
        if char == "\\":
            following = next(chars, "")
            if following in (";", "\\"):
                current.append(following)
            else:
                current.append(char + following)
        elif char == ";":
            parts.append("".join(current))
            current = []
        else:
            current.append(char)
    parts.append("".join(current))
    return [part for part in parts if part.strip()]


def parse_contacts_cell(cell: str) -> list[ContactDraft]:
    return [parse_contact(part) for part in split_contacts(cell)]
