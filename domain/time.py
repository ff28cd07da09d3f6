"""Time rules: every instant in the core is timezone-aware, normalised to UTC, and within
the years every storage keeps faithfully.

Python's ``datetime`` spans the years 1 to 9999, but asyncpg writes its extremes as
PostgreSQL's ``-infinity``/``infinity`` and an offset near either end has no UTC form.
The core therefore accepts the years 1900 to 2199 (as written, before normalising to
UTC): wide enough for any book of business, far from every backend's edge.
"""

from __future__ import annotations

from datetime import UTC, datetime

from domain.errors import InvalidTimestamp

EARLIEST_YEAR = 1900
LATEST_YEAR = 2199
# The same range as a pattern on the four digits of the year, for schemas that can only
# constrain the text (JSON Schema has no bounds for date-time strings).
YEAR_PATTERN = r"(?:19[0-9]{2}|2[01][0-9]{2})"


def require_aware(moment: datetime, *, field: str) -> datetime:
    """Refuse naive datetimes and years out of range; normalise aware ones to UTC."""
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise InvalidTimestamp(f"{field} must include a UTC offset.", field=field)
    if not EARLIEST_YEAR <= moment.year <= LATEST_YEAR:
        raise InvalidTimestamp(
            f"{field} must fall in the years {EARLIEST_YEAR} to {LATEST_YEAR}.", field=field
        )
    return moment.astimezone(UTC)


def iso_utc(moment: datetime) -> str:
    """An instant as the API writes it: ISO 8601 in UTC, ending in ``Z``."""
    text = moment.astimezone(UTC).isoformat()
    return text[: -len("+00:00")] + "Z"
