"""Revenue report figures."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from enum import StrEnum
from uuid import UUID

NO_CLIENT_LABEL = "No client"


class ReportGrouping(StrEnum):
    CLIENT = "client"
    MONTH = "month"


@dataclass(frozen=True, slots=True)
class RevenueTotals:
    revenue: Decimal = Decimal("0.00")
    minutes: int = 0
    meetings: int = 0

    @classmethod
    def sum(cls, parts: Iterable[RevenueTotals]) -> RevenueTotals:
        revenue, minutes, meetings = Decimal("0.00"), 0, 0
        for part in parts:
            revenue += part.revenue
            minutes += part.minutes
            meetings += part.meetings
        return cls(revenue, minutes, meetings)


@dataclass(frozen=True, slots=True)
class RevenueGroup:
    """One row of a grouped report.

    By client: ``key`` is the client id as a string (``None`` for meetings without a
    client) and ``label`` the client's name. By month: ``key`` and ``label`` are
    ``YYYY-MM`` in UTC.
    """

    key: str | None
    label: str
    totals: RevenueTotals


@dataclass(frozen=True, slots=True)
class MeetingExportRow:
    """A meeting flattened for export, with its client's name resolved."""

    id: UUID
    client_id: UUID | None
    client_name: str | None
    starts_at: datetime
    duration_minutes: int
    revenue: Decimal
    notes: str | None
