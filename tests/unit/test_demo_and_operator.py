"""The operator's use cases: the demo book and the account listing."""

from __future__ import annotations

from datetime import timedelta
from uuid import UUID

from application.demo import FillDemoBook, FillDemoBookCommand
from application.meetings import RevenueReportQuery
from application.operator import ListAccounts
from domain.pagination import PageRequest
from domain.queries import Period
from domain.reports import ReportGrouping

from .harness import Harness

OWNER = UUID(int=50_001)


async def test_the_demo_book_is_realistic_and_valid(h: Harness) -> None:
    result = await FillDemoBook(h.units, h.ids, h.clock).execute(
        FillDemoBookCommand(OWNER, seed=7, clients=12)
    )

    assert (result.clients_added, result.clients_skipped) == (12, 0)
    clients = [c for c in h.store.tables.clients.values() if c.owner_id == OWNER]
    meetings = [m for m in h.store.tables.meetings.values() if m.owner_id == OWNER]
    assert len(clients) == 12
    assert len(meetings) == result.meetings_added > 12
    assert len({c.name_key for c in clients}) == 12
    assert all(c.contacts for c in clients)
    assert any(m.client_id is None for m in meetings)
    now = h.clock.now()
    assert all(now - timedelta(days=366) <= m.starts_at < now for m in meetings)
    assert all(m.starts_at.weekday() < 5 for m in meetings)
    assert h.store.commits == 1

    report = await h.revenue_report.execute(
        RevenueReportQuery(OWNER, Period(now - timedelta(days=400), now), ReportGrouping.CLIENT)
    )
    assert report.total.meetings == len(meetings)


async def test_the_same_seed_gives_the_same_book(h: Harness) -> None:
    other = Harness()
    for world in (h, other):
        await FillDemoBook(world.units, world.ids, world.clock).execute(
            FillDemoBookCommand(OWNER, seed=3, clients=8)
        )

    def shape(world: Harness) -> list[tuple[str, int]]:
        return sorted((c.name, len(c.contacts)) for c in world.store.tables.clients.values())

    assert shape(h) == shape(other)
    assert sorted(m.revenue for m in h.store.tables.meetings.values()) == sorted(
        m.revenue for m in other.store.tables.meetings.values()
    )


async def test_filling_twice_adds_nothing(h: Harness) -> None:
    fill = FillDemoBook(h.units, h.ids, h.clock)
    await fill.execute(FillDemoBookCommand(OWNER, seed=1, clients=5))
    before = (len(h.store.tables.clients), len(h.store.tables.meetings), h.store.commits)

    again = await fill.execute(FillDemoBookCommand(OWNER, seed=1, clients=5))

    assert (again.clients_added, again.clients_skipped, again.meetings_added) == (0, 5, 0)
    assert (len(h.store.tables.clients), len(h.store.tables.meetings), h.store.commits) == before


async def test_demo_clients_go_to_the_given_owner_only(h: Harness) -> None:
    other = UUID(int=50_002)
    await FillDemoBook(h.units, h.ids, h.clock).execute(FillDemoBookCommand(other, clients=3))
    result = await FillDemoBook(h.units, h.ids, h.clock).execute(
        FillDemoBookCommand(OWNER, clients=3)
    )
    assert result.clients_added == 3  # the other owner's identical names do not count
    assert len(h.store.tables.clients) == 6


async def test_a_demo_book_of_no_clients_writes_nothing(h: Harness) -> None:
    result = await FillDemoBook(h.units, h.ids, h.clock).execute(
        FillDemoBookCommand(OWNER, clients=0)
    )
    assert (result.clients_added, result.meetings_added) == (0, 0)
    assert h.store.commits == 0


async def test_list_accounts_needs_no_admin_and_pages(h: Harness) -> None:
    for n in range(3):
        h.clock.advance(seconds=1)
        await h.user(f"user{n}@example.com")

    page = await ListAccounts(h.units).execute(PageRequest(limit=2))

    assert page.total == 3
    assert [u.email for u in page.items] == ["user0@example.com", "user1@example.com"]
