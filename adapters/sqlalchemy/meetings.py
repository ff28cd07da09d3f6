"""The ``meetings`` table, its mapping, and the meeting repository.

Revenue is stored as integer cents: SQLite has no exact decimal type, and integer sums
stay exact on every database. The mapper turns cents back into a 2-place ``Decimal``.
"""

from __future__ import annotations

import builtins
from collections.abc import Sequence
from decimal import Decimal
from operator import itemgetter
from typing import Any
from uuid import UUID

from sqlalchemy import (
    BigInteger,
    Column,
    ColumnElement,
    ForeignKey,
    Index,
    Integer,
    Row,
    Select,
    Table,
    Text,
    Uuid,
    bindparam,
    exists,
    func,
    select,
    tuple_,
)

from adapters.sqlalchemy.clients import clients
from adapters.sqlalchemy.connection import Db
from adapters.sqlalchemy.schema import UtcDateTime, metadata, month_key, utc_month
from domain.errors import ClientNotFound, ConcurrentUpdate
from domain.meetings import Meeting
from domain.pagination import Page
from domain.ports import MeetingRepository
from domain.queries import MeetingFilter, MeetingQuery, MeetingSort, Period
from domain.reports import (
    NO_CLIENT_LABEL,
    MeetingExportRow,
    ReportGrouping,
    RevenueGroup,
    RevenueTotals,
)

meetings = Table(
    "meetings",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("owner_id", Uuid, ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
    # A meeting outlives its client: deleting the client leaves the history, unassigned.
    Column("client_id", Uuid, ForeignKey("clients.id", ondelete="SET NULL"), nullable=True),
    Column("starts_at", UtcDateTime, nullable=False),
    Column("duration_minutes", Integer, nullable=False),
    Column("revenue_cents", BigInteger, nullable=False),
    Column("notes", Text, nullable=True),
    Column("created_at", UtcDateTime, nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
    # The compare-and-set guard of ``MeetingRepository.update``, advanced by every change.
    Column("version", Integer, nullable=False, server_default="1"),
    # Every listing, count, export page and report of an owner reads this index in
    # order; on PostgreSQL it also carries what the reports sum, so they read no table
    # row (ADR 0023).
    Index(
        "ix_meetings_owner_id_starts_at_id",
        "owner_id",
        "starts_at",
        "id",
        postgresql_include=["client_id", "revenue_cents", "duration_minutes"],
    ),
    # One client's meetings in order; also what ON DELETE SET NULL looks up.
    Index("ix_meetings_client_id_starts_at_id", "client_id", "starts_at", "id"),
)


def to_cents(amount: Decimal) -> int:
    return int(amount.scaleb(2).to_integral_value())


def from_cents(cents: int | Decimal) -> Decimal:
    """A 2-place amount from whole cents (a sum may come back as an integral Decimal)."""
    return Decimal(cents).scaleb(-2)


def meeting_to_row(meeting: Meeting) -> dict[str, Any]:
    return {
        "id": meeting.id,
        "owner_id": meeting.owner_id,
        "client_id": meeting.client_id,
        "starts_at": meeting.starts_at,
        "duration_minutes": meeting.duration_minutes,
        "revenue_cents": to_cents(meeting.revenue),
        "notes": meeting.notes,
        "created_at": meeting.created_at,
        "updated_at": meeting.updated_at,
        "version": meeting.version,
    }


MEETING_COLUMNS = tuple(meetings.c)
# A row's values by position, in the mapper's order, found by column name once, here:
# reading a Row by attribute costs a lookup per column per row, which a page of 50
# meetings paid about as much for as for everything else in its mapping (docs/
# performance.md, issue 20). Fits any row whose first columns are MEETING_COLUMNS (a
# listing's total follows them).
_MEETING_VALUES = itemgetter(
    *(
        [column.name for column in MEETING_COLUMNS].index(name)
        for name in (
            "id",
            "owner_id",
            "client_id",
            "starts_at",
            "duration_minutes",
            "revenue_cents",
            "notes",
            "created_at",
            "updated_at",
            "version",
        )
    )
)


def meeting_from_row(row: Row[Any]) -> Meeting:
    """A meeting from a row whose first columns are MEETING_COLUMNS. Stored values are
    taken as they are: the domain checked them when they were written."""
    (
        meeting_id,
        owner_id,
        client_id,
        starts_at,
        duration_minutes,
        revenue_cents,
        notes,
        created_at,
        updated_at,
        version,
    ) = _MEETING_VALUES(row)
    return Meeting(
        id=meeting_id,
        owner_id=owner_id,
        client_id=client_id,
        starts_at=starts_at,
        duration_minutes=duration_minutes,
        revenue=from_cents(revenue_cents),
        notes=notes,
        created_at=created_at,
        updated_at=updated_at,
        version=version,
    )


_INSERT = meetings.insert()
# A meeting with a client is stored only if that client is its owner's: the check rides
# on the INSERT (one round trip, and no window between checking and writing).
_INSERT_FOR_OWNED_CLIENT = meetings.insert().from_select(
    [column.name for column in MEETING_COLUMNS],
    select(*(bindparam(column.name, type_=column.type) for column in MEETING_COLUMNS)).where(
        exists().where(
            clients.c.id == bindparam("client_id"), clients.c.owner_id == bindparam("owner_id")
        )
    ),
)
_GET = select(*MEETING_COLUMNS).where(
    meetings.c.id == bindparam("meeting_id"), meetings.c.owner_id == bindparam("owner")
)
# Compare-and-set: the SET clause comes from the keys of the parameters passed, and
# matches only the version that was read.
_UPDATE = meetings.update().where(
    meetings.c.id == bindparam("meeting_id"), meetings.c.version == bindparam("seen_version")
)
# The same, for a meeting with a client: only if that client is its owner's.
_OWNED_CLIENT = exists().where(
    clients.c.id == bindparam("owned_client"), clients.c.owner_id == bindparam("owner")
)
_UPDATE_FOR_OWNED_CLIENT = _UPDATE.where(_OWNED_CLIENT)
_CLIENT_IS_OWNED = select(_OWNED_CLIENT)
_DELETE = meetings.delete().where(
    meetings.c.id == bindparam("meeting_id"), meetings.c.owner_id == bindparam("owner")
)
_DELETE_VERSION = _DELETE.where(meetings.c.version == bindparam("seen_version"))
_DETACH = (
    meetings.update()
    .where(meetings.c.client_id == bindparam("detached"))
    .values(client_id=None, version=meetings.c.version + 1)
)
_TOTALS = (
    func.coalesce(func.sum(meetings.c.revenue_cents), 0).label("revenue_cents"),
    func.coalesce(func.sum(meetings.c.duration_minutes), 0).label("minutes"),
    func.count().label("meetings"),
)


# Which optional parts of a MeetingFilter are set: client, starts_from, starts_before.
_FilterShape = tuple[bool, bool, bool]
_SHAPES: tuple[_FilterShape, ...] = tuple(
    (client, starts_from, starts_before)
    for client in (False, True)
    for starts_from in (False, True)
    for starts_before in (False, True)
)
_ORDERINGS: dict[MeetingSort, tuple[ColumnElement[Any], ...]] = {
    MeetingSort.STARTS_AT: (meetings.c.starts_at.asc(), meetings.c.id.asc()),
    MeetingSort.STARTS_AT_DESC: (meetings.c.starts_at.desc(), meetings.c.id.desc()),
}


def _conditions(shape: _FilterShape) -> list[ColumnElement[bool]]:
    """The one filter builder: a ``MeetingFilter``'s conditions, for the parts set in
    ``shape``, with the values as parameters (``_filter_params`` gives both)."""
    client, starts_from, starts_before = shape
    conditions: list[ColumnElement[bool]] = [meetings.c.owner_id == bindparam("owner")]
    if client:
        conditions.append(meetings.c.client_id == bindparam("client"))
    if starts_from:
        conditions.append(meetings.c.starts_at >= bindparam("starts_from"))
    if starts_before:
        conditions.append(meetings.c.starts_at < bindparam("starts_before"))
    return conditions


def _filter_params(f: MeetingFilter) -> tuple[_FilterShape, dict[str, Any]]:
    params: dict[str, Any] = {"owner": f.owner_id}
    if f.client_id is not None:
        params["client"] = f.client_id
    if f.starts_from is not None:
        params["starts_from"] = f.starts_from
    if f.starts_before is not None:
        params["starts_before"] = f.starts_before
    shape = (f.client_id is not None, f.starts_from is not None, f.starts_before is not None)
    return shape, params


def _matches_counted(shape: _FilterShape, sort: MeetingSort, *, capped: bool) -> Select[Any]:
    """How many meetings match, counting no further than ``:cap`` when ``capped``: in
    the page's order, so the count reads the index range the page reads (ids only: no
    table row once the visibility map is current), whoever else owns rows of the table."""
    if not capped:
        return select(func.count()).select_from(meetings).where(*_conditions(shape))
    matches = (
        select(meetings.c.id)
        .where(*_conditions(shape))
        .order_by(*_ORDERINGS[sort])
        .limit(bindparam("cap", type_=Integer))
        .subquery("matches")
    )
    return select(func.count()).select_from(matches)


# Listing statements, built once per (filter shape, sort, whether the count is capped)
# rather than per call: same SQL, with the filter's values, the limit, the offset and
# the cap as parameters. The count rides on the page's statement as a subquery that
# runs once; on its own only for an empty page past the first (ADR 0023).
_LIST_PAGE = {
    (shape, sort, capped): select(
        *MEETING_COLUMNS,
        _matches_counted(shape, sort, capped=capped).scalar_subquery().label("total"),
    )
    .where(*_conditions(shape))
    .order_by(*ordering)
    .limit(bindparam("limit", type_=Integer))
    .offset(bindparam("offset", type_=Integer))
    for shape in _SHAPES
    for sort, ordering in _ORDERINGS.items()
    for capped in (False, True)
}
_LIST_COUNT = {
    (shape, sort, capped): _matches_counted(shape, sort, capped=capped)
    for shape in _SHAPES
    for sort in MeetingSort
    for capped in (False, True)
}
# The export, oldest first, with each meeting's client name, a page at a time: keyset
# paging on (starts_at, id), which ix_meetings_owner_id_starts_at_id serves, so every
# page costs the same however deep into the export. Built once per (filter shape, whether
# a page precedes).
# A row-value comparison, which PostgreSQL turns into where its index scan starts (the
# equivalent OR of two conditions made every page scan the owner's index from the top).
_AFTER = tuple_(meetings.c.starts_at, meetings.c.id) > tuple_(
    bindparam("after_starts_at", type_=meetings.c.starts_at.type),
    bindparam("after_id", type_=meetings.c.id.type),
)
# Only what the export writes, in ``MeetingExportRow``'s order: every column read costs
# the driver a decoded value per row.
_EXPORT_COLUMNS = (
    meetings.c.id,
    meetings.c.client_id,
    clients.c.name.label("client_name"),
    meetings.c.starts_at,
    meetings.c.duration_minutes,
    meetings.c.revenue_cents,
    meetings.c.notes,
)
_EXPORT_PAGE = {
    (shape, paged): select(*_EXPORT_COLUMNS)
    .select_from(meetings.outerjoin(clients, clients.c.id == meetings.c.client_id))
    .where(*_conditions(shape), *((_AFTER,) if paged else ()))
    .order_by(meetings.c.starts_at, meetings.c.id)
    .limit(bindparam("limit", type_=Integer))
    for shape in _SHAPES
    for paged in (False, True)
}


# The report's statements, one per grouping, built once: a statement made per call costs
# SQLAlchemy a fresh cache key, where a statement kept keeps its key (ADR 0017). The
# period and the owner are parameters.
_IN_PERIOD = (
    meetings.c.owner_id == bindparam("owner"),
    meetings.c.starts_at >= bindparam("start"),
    meetings.c.starts_at < bindparam("end"),
)
# By month: grouped on the month's start, formatted once per group (outer query).
_BY_MONTH = (
    select(utc_month(meetings.c.starts_at).label("month_start"), *_TOTALS)
    .where(*_IN_PERIOD)
    .group_by(utc_month(meetings.c.starts_at))
    .subquery("by_month")
)
# By client: summed per client_id first (an index-only read of the covering index on
# PostgreSQL), then one row per group joined to its client, not one per meeting.
_BY_CLIENT = (
    select(meetings.c.client_id, *_TOTALS)
    .where(*_IN_PERIOD)
    .group_by(meetings.c.client_id)
    .subquery("by_client")
)
_REVENUE: dict[ReportGrouping | None, Select[Any]] = {
    None: select(*_TOTALS).where(*_IN_PERIOD),
    ReportGrouping.MONTH: select(
        month_key(_BY_MONTH.c.month_start).label("month"),
        _BY_MONTH.c.revenue_cents,
        _BY_MONTH.c.minutes,
        _BY_MONTH.c.meetings,
    ),
    ReportGrouping.CLIENT: select(
        clients.c.id.label("client_id"),
        clients.c.name.label("client_name"),
        _BY_CLIENT.c.revenue_cents,
        _BY_CLIENT.c.minutes,
        _BY_CLIENT.c.meetings,
    ).select_from(_BY_CLIENT.outerjoin(clients, clients.c.id == _BY_CLIENT.c.client_id)),
}


def _totals(row: Row[Any]) -> RevenueTotals:
    return RevenueTotals(from_cents(row.revenue_cents), int(row.minutes), int(row.meetings))


class SqlAlchemyMeetingRepository(MeetingRepository):
    def __init__(self, db: Db) -> None:
        self._db = db

    async def add(self, meeting: Meeting) -> None:
        if meeting.client_id is None:
            await self._db.execute(_INSERT, meeting_to_row(meeting))
            return
        result = await self._db.execute(_INSERT_FOR_OWNED_CLIENT, meeting_to_row(meeting))
        if result.rowcount != 1:
            raise ClientNotFound()

    async def add_many(self, meetings_: Sequence[Meeting]) -> None:
        if meetings_:
            await self._db.execute(_INSERT, [meeting_to_row(m) for m in meetings_])

    async def get(self, meeting_id: UUID, *, owner_id: UUID) -> Meeting | None:
        row = (await self._db.execute(_GET, {"meeting_id": meeting_id, "owner": owner_id})).first()
        return meeting_from_row(row) if row else None

    async def update(self, meeting: Meeting) -> None:
        params = meeting_to_row(meeting)
        params["meeting_id"] = params.pop("id")
        params["seen_version"] = meeting.version
        params["version"] = meeting.version + 1
        del params["owner_id"], params["created_at"]
        if meeting.client_id is None:
            result = await self._db.execute(_UPDATE, params)
        else:
            params["owned_client"] = meeting.client_id
            params["owner"] = meeting.owner_id
            result = await self._db.execute(_UPDATE_FOR_OWNED_CLIENT, params)
        if result.rowcount != 1:
            if meeting.client_id is not None and not await self._client_is_owned(meeting):
                raise ClientNotFound()
            raise ConcurrentUpdate()
        meeting.version += 1

    async def _client_is_owned(self, meeting: Meeting) -> bool:
        params = {"owned_client": meeting.client_id, "owner": meeting.owner_id}
        return bool((await self._db.execute(_CLIENT_IS_OWNED, params)).scalar_one())

    async def delete(self, meeting_id: UUID, *, owner_id: UUID, version: int | None = None) -> bool:
        params: dict[str, Any] = {"meeting_id": meeting_id, "owner": owner_id}
        if version is None:
            result = await self._db.execute(_DELETE, params)
        else:
            params["seen_version"] = version
            result = await self._db.execute(_DELETE_VERSION, params)
        return result.rowcount > 0

    async def list(self, query: MeetingQuery) -> Page[Meeting]:
        shape, params = _filter_params(query.filter)
        page = query.page
        params["limit"] = page.limit
        params["offset"] = page.offset
        cap = page.count_cap
        if cap is not None:
            params["cap"] = cap
        capped = cap is not None
        rows = (await self._db.execute(_LIST_PAGE[shape, query.sort, capped], params)).all()
        if rows:
            counted = rows[0].total
        elif page.offset:
            statement = _LIST_COUNT[shape, query.sort, capped]
            counted = (await self._db.execute(statement, params)).scalar_one()
        else:
            counted = 0
        return page.page_of([meeting_from_row(r) for r in rows], counted)

    async def export_page(
        self, meeting_filter: MeetingFilter, *, after: MeetingExportRow | None, limit: int
    ) -> builtins.list[MeetingExportRow]:
        shape, params = _filter_params(meeting_filter)
        params["limit"] = limit
        if after is not None:
            params["after_starts_at"] = after.starts_at
            params["after_id"] = after.id
        result = await self._db.execute(_EXPORT_PAGE[shape, after is not None], params)
        rows: Sequence[tuple[Any, ...]] = result.all()
        # Unpacked by position (the columns are _EXPORT_COLUMNS, in the row's field order):
        # the export's one per-row step in this adapter, where reading by name costs a
        # lookup per column (docs/performance.md, "Growth with data").
        return [
            MeetingExportRow(
                meeting_id, client_id, client_name, starts_at, minutes, from_cents(cents), notes
            )
            for meeting_id, client_id, client_name, starts_at, minutes, cents, notes in rows
        ]

    async def detach_client(self, client_id: UUID) -> None:
        await self._db.execute(_DETACH, {"detached": client_id})

    async def revenue_groups(
        self, owner_id: UUID, period: Period, grouping: ReportGrouping | None
    ) -> builtins.list[RevenueGroup]:
        params = {"owner": owner_id, "start": period.start, "end": period.end}
        rows = (await self._db.execute(_REVENUE[grouping], params)).all()
        if grouping is None:
            row = rows[0]
            return [RevenueGroup(None, "", _totals(row))] if row.meetings else []
        if grouping is ReportGrouping.MONTH:
            return [RevenueGroup(r.month, r.month, _totals(r)) for r in rows]
        # A group per client, ten thousand in a big book: unpacked by position (the
        # columns of _REVENUE[CLIENT]), without a lookup by name per column.
        by_client: Sequence[tuple[Any, ...]] = rows
        return [
            RevenueGroup(
                None if client_id is None else str(client_id),
                NO_CLIENT_LABEL if client_id is None else name,
                RevenueTotals(from_cents(cents), minutes, count),
            )
            for client_id, name, cents, minutes, count in by_client
        ]
