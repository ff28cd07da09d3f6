"""Meetings and the revenue report."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Annotated, Any, TypeAlias
from uuid import UUID

from pydantic import MISSING, ConfigDict, Field

from application.concurrency import ANY, Precondition
from application.meetings import ScheduleMeetingCommand, UpdateMeetingCommand
from application.views import RevenueReportView
from domain.values import NOTES_MAX_LENGTH
from entrypoints.http.schemas.common import Input, Money, Output, PageOut, patch
from entrypoints.http.schemas.fields import Duration, IsoDatetime, RevenueInput, bounded

Notes: TypeAlias = Annotated[str, bounded(NOTES_MAX_LENGTH)]


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
    starts_at: IsoDatetime = Field(description="ISO 8601 with an offset.")
    duration_minutes: Duration = Field(description="1 to 1440.")
    revenue: RevenueInput = Decimal("0")
    notes: Notes | None = None

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
    starts_at: IsoDatetime | MISSING = MISSING
    duration_minutes: Duration | MISSING = MISSING
    revenue: RevenueInput | MISSING = MISSING
    notes: Notes | MISSING | None = MISSING

    def to_command(
        self, owner_id: UUID, meeting_id: UUID, precondition: Precondition = ANY
    ) -> UpdateMeetingCommand:
        return UpdateMeetingCommand(
            owner_id=owner_id,
            meeting_id=meeting_id,
            client_id=patch(self.client_id),
            starts_at=patch(self.starts_at),
            duration_minutes=patch(self.duration_minutes),
            revenue=patch(self.revenue),
            notes=patch(self.notes),
            precondition=precondition,
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


class GroupOut(TotalsOut):
    key: str | None = Field(description="Client id (null: no client) or YYYY-MM.")
    label: str = Field(examples=["Analytical Engines Ltd", "2026-03"])


class ReportOut(Output):
    model_config = ConfigDict(validate_by_name=True, validate_by_alias=True)

    from_: datetime = Field(alias="from")
    to: datetime
    total: TotalsOut
    groups: list[GroupOut]

    @staticmethod
    def content(report: RevenueReportView) -> dict[str, Any]:
        """The report in this model's shape, as plain data for ``rendering.render``.

        The report's view is not the response's shape (each group's totals are flat in
        the response), so the route cannot hand the view itself to the renderer; this is
        the mapping, one dict per group instead of a validated model per group.
        ``tests/http/test_rendering.py`` checks that this model reads it back and writes
        the same bytes.
        """
        total = report.total
        return {
            "from": report.period.start,
            "to": report.period.end,
            "total": {
                "revenue": total.revenue,
                "minutes": total.minutes,
                "meetings": total.meetings,
            },
            "groups": [
                {
                    "revenue": group.totals.revenue,
                    "minutes": group.totals.minutes,
                    "meetings": group.totals.meetings,
                    "key": group.key,
                    "label": group.label,
                }
                for group in report.groups
            ],
        }
