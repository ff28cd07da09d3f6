"""Meetings, their CSV export and the revenue report."""

from __future__ import annotations

import csv
import io
from collections.abc import AsyncGenerator
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from uuid import UUID

from application.concurrency import ANY, Precondition, retry_lost_races
from application.patch import UNSET, Patch
from application.views import MeetingView, RevenueReportView, Versioned
from domain.errors import MeetingNotFound, PreconditionFailed, TooManyInFlight
from domain.meetings import Meeting
from domain.pagination import Page
from domain.ports import Clock, IdGenerator, InFlightLimiter, UnitsOfWork
from domain.queries import MeetingFilter, MeetingQuery, Period
from domain.reports import MeetingExportRow, ReportGrouping, RevenueGroup, RevenueTotals
from domain.time import iso_utc


@dataclass(frozen=True, slots=True)
class ScheduleMeetingCommand:
    owner_id: UUID
    starts_at: datetime
    duration_minutes: int
    client_id: UUID | None = None
    revenue: Decimal | int | str = Decimal("0")
    notes: str | None = None


class ScheduleMeeting:
    def __init__(self, units: UnitsOfWork, ids: IdGenerator, clock: Clock) -> None:
        self._uow = units.writing()
        self._ids = ids
        self._clock = clock

    async def execute(self, cmd: ScheduleMeetingCommand) -> MeetingView:
        meeting = Meeting.schedule(
            id=self._ids.new(),
            owner_id=cmd.owner_id,
            client_id=cmd.client_id,
            starts_at=cmd.starts_at,
            duration_minutes=cmd.duration_minutes,
            revenue=cmd.revenue,
            notes=cmd.notes,
            now=self._clock.now(),
        )
        async with self._uow as uow:
            await uow.meetings.add(meeting)  # ClientNotFound: not the owner's client
            await uow.commit()
        return MeetingView.of(meeting)


class ListMeetings:
    def __init__(self, units: UnitsOfWork) -> None:
        self._uow = units.reading()

    async def execute(self, query: MeetingQuery) -> Page[MeetingView]:
        async with self._uow as uow:
            page = await uow.meetings.list(query)
        return page.with_items([MeetingView.of(m) for m in page.items])


class GetMeeting:
    def __init__(self, units: UnitsOfWork) -> None:
        self._uow = units.reading()

    async def execute(self, owner_id: UUID, meeting_id: UUID) -> Versioned[MeetingView]:
        async with self._uow as uow:
            meeting = await uow.meetings.get(meeting_id, owner_id=owner_id)
        if meeting is None:
            raise MeetingNotFound()
        return Versioned(MeetingView.of(meeting), meeting.version)


@dataclass(frozen=True, slots=True)
class UpdateMeetingCommand:
    owner_id: UUID
    meeting_id: UUID
    client_id: Patch[UUID | None] = UNSET
    starts_at: Patch[datetime] = UNSET
    duration_minutes: Patch[int] = UNSET
    revenue: Patch[Decimal | int | str] = UNSET
    notes: Patch[str | None] = UNSET
    precondition: Precondition = ANY


class UpdateMeeting:
    """Change a meeting; a lost race is run again from a fresh read (see concurrency)."""

    def __init__(self, units: UnitsOfWork, clock: Clock) -> None:
        self._uow = units.writing()
        self._clock = clock

    async def execute(self, cmd: UpdateMeetingCommand) -> Versioned[MeetingView]:
        return await retry_lost_races(lambda: self._attempt(cmd))

    async def _attempt(self, cmd: UpdateMeetingCommand) -> Versioned[MeetingView]:
        async with self._uow as uow:
            meeting = await uow.meetings.get(cmd.meeting_id, owner_id=cmd.owner_id)
            if meeting is None:
                raise MeetingNotFound()
            cmd.precondition.check(meeting.version)
            now = self._clock.now()
            if cmd.client_id is not UNSET and cmd.client_id != meeting.client_id:
                meeting.assign_client(cmd.client_id, now=now)
            if cmd.starts_at is not UNSET:
                meeting.reschedule(cmd.starts_at, now=now)
            if cmd.duration_minutes is not UNSET:
                meeting.set_duration(cmd.duration_minutes, now=now)
            if cmd.revenue is not UNSET:
                meeting.set_revenue(cmd.revenue, now=now)
            if cmd.notes is not UNSET:
                meeting.set_notes(cmd.notes, now=now)
            await uow.meetings.update(meeting)  # ClientNotFound: not the owner's client
            await uow.commit()
        return Versioned(MeetingView.of(meeting), meeting.version)


class DeleteMeeting:
    def __init__(self, units: UnitsOfWork) -> None:
        self._uow = units.writing()

    async def execute(
        self, owner_id: UUID, meeting_id: UUID, *, precondition: Precondition = ANY
    ) -> None:
        async with self._uow as uow:
            if precondition.versions is None:
                if not await uow.meetings.delete(meeting_id, owner_id=owner_id):
                    raise MeetingNotFound()
            else:
                meeting = await uow.meetings.get(meeting_id, owner_id=owner_id)
                if meeting is None:
                    raise MeetingNotFound()
                precondition.check(meeting.version)
                # Deletes only the version checked: a change in between is a 412 too.
                if not await uow.meetings.delete(
                    meeting_id, owner_id=owner_id, version=meeting.version
                ):
                    raise PreconditionFailed()
            await uow.commit()


# -- export ------------------------------------------------------------------------------

EXPORT_HEADER = (
    "id",
    "client_id",
    "client_name",
    "starts_at",
    "duration_minutes",
    "revenue",
    "notes",
)
# A spreadsheet runs a cell that starts with one of these as a formula (CSV injection).
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_safe(text: str | None) -> str:
    """Free text for a CSV cell: a leading formula character is escaped with ``'``."""
    if not text:
        return ""
    return "'" + text if text.startswith(_FORMULA_STARTS) else text


class CsvChunk(str):
    """Lines of CSV text, and how many meetings they hold (the header holds none).

    A ``str``, so whoever streams the export writes it as it is; the count is for
    whoever reports what was exported (the CLI).
    """

    rows: int

    def __new__(cls, text: str, rows: int) -> CsvChunk:
        chunk = super().__new__(cls, text)
        chunk.rows = rows
        return chunk


def _csv_chunk(records: list[tuple[object, ...]]) -> CsvChunk:
    """Records as CSV lines (the csv module's quoting, CRLF), written in one call."""
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\r\n").writerows(records)
    return CsvChunk(buffer.getvalue(), len(records))


# Rows read per unit of work: each page is one short statement on a borrowed connection,
# given back before any of its lines is handed on to a reader however slow.
EXPORT_PAGE_ROWS = 500


class ExportMeetings:
    """Meetings as CSV (RFC 4180, UTF-8), streamed a page at a time in bounded memory.

    Free text is neutralised against spreadsheet formula injection by prefixing an
    apostrophe, which spreadsheets display as text. Both the HTTP API and the CLI
    write exactly what this yields: the header line, then one chunk of lines per page
    read (``CsvChunk``, which also counts them).

    Rows are read a page at a time (keyset paging), each page in a unit of work of its
    own, so a slow download never holds a database connection. The pages are not one
    snapshot: a meeting written during a long export may or may not be in it. An owner
    has at most as many exports and reports running as ``in_flight`` allows: one more
    is ``TooManyInFlight`` (429) when its first chunk is asked for.
    """

    def __init__(self, units: UnitsOfWork, in_flight: InFlightLimiter) -> None:
        self._uow = units.reading()
        self._in_flight = in_flight

    async def execute(self, meeting_filter: MeetingFilter) -> AsyncGenerator[CsvChunk, None]:
        key = str(meeting_filter.owner_id)
        lease = await self._in_flight.acquire(key)
        if lease is None:
            raise TooManyInFlight()
        try:
            header = _csv_chunk([EXPORT_HEADER])
            yield CsvChunk(header, 0)
            after: MeetingExportRow | None = None
            while True:
                async with self._uow as uow:
                    rows = await uow.meetings.export_page(
                        meeting_filter, after=after, limit=EXPORT_PAGE_ROWS
                    )
                if rows:
                    # One chunk per page, not one per line: every chunk costs the
                    # streaming response a write (docs/performance.md, "Growth with data").
                    yield _csv_chunk([_export_cells(row) for row in rows])
                if len(rows) < EXPORT_PAGE_ROWS:
                    return
                after = rows[-1]
        finally:
            await self._in_flight.release(key, lease)


def _export_cells(row: MeetingExportRow) -> tuple[object, ...]:
    client_id = row.client_id
    return (
        str(row.id),
        "" if client_id is None else str(client_id),
        spreadsheet_safe(row.client_name),
        iso_utc(row.starts_at),
        row.duration_minutes,
        f"{row.revenue:.2f}",
        spreadsheet_safe(row.notes),
    )


# -- report --------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class RevenueReportQuery:
    owner_id: UUID
    period: Period
    grouping: ReportGrouping | None = None


class BuildRevenueReport:
    """Totals for [from, to), optionally grouped; the groups always add up to the total.

    Month groups come in calendar order; client groups by revenue, highest first (ties
    by name), with meetings without a client as one "No client" group.
    """

    def __init__(self, units: UnitsOfWork, in_flight: InFlightLimiter) -> None:
        self._uow = units.reading()
        self._in_flight = in_flight

    async def execute(self, query: RevenueReportQuery) -> RevenueReportView:
        # Shares the owner's budget of long requests with exports (see ExportMeetings).
        key = str(query.owner_id)
        lease = await self._in_flight.acquire(key)
        if lease is None:
            raise TooManyInFlight()
        try:
            async with self._uow as uow:
                groups = await uow.meetings.revenue_groups(
                    query.owner_id, query.period, query.grouping
                )
        finally:
            await self._in_flight.release(key, lease)
        total = RevenueTotals.sum(group.totals for group in groups)
        if query.grouping is None:
            ordered: list[RevenueGroup] = []
        elif query.grouping is ReportGrouping.MONTH:
            ordered = sorted(groups, key=lambda g: g.key or "")
        else:
            ordered = sorted(
                groups, key=lambda g: (-g.totals.revenue, g.label.casefold(), g.key or "")
            )
        return RevenueReportView(query.period, query.grouping, total, ordered)
