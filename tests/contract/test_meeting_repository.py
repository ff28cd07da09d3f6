"""MeetingRepository: one behaviour, every adapter (reports and export included)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal
from uuid import UUID, uuid4

import pytest

from application.clients import DeleteClient
from domain.clients import Client
from domain.errors import ClientNotFound
from domain.meetings import Meeting
from domain.pagination import PageRequest
from domain.queries import MeetingFilter, MeetingQuery, MeetingSort, Period
from domain.reports import MeetingExportRow, ReportGrouping, RevenueGroup, RevenueTotals
from domain.values import ClientName

from .support import T0, Backend, add_user

PLUS_2 = timezone(timedelta(hours=2))
INDIA = timezone(timedelta(hours=5, minutes=30))


def meeting(
    owner_id: UUID,
    starts_at: datetime,
    *,
    client_id: UUID | None = None,
    minutes: int = 60,
    revenue: str = "0",
    notes: str | None = None,
    meeting_id: UUID | None = None,
) -> Meeting:
    return Meeting.schedule(
        id=meeting_id or uuid4(),
        owner_id=owner_id,
        client_id=client_id,
        starts_at=starts_at,
        duration_minutes=minutes,
        revenue=revenue,
        notes=notes,
        now=T0,
    )


async def add_client(backend: Backend, owner_id: UUID, name: str) -> Client:
    parsed = ClientName.parse(name)
    made = Client(uuid4(), owner_id, parsed.value, parsed.key, None, None, T0, T0)
    async with backend.new_uow() as uow:
        await uow.clients.add(made)
        await uow.commit()
    return made


async def store(backend: Backend, *meetings: Meeting) -> None:
    async with backend.new_uow() as uow:
        await uow.meetings.add_many(list(meetings))
        await uow.commit()


@pytest.mark.parametrize("revenue", ["0", "0.01", "12.5", "999999999.99", "1000000000"])
async def test_a_meeting_round_trips_exactly(backend: Backend, revenue: str) -> None:
    owner = await add_user(backend)
    acme = await add_client(backend, owner.id, "Acme")
    original = meeting(
        owner.id,
        datetime(2024, 5, 1, 14, 30, 15, 250000, tzinfo=INDIA),
        client_id=acme.id,
        minutes=1440,
        revenue=revenue,
        notes="Kick-off ☕ — «devis» 100% _done_",
    )
    async with backend.new_uow() as uow:
        await uow.meetings.add(original)
        await uow.commit()
    async with backend.new_uow() as uow:
        loaded = await uow.meetings.get(original.id, owner_id=owner.id)
    assert loaded == original
    assert loaded is not None
    assert loaded.revenue == Decimal(revenue)
    assert str(loaded.revenue) == str(Decimal(revenue).quantize(Decimal("0.01")))
    assert loaded.starts_at == datetime(2024, 5, 1, 9, 0, 15, 250000, tzinfo=UTC)
    assert loaded.starts_at.utcoffset() == timedelta(0)


async def test_add_stores_a_meeting_only_with_one_of_its_owners_clients(
    backend: Backend,
) -> None:
    owner, stranger = await add_user(backend), await add_user(backend)
    acme = await add_client(backend, owner.id, "Acme")
    theirs = await add_client(backend, stranger.id, "Theirs")
    without_client = meeting(owner.id, T0)
    with_mine = meeting(owner.id, T0, client_id=acme.id, revenue="12.50")
    with_theirs = meeting(owner.id, T0, client_id=theirs.id)
    with_nobody = meeting(owner.id, T0, client_id=uuid4())
    async with backend.new_uow() as uow:
        await uow.meetings.add(without_client)
        await uow.meetings.add(with_mine)
        for refused in (with_theirs, with_nobody):
            with pytest.raises(ClientNotFound):
                await uow.meetings.add(refused)
        await uow.commit()
    async with backend.new_uow() as uow:
        assert await uow.meetings.get(without_client.id, owner_id=owner.id) == without_client
        assert await uow.meetings.get(with_mine.id, owner_id=owner.id) == with_mine
        assert await uow.meetings.get(with_theirs.id, owner_id=owner.id) is None
        assert await uow.meetings.get(with_nobody.id, owner_id=owner.id) is None
        page = await uow.meetings.list(MeetingQuery(MeetingFilter(owner.id), PageRequest()))
    assert page.total == 2


async def test_update_keeps_a_meeting_with_one_of_its_owners_clients(backend: Backend) -> None:
    """The same rule as ``add``, in the same place: the repository's write."""
    owner, stranger = await add_user(backend), await add_user(backend)
    acme = await add_client(backend, owner.id, "Acme")
    globex = await add_client(backend, owner.id, "Globex")
    theirs = await add_client(backend, stranger.id, "Theirs")
    kept = meeting(owner.id, T0, client_id=acme.id)
    await store(backend, kept)
    for refused in (theirs.id, uuid4()):
        async with backend.new_uow() as uow:
            moved = await uow.meetings.get(kept.id, owner_id=owner.id)
            assert moved is not None
            moved.assign_client(refused, now=T0)
            with pytest.raises(ClientNotFound):
                await uow.meetings.update(moved)
    async with backend.new_uow() as uow:
        moved = await uow.meetings.get(kept.id, owner_id=owner.id)
        assert moved is not None
        moved.assign_client(globex.id, now=T0)
        await uow.meetings.update(moved)
        await uow.commit()
    async with backend.new_uow() as uow:
        stored = await uow.meetings.get(kept.id, owner_id=owner.id)
    assert stored is not None
    assert (stored.client_id, stored.version) == (globex.id, kept.version + 1)


async def test_get_update_and_delete_respect_the_owner(backend: Backend) -> None:
    owner, stranger = await add_user(backend), await add_user(backend)
    acme = await add_client(backend, owner.id, "Acme")
    mine = meeting(owner.id, T0)
    await store(backend, mine)
    mine.assign_client(acme.id, now=T0 + timedelta(hours=1))
    mine.reschedule(T0 + timedelta(days=1), now=T0 + timedelta(hours=1))
    mine.set_revenue("42.42", now=T0 + timedelta(hours=1))
    mine.set_notes(None, now=T0 + timedelta(hours=1))
    async with backend.new_uow() as uow:
        assert await uow.meetings.get(mine.id, owner_id=stranger.id) is None
        await uow.meetings.update(mine)
        await uow.commit()
    async with backend.new_uow() as uow:
        assert await uow.meetings.get(mine.id, owner_id=owner.id) == mine
        assert not await uow.meetings.delete(mine.id, owner_id=stranger.id)
        assert await uow.meetings.delete(mine.id, owner_id=owner.id)
        assert not await uow.meetings.delete(mine.id, owner_id=owner.id)
        await uow.commit()
    async with backend.new_uow() as uow:
        assert await uow.meetings.get(mine.id, owner_id=owner.id) is None


async def test_list_filters_sorts_with_id_tie_break_and_counts(backend: Backend) -> None:
    owner, stranger = await add_user(backend), await add_user(backend)
    acme = await add_client(backend, owner.id, "Acme")
    at = [T0 + timedelta(days=d) for d in range(4)]
    made = [
        meeting(owner.id, at[0], client_id=acme.id),
        meeting(owner.id, at[1]),
        meeting(owner.id, at[1], client_id=acme.id),  # same instant: id decides
        meeting(owner.id, at[2].astimezone(PLUS_2), client_id=acme.id),
        meeting(owner.id, at[3]),
    ]
    await store(backend, *made, meeting(stranger.id, at[1]))
    oldest_first = sorted(made, key=lambda m: (m.starts_at, m.id))

    async def ids(f: MeetingFilter, sort: MeetingSort, limit: int = 10, offset: int = 0) -> tuple:
        async with backend.new_uow() as uow:
            page = await uow.meetings.list(MeetingQuery(f, PageRequest(limit, offset), sort))
        return [m.id for m in page.items], page.total

    everything = MeetingFilter(owner.id)
    assert await ids(everything, MeetingSort.STARTS_AT) == ([m.id for m in oldest_first], 5)
    newest = [m.id for m in reversed(oldest_first)]
    assert await ids(everything, MeetingSort.STARTS_AT_DESC, 2, 2) == (newest[2:4], 5)
    assert await ids(everything, MeetingSort.STARTS_AT_DESC, 2, 9) == ([], 5)
    window = MeetingFilter(owner.id, starts_from=at[1], starts_before=at[3])
    assert await ids(window, MeetingSort.STARTS_AT) == ([m.id for m in oldest_first[1:4]], 3)
    of_acme = MeetingFilter(owner.id, client_id=acme.id, starts_before=at[2])
    expected = [m.id for m in oldest_first if m.client_id == acme.id and m.starts_at < at[2]]
    assert await ids(of_acme, MeetingSort.STARTS_AT) == (expected, 2)


async def test_every_filter_counts_the_same_on_and_past_its_last_page(
    backend: Backend,
) -> None:
    owner, stranger = await add_user(backend), await add_user(backend)
    acme = await add_client(backend, owner.id, "Acme")
    at = [T0 + timedelta(days=d) for d in range(4)]
    await store(
        backend,
        *(meeting(owner.id, t, client_id=acme.id if i % 2 else None) for i, t in enumerate(at)),
        meeting(stranger.id, at[1]),
    )
    for client_id in (None, acme.id):
        for starts_from in (None, at[1]):
            for starts_before in (None, at[3]):
                f = MeetingFilter(owner.id, client_id, starts_from, starts_before)
                async with backend.new_uow() as uow:
                    for sort in MeetingSort:
                        first = await uow.meetings.list(MeetingQuery(f, PageRequest(10), sort))
                        past = await uow.meetings.list(MeetingQuery(f, PageRequest(10, 10), sort))
                        assert first.total == len(first.items) > 0
                        assert (list(past.items), past.total) == ([], first.total)
                        assert all(m.owner_id == owner.id for m in first.items)
                        if client_id is not None:
                            assert all(m.client_id == client_id for m in first.items)


async def test_the_total_is_counted_up_to_the_cap_then_is_a_lower_bound(
    backend: Backend,
) -> None:
    owner, stranger = await add_user(backend), await add_user(backend)
    acme = await add_client(backend, owner.id, "Acme")
    at = [T0 + timedelta(days=d) for d in range(7)]
    await store(
        backend,
        *(meeting(owner.id, t, client_id=acme.id if i < 5 else None) for i, t in enumerate(at)),
        *(meeting(stranger.id, t) for t in at),
    )
    filters = {
        MeetingFilter(owner.id): 7,
        MeetingFilter(owner.id, client_id=acme.id): 5,
        MeetingFilter(owner.id, starts_from=at[1]): 6,
        MeetingFilter(owner.id, starts_before=at[6]): 6,
        MeetingFilter(owner.id, acme.id, at[0], at[5]): 5,
    }
    for f, matches in filters.items():

        async def counted(request: PageRequest, f: MeetingFilter = f) -> tuple[int, int, bool]:
            seen = set()
            async with backend.new_uow() as uow:
                for sort in MeetingSort:
                    page = await uow.meetings.list(MeetingQuery(f, request, sort))
                    seen.add((len(page.items), page.total, page.total_exact))
            assert len(seen) == 1
            return seen.pop()

        # counted to the end before the cap (offset + limit + count_ahead): exact
        assert await counted(PageRequest(2, 0, count_ahead=10)) == (2, matches, True)
        assert await counted(PageRequest(2, 0, count_ahead=None)) == (2, matches, True)
        # the cap reached: at least that many (the page and one more here)
        assert await counted(PageRequest(2, 0, count_ahead=1)) == (2, 3, False)
        assert await counted(PageRequest(2, 2, count_ahead=0)) == (2, 4, False)
        # the last page, and past it: the cap lies beyond the matches, so the count is exact
        assert await counted(PageRequest(2, matches - 1, count_ahead=0)) == (1, matches, True)
        assert await counted(PageRequest(2, 20, count_ahead=0)) == (0, matches, True)


async def export_all(
    backend: Backend, meeting_filter: MeetingFilter, page: int = 500
) -> list[MeetingExportRow]:
    """Every page, each read in a unit of work of its own, as ExportMeetings reads them."""
    rows: list[MeetingExportRow] = []
    after = None
    while True:
        async with backend.new_uow() as uow:
            found = await uow.meetings.export_page(meeting_filter, after=after, limit=page)
        assert len(found) <= page
        rows += found
        if len(found) < page:
            return rows
        after = found[-1]


async def test_export_streams_oldest_first_with_client_names(backend: Backend) -> None:
    owner = await add_user(backend)
    acme = await add_client(backend, owner.id, "Acme «Ltd» 🦊")
    late = meeting(owner.id, T0 + timedelta(days=2), client_id=acme.id, revenue="10.5")
    early = meeting(owner.id, T0, notes="first")
    outside = meeting(owner.id, T0 + timedelta(days=9))
    await store(backend, late, early, outside)
    f = MeetingFilter(owner.id, starts_before=T0 + timedelta(days=5))
    rows = await export_all(backend, f)
    assert [(r.id, r.client_id, r.client_name) for r in rows] == [
        (early.id, None, None),
        (late.id, acme.id, "Acme «Ltd» 🦊"),
    ]
    assert rows[0].notes == "first"
    assert rows[1].revenue == Decimal("10.50")
    assert rows[1].starts_at == late.starts_at
    assert rows[1].duration_minutes == 60


async def test_export_pages_follow_each_other_without_gaps_or_repeats(backend: Backend) -> None:
    owner = await add_user(backend)
    made = [meeting(owner.id, T0 + timedelta(minutes=i)) for i in range(1201)]
    # Several meetings at one instant: the pages' boundary falls between equal starts.
    made += [meeting(owner.id, T0 + timedelta(minutes=600)) for _ in range(7)]
    await store(backend, *made)
    expected = [m.id for m in sorted(made, key=lambda m: (m.starts_at, m.id))]
    for page in (500, 7):
        exported = [row.id for row in await export_all(backend, MeetingFilter(owner.id), page)]
        assert exported == expected


async def test_detach_client_keeps_the_meetings_without_a_client(backend: Backend) -> None:
    owner = await add_user(backend)
    acme = await add_client(backend, owner.id, "Acme")
    kept = meeting(owner.id, T0, client_id=acme.id)
    await store(backend, kept)
    async with backend.new_uow() as uow:
        await uow.meetings.detach_client(acme.id)
        await uow.commit()
    async with backend.new_uow() as uow:
        loaded = await uow.meetings.get(kept.id, owner_id=owner.id)
    assert loaded is not None
    assert loaded.client_id is None
    assert loaded.updated_at == kept.updated_at


async def test_deleting_a_client_through_the_use_case_keeps_its_meetings(
    backend: Backend,
) -> None:
    owner = await add_user(backend)
    acme = await add_client(backend, owner.id, "Acme")
    kept = meeting(owner.id, T0, client_id=acme.id)
    await store(backend, kept)
    await DeleteClient(backend.units()).execute(owner.id, acme.id)
    async with backend.new_uow() as uow:
        loaded = await uow.meetings.get(kept.id, owner_id=owner.id)
        assert await uow.clients.get(acme.id, owner_id=owner.id) is None
    assert loaded is not None
    assert loaded.client_id is None


def _by_key(groups: list[RevenueGroup]) -> dict[str | None, tuple[str, RevenueTotals]]:
    return {g.key: (g.label, g.totals) for g in groups}


async def test_revenue_groups_sum_exactly_by_client_month_and_in_total(
    backend: Backend,
) -> None:
    owner, stranger = await add_user(backend), await add_user(backend)
    acme = await add_client(backend, owner.id, "Acme")
    globex = await add_client(backend, owner.id, "Globex")
    jan_31_late = datetime(2024, 1, 31, 23, 30, tzinfo=timezone(timedelta(hours=-2)))  # Feb in UTC
    await store(
        backend,
        meeting(owner.id, datetime(2024, 1, 10, tzinfo=UTC), client_id=acme.id, revenue="0.1"),
        meeting(owner.id, datetime(2024, 1, 11, tzinfo=UTC), client_id=acme.id, revenue="0.2"),
        meeting(owner.id, jan_31_late, client_id=globex.id, minutes=30, revenue="999999999.99"),
        meeting(owner.id, datetime(2024, 2, 2, tzinfo=PLUS_2), revenue="0.01", minutes=15),
        meeting(owner.id, datetime(2024, 3, 1, tzinfo=UTC), revenue="5"),  # at the end: excluded
        meeting(owner.id, datetime(2023, 12, 31, 23, 59, tzinfo=UTC), revenue="7"),  # before
        meeting(stranger.id, datetime(2024, 1, 15, tzinfo=UTC), revenue="100"),
    )
    period = Period(datetime(2024, 1, 1, tzinfo=UTC), datetime(2024, 3, 1, tzinfo=UTC))
    async with backend.new_uow() as uow:
        total = await uow.meetings.revenue_groups(owner.id, period, None)
        by_client = await uow.meetings.revenue_groups(owner.id, period, ReportGrouping.CLIENT)
        by_month = await uow.meetings.revenue_groups(owner.id, period, ReportGrouping.MONTH)
        empty = await uow.meetings.revenue_groups(
            owner.id,
            Period(datetime(2020, 1, 1, tzinfo=UTC), datetime(2020, 2, 1, tzinfo=UTC)),
            ReportGrouping.CLIENT,
        )
        nothing = await uow.meetings.revenue_groups(
            stranger.id, Period(T0, T0 + timedelta(days=1)), None
        )
    grand = RevenueTotals(Decimal("1000000000.30"), 60 + 60 + 30 + 15, 4)
    assert _by_key(total) == {None: ("", grand)}
    assert _by_key(by_client) == {
        str(acme.id): ("Acme", RevenueTotals(Decimal("0.30"), 120, 2)),
        str(globex.id): ("Globex", RevenueTotals(Decimal("999999999.99"), 30, 1)),
        None: ("No client", RevenueTotals(Decimal("0.01"), 15, 1)),
    }
    assert _by_key(by_month) == {
        "2024-01": ("2024-01", RevenueTotals(Decimal("0.30"), 120, 2)),
        "2024-02": ("2024-02", RevenueTotals(Decimal("1000000000.00"), 45, 2)),
    }
    assert RevenueTotals.sum(g.totals for g in by_client) == grand
    assert RevenueTotals.sum(g.totals for g in by_month) == grand
    assert empty == []
    assert nothing == []
