"""Time rules: every instant in the core is timezone-aware and normalised to UTC."""

from __future__ import annotations

from datetime import UTC, datetime

from domain.errors import InvalidTimestamp


def require_aware(moment: datetime, *, field: str) -> datetime:
    """Refuse naive datetimes and normalise aware ones to UTC."""
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise InvalidTimestamp(f"{field} must include a UTC offset.", field=field)
    try:
        return moment.astimezone(UTC)
    except OverflowError:  # e.g. 9999-12-31T23:00-05:00 has no UTC datetime
        raise InvalidTimestamp(f"{field} is out of range.", field=field) from None
