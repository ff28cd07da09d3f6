"""Meetings and the revenue report."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from uuid import UUID

from pydantic import MISSING, AwareDatetime, ConfigDict, Field

from application.meetings import ScheduleMeetingCommand, UpdateMeetingCommand
from application.views import RevenueReportView
from domain.reports import RevenueGroup, RevenueTotals
from entrypoints.http.schemas.common import Input, Money, MoneyInput, Output, PageOut, patch


class MeetingIn(Input):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "client_id": "0193a0c4-5e2f-7b6a-9c1d-2e3f4a5b6c7d",
                    "starts_at": "2026-03-02T09:30:00+01:00",
                    "duration_minutes": 90,
                    "revenue": "1250.00",
                    "notes": "Kick-off",
                }
            ]
        }
    )

    client_id: UUID | None = None
    starts_at: AwareDatetime = Field(description="ISO 8601 with an offset.")
    duration_minutes: int = Field(description="1 to 1440.")
    revenue: MoneyInput = Decimal("0")
    notes: str | None = None

    def to_command(self, owner_id: UUID) -> ScheduleMeetingCommand:
        return ScheduleMeetingCommand(
            owner_id=owner_id,
            client_id=self.client_id,
            starts_at=self.starts_at,
            duration_minutes=self.duration_minutes,
            revenue=self.revenue,
            notes=self.notes,
        )


class MeetingPatch(Input):
    """Absent fields stay; `null` clears `client_id` or `notes` (a 422 elsewhere)."""

    model_config = ConfigDict(
        json_schema_extra={"examples": [{"revenue": 900, "duration_minutes": 45}]}
    )

    client_id: UUID | MISSING | None = MISSING
    starts_at: AwareDatetime | MISSING = MISSING
    duration_minutes: int | MISSING = MISSING
    revenue: MoneyInput | MISSING = MISSING
    notes: str | MISSING | None = MISSING

    def to_command(self, owner_id: UUID, meeting_id: UUID) -> UpdateMeetingCommand:
        return UpdateMeetingCommand(
            owner_id=owner_id,
            meeting_id=meeting_id,
            client_id=patch(self.client_id),
            starts_at=patch(self.starts_at),
            duration_minutes=patch(self.duration_minutes),
            revenue=patch(self.revenue),
            notes=patch(self.notes),
        )


class MeetingOut(Output):
    id: UUID
    client_id: UUID | None
    starts_at: datetime
    duration_minutes: int = Field(examples=[90])
    revenue: Money
    notes: str | None
    created_at: datetime
    updated_at: datetime


class MeetingPage(PageOut[MeetingOut]):
    pass


class TotalsOut(Output):
    revenue: Money
    minutes: int
    meetings: int

    @classmethod
    def of(cls, totals: RevenueTotals) -> TotalsOut:
        return cls(revenue=totals.revenue, minutes=totals.minutes, meetings=totals.meetings)


class GroupOut(TotalsOut):
    key: str | None = Field(description="Client id (null: no client) or YYYY-MM.")
    label: str = Field(examples=["Analytical Engines Ltd", "2026-03"])

    @classmethod
    def of_group(cls, group: RevenueGroup) -> GroupOut:
        totals = group.totals
        return cls(
            key=group.key,
            label=group.label,
            revenue=totals.revenue,
            minutes=totals.minutes,
            meetings=totals.meetings,
        )


class ReportOut(Output):
    model_config = ConfigDict(validate_by_name=True, validate_by_alias=True)

    from_: datetime = Field(alias="from")
    to: datetime
    total: TotalsOut
    groups: list[GroupOut]

    @classmethod
    def of(cls, report: RevenueReportView) -> ReportOut:
        return cls(
            from_=report.period.start,
            to=report.period.end,
            total=TotalsOut.of(report.total),
            groups=[GroupOut.of_group(group) for group in report.groups],
        )
