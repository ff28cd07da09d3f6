"""What one screen shows at once, built from the use cases that own each part.

A page of the web app asks one question ("my dashboard", "this client and its
meetings"); these use cases answer it by calling the use cases the API and the CLI
call, each in its own unit of work, and add no rule of their own. A screen that names
clients beside meetings gets the owner's client names in one listing of ids and names
(at most ``CLIENT_CHOICES`` of them, by name), which also fills the client pickers of its
forms.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Generic, Protocol, TypeVar
from uuid import UUID

from application.clients import GetClient
from application.meetings import (
    BuildRevenueReport,
    GetMeeting,
    ListMeetings,
    RevenueReportQuery,
)
from application.views import ClientView, MeetingView, RevenueReportView, Versioned
from domain.errors import ClientNotFound, DomainError, InvalidInput, PreconditionFailed
from domain.pagination import Page, PageRequest
from domain.ports import Clock, UnitsOfWork
from domain.queries import MeetingFilter, MeetingQuery, MeetingSort, Period
from domain.reports import ReportGrouping

CLIENT_CHOICES = 500
UPCOMING_MEETINGS = 5
CLIENT_MEETINGS = 20


@dataclass(frozen=True, slots=True)
class ClientChoice:
    id: UUID
    name: str


@dataclass(frozen=True, slots=True)
class ClientChoices:
    """The owner's clients by name (the first ``CLIENT_CHOICES``) and how many there are
    (at least, when not ``total_exact``: see ``domain.pagination.Page``)."""

    items: Sequence[ClientChoice]
    total: int
    total_exact: bool = True

    def names(self) -> Mapping[UUID, str]:
        return {choice.id: choice.name for choice in self.items}


class ListClientChoices:
    """The owner's clients by name (ids and names only), for a picker or a label."""

    def __init__(self, units: UnitsOfWork) -> None:
        self._uow = units.reading()

    async def execute(self, owner_id: UUID) -> ClientChoices:
        async with self._uow as uow:
            page = await uow.clients.list_names(owner_id, PageRequest(CLIENT_CHOICES))
        return ClientChoices(
            [ClientChoice(id_, name) for id_, name in page.items], page.total, page.total_exact
        )


@dataclass(frozen=True, slots=True)
class Dashboard:
    year: int
    revenue: RevenueReportView  # this calendar year (UTC), by month
    upcoming: Sequence[MeetingView]  # the next few, soonest first
    clients: ClientChoices


class BuildDashboard:
    """This year's revenue by month, the next meetings, and the client count."""

    def __init__(
        self,
        report: BuildRevenueReport,
        meetings: ListMeetings,
        clients: ListClientChoices,
        clock: Clock,
    ) -> None:
        self._report = report
        self._meetings = meetings
        self._clients = clients
        self._clock = clock

    async def execute(self, owner_id: UUID) -> Dashboard:
        now = self._clock.now()
        year = now.astimezone(UTC).year
        period = Period(datetime(year, 1, 1, tzinfo=UTC), datetime(year + 1, 1, 1, tzinfo=UTC))
        revenue = await self._report.execute(
            RevenueReportQuery(owner_id, period, ReportGrouping.MONTH)
        )
        upcoming = await self._meetings.execute(
            MeetingQuery(
                MeetingFilter(owner_id=owner_id, starts_from=now),
                PageRequest(UPCOMING_MEETINGS),
                MeetingSort.STARTS_AT,
            )
        )
        return Dashboard(year, revenue, upcoming.items, await self._clients.execute(owner_id))


@dataclass(frozen=True, slots=True)
class MeetingsOverview:
    meetings: Page[MeetingView]
    clients: ClientChoices


class BrowseMeetings:
    """A page of meetings, with the owner's client names to show beside them."""

    def __init__(self, meetings: ListMeetings, clients: ListClientChoices) -> None:
        self._meetings = meetings
        self._clients = clients

    async def execute(self, query: MeetingQuery) -> MeetingsOverview:
        meetings = await self._meetings.execute(query)
        return MeetingsOverview(meetings, await self._clients.execute(query.filter.owner_id))


@dataclass(frozen=True, slots=True)
class ClientOverview:
    client: Versioned[ClientView]
    meetings: Page[MeetingView]  # the latest first


class ShowClient:
    """A client with its contacts, and its latest meetings."""

    def __init__(self, get: GetClient, meetings: ListMeetings) -> None:
        self._get = get
        self._meetings = meetings

    async def execute(self, owner_id: UUID, client_id: UUID) -> ClientOverview:
        client = await self._get.execute(owner_id, client_id)  # ClientNotFound first
        meetings = await self._meetings.execute(
            MeetingQuery(
                MeetingFilter(owner_id=owner_id, client_id=client_id),
                PageRequest(CLIENT_MEETINGS),
                MeetingSort.STARTS_AT_DESC,
            )
        )
        return ClientOverview(client, meetings)


@dataclass(frozen=True, slots=True)
class MeetingEditing:
    meeting: Versioned[MeetingView]
    clients: ClientChoices


class EditMeeting:
    """A meeting as it is now, and the client choices, for its edit form."""

    def __init__(self, get: GetMeeting, clients: ListClientChoices) -> None:
        self._get = get
        self._clients = clients

    async def execute(self, owner_id: UUID, meeting_id: UUID) -> MeetingEditing:
        meeting = await self._get.execute(owner_id, meeting_id)  # MeetingNotFound first
        return MeetingEditing(meeting, await self._clients.execute(owner_id))


# What a meeting form shows beside its fields, rather than as an error page: a rule the
# core refused, a client that is not the owner's, a version that moved on. A meeting
# that is gone (``MeetingNotFound``) is not among them: that is the 404 page.
MEETING_FORM_REFUSALS: tuple[type[DomainError], ...] = (
    InvalidInput,
    ClientNotFound,
    PreconditionFailed,
)

C = TypeVar("C", contravariant=True)


class _SavesMeeting(Protocol[C]):
    async def execute(self, cmd: C, /) -> object: ...


@dataclass(frozen=True, slots=True)
class MeetingFormOutcome:
    """A sent meeting form: saved, or the refusal and the client choices to show it again."""

    saved: bool
    refusal: DomainError | None = None
    clients: ClientChoices | None = None


class SubmitMeetingForm(Generic[C]):
    """A schedule or edit form sent: ``save`` runs the command (``ScheduleMeeting``,
    ``UpdateMeeting``); if it refuses, or there is no command because the form did not
    parse, the owner's client choices come back with the refusal, for the form again."""

    def __init__(self, save: _SavesMeeting[C], clients: ListClientChoices) -> None:
        self._save = save
        self._clients = clients

    async def execute(self, owner_id: UUID, cmd: C | None) -> MeetingFormOutcome:
        refusal = None
        if cmd is not None:
            try:
                await self._save.execute(cmd)
            except MEETING_FORM_REFUSALS as error:
                refusal = error
            else:
                return MeetingFormOutcome(saved=True)
        return MeetingFormOutcome(False, refusal, await self._clients.execute(owner_id))
