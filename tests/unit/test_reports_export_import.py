"""The revenue report, the CSV export and the bulk client import."""

from __future__ import annotations

import csv
import io
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal
from uuid import UUID

import pytest

from application.clients import ClientDraft, ContactDraft, ImportClientsCommand
from application.meetings import EXPORT_HEADER, EXPORT_PAGE_ROWS, RevenueReportQuery
from application.views import RevenueReportView
from domain.errors import InvalidPeriod, InvalidTimestamp, TooManyInFlight
from domain.queries import MeetingFilter, Period
from domain.reports import NO_CLIENT_LABEL, ReportGrouping, RevenueTotals

from .harness import Harness

OWNER = UUID(int=30_001)
STRANGER = UUID(int=30_002)
JAN = datetime(2026, 1, 1, tzinfo=UTC)
FEB = datetime(2026, 2, 1, tzinfo=UTC)
MAR = datetime(2026, 3, 1, tzinfo=UTC)


async def report(
    h: Harness, start: datetime, end: datetime, grouping: ReportGrouping | None = None
) -> RevenueReportView:
    return await h.revenue_report.execute(RevenueReportQuery(OWNER, Period(start, end), grouping))


# -- revenue report ---------------------------------------------------------------------------


async def test_the_period_is_half_open(h: Harness) -> None:
    await h.meeting(OWNER, starts_at=JAN, minutes=30, revenue="10")  # exactly at "from": in
    await h.meeting(OWNER, starts_at=FEB - timedelta(microseconds=1), minutes=45, revenue="20")
    await h.meeting(OWNER, starts_at=FEB, minutes=60, revenue="40")  # exactly at "to": out
    await h.meeting(OWNER, starts_at=JAN - timedelta(seconds=1), revenue="80")  # before: out
    await h.meeting(STRANGER, starts_at=JAN, revenue="160")  # someone else's: out

    view = await report(h, JAN, FEB)

    assert view.total == RevenueTotals(Decimal("30.00"), 75, 2)
    assert view.groups == []
    assert view.grouping is None
    assert view.period == Period(JAN, FEB)


async def test_an_empty_period_reports_zeroes(h: Harness) -> None:
    view = await report(h, JAN, FEB, ReportGrouping.CLIENT)
    assert view.total == RevenueTotals(Decimal("0.00"), 0, 0)
    assert list(view.groups) == []


async def test_by_client_with_a_no_client_group(h: Harness) -> None:
    acme = await h.client(OWNER, "Acme")
    bobs = await h.client(OWNER, "Bob's")
    await h.meeting(OWNER, starts_at=JAN, client_id=acme.id, revenue="100", minutes=60)
    await h.meeting(OWNER, starts_at=JAN, client_id=acme.id, revenue="50.25", minutes=30)
    await h.meeting(OWNER, starts_at=JAN, client_id=bobs.id, revenue="500", minutes=90)
    await h.meeting(OWNER, starts_at=JAN, revenue="1.50", minutes=15)
    await h.meeting(OWNER, starts_at=JAN, revenue="0", minutes=15)

    view = await report(h, JAN, FEB, ReportGrouping.CLIENT)

    rows = [(g.key, g.label, g.totals) for g in view.groups]
    assert rows == [
        (str(bobs.id), "Bob's", RevenueTotals(Decimal("500.00"), 90, 1)),
        (str(acme.id), "Acme", RevenueTotals(Decimal("150.25"), 90, 2)),
        (None, NO_CLIENT_LABEL, RevenueTotals(Decimal("1.50"), 30, 2)),
    ]
    assert view.total == RevenueTotals(Decimal("651.75"), 210, 5)
    assert view.total == RevenueTotals.sum(g.totals for g in view.groups)


async def test_meetings_of_a_deleted_client_fall_into_no_client(h: Harness) -> None:
    gone = await h.client(OWNER, "Gone")
    await h.meeting(OWNER, starts_at=JAN, client_id=gone.id, revenue="70")
    await h.meeting(OWNER, starts_at=JAN, revenue="30")
    await h.delete_client.execute(OWNER, gone.id)

    view = await report(h, JAN, FEB, ReportGrouping.CLIENT)

    assert [(g.key, g.label, g.totals.revenue, g.totals.meetings) for g in view.groups] == [
        (None, "No client", Decimal("100.00"), 2)
    ]


async def test_by_utc_calendar_month(h: Harness) -> None:
    # 23:30 at UTC-02:00 on 31 January is 01:30 UTC on 1 February: a February meeting.
    late = datetime(2026, 1, 31, 23, 30, tzinfo=timezone(timedelta(hours=-2)))
    await h.meeting(OWNER, starts_at=late, revenue="10", minutes=10)
    # 00:30 at UTC+02:00 on 1 February is 22:30 UTC on 31 January: a January meeting.
    early = datetime(2026, 2, 1, 0, 30, tzinfo=timezone(timedelta(hours=2)))
    await h.meeting(OWNER, starts_at=early, revenue="20", minutes=20)
    await h.meeting(OWNER, starts_at=MAR + timedelta(days=3), revenue="40", minutes=40)
    await h.meeting(OWNER, starts_at=JAN, revenue="80", minutes=80)

    view = await report(h, JAN, MAR + timedelta(days=31), ReportGrouping.MONTH)

    assert [(g.key, g.label, g.totals) for g in view.groups] == [
        ("2026-01", "2026-01", RevenueTotals(Decimal("100.00"), 100, 2)),
        ("2026-02", "2026-02", RevenueTotals(Decimal("10.00"), 10, 1)),
        ("2026-03", "2026-03", RevenueTotals(Decimal("40.00"), 40, 1)),
    ]
    assert view.total == RevenueTotals(Decimal("150.00"), 150, 4)


def test_a_period_must_be_aware_and_start_before_it_ends() -> None:
    with pytest.raises(InvalidPeriod):
        Period(FEB, JAN)
    with pytest.raises(InvalidPeriod):
        Period(JAN, JAN)
    with pytest.raises(InvalidTimestamp):
        Period(datetime(2026, 1, 1), FEB)
    shifted = Period(JAN.astimezone(timezone(timedelta(hours=5))), FEB)
    assert shifted.start == JAN
    assert shifted.start.tzinfo is UTC


# -- CSV export ---------------------------------------------------------------------------------


async def export_text(h: Harness, meeting_filter: MeetingFilter) -> str:
    chunks = [chunk async for chunk in h.export_meetings.execute(meeting_filter)]
    return "".join(chunks)


async def test_export_writes_a_header_and_one_row_per_meeting_oldest_first(h: Harness) -> None:
    acme = await h.client(OWNER, "Acme")
    late = await h.meeting(OWNER, starts_at=FEB, client_id=acme.id, revenue="1250", minutes=90)
    early = await h.meeting(OWNER, starts_at=JAN, revenue="0.5", minutes=30, notes="intro")
    await h.meeting(STRANGER, starts_at=JAN)

    text = await export_text(h, MeetingFilter(OWNER))

    rows = list(csv.reader(io.StringIO(text, newline="")))
    assert rows[0] == list(EXPORT_HEADER)
    assert rows[0] == [
        "id",
        "client_id",
        "client_name",
        "starts_at",
        "duration_minutes",
        "revenue",
        "notes",
    ]
    assert rows[1:] == [
        [str(early.id), "", "", "2026-01-01T00:00:00Z", "30", "0.50", "intro"],
        [str(late.id), str(acme.id), "Acme", "2026-02-01T00:00:00Z", "90", "1250.00", ""],
    ]
    assert text.endswith("\r\n")
    text.encode("utf-8")  # plain text, encodable as UTF-8


async def test_export_applies_the_filters(h: Harness) -> None:
    acme = await h.client(OWNER, "Acme")
    await h.meeting(OWNER, starts_at=JAN, client_id=acme.id)
    await h.meeting(OWNER, starts_at=FEB, client_id=acme.id)
    await h.meeting(OWNER, starts_at=JAN)

    text = await export_text(h, MeetingFilter(OWNER, client_id=acme.id, starts_before=FEB))

    rows = list(csv.reader(io.StringIO(text, newline="")))
    assert len(rows) == 2
    assert rows[1][1:4] == [str(acme.id), "Acme", "2026-01-01T00:00:00Z"]


async def test_export_with_nothing_to_export_is_just_the_header(h: Harness) -> None:
    assert await export_text(h, MeetingFilter(OWNER)) == ",".join(EXPORT_HEADER) + "\r\n"


async def test_export_quotes_commas_quotes_newlines_and_keeps_unicode(h: Harness) -> None:
    client = await h.client(OWNER, 'Müller, "Das Büro"')
    notes = 'line one\nline "two", with comma — ✓'
    await h.meeting(OWNER, starts_at=JAN, client_id=client.id, notes=notes)

    text = await export_text(h, MeetingFilter(OWNER))

    assert '"Müller, ""Das Büro"""' in text
    rows = list(csv.reader(io.StringIO(text, newline="")))
    assert len(rows) == 2
    assert rows[1][2] == 'Müller, "Das Büro"'
    assert rows[1][6] == notes


@pytest.mark.parametrize("dangerous", ["=SUM(A1:A9)", "+1+1", "-2+3", "@cmd", '=HYPERLINK("x")'])
async def test_export_neutralises_spreadsheet_formulas(h: Harness, dangerous: str) -> None:
    client = await h.client(OWNER, dangerous)
    await h.meeting(OWNER, starts_at=JAN, client_id=client.id, notes=dangerous)

    rows = list(csv.reader(io.StringIO(await export_text(h, MeetingFilter(OWNER)), newline="")))

    assert rows[1][2] == "'" + dangerous
    assert rows[1][6] == "'" + dangerous


async def test_export_leaves_harmless_text_alone(h: Harness) -> None:
    client = await h.client(OWNER, "Plain 'quoted' name")
    await h.meeting(OWNER, starts_at=JAN, client_id=client.id, notes="a-b = c")
    rows = list(csv.reader(io.StringIO(await export_text(h, MeetingFilter(OWNER)), newline="")))
    assert rows[1][2] == "Plain 'quoted' name"
    assert rows[1][6] == "a-b = c"


# -- import -------------------------------------------------------------------------------------


def drafts() -> list[ClientDraft]:
    return [
        ClientDraft(2, "Acme", "Acme Inc", contacts=(ContactDraft("email", "a@acme.example"),)),
        ClientDraft(3, "   "),  # no name
        ClientDraft(4, "Bob", contacts=(ContactDraft("phone", "12"),)),  # bad phone
        ClientDraft(5, "ACME"),  # duplicate of line 2 in the file
        ClientDraft(6, "Existing Co"),  # already in the book
        ClientDraft(7, "Carol", notes="fine"),
    ]


async def test_import_keeps_good_rows_and_reports_bad_ones_with_line_numbers(h: Harness) -> None:
    await h.client(OWNER, "existing co")
    commits_before = h.store.commits

    result = await h.import_clients.execute(ImportClientsCommand(OWNER, drafts()))

    assert result.imported == 2
    assert result.dry_run is False
    assert [r.line for r in result.rejected] == [3, 4, 5, 6]
    reasons = {r.line: r.reason for r in result.rejected}
    assert reasons[3].startswith("name:")
    assert "contacts.0.value" in reasons[4]
    assert "duplicate" in reasons[5]
    assert "already exists" in reasons[6]
    names = sorted(c.name for c in h.store.tables.clients.values() if c.owner_id == OWNER)
    assert names == ["Acme", "Carol", "existing co"]
    acme = next(c for c in h.store.tables.clients.values() if c.name == "Acme")
    assert [c.value for c in acme.contacts] == ["a@acme.example"]
    assert h.store.commits == commits_before + 1  # every good row in one commit


async def test_a_dry_run_checks_everything_and_stores_nothing(h: Harness) -> None:
    await h.client(OWNER, "existing co")
    before = dict(h.store.tables.clients)
    commits_before = h.store.commits

    result = await h.import_clients.execute(ImportClientsCommand(OWNER, drafts(), dry_run=True))

    assert (result.imported, result.dry_run) == (2, True)
    assert [r.line for r in result.rejected] == [3, 4, 5, 6]
    assert h.store.tables.clients == before
    assert h.store.commits == commits_before


async def test_import_accepts_a_stream_and_writes_in_batches(h: Harness) -> None:
    async def stream() -> AsyncIterator[ClientDraft]:
        for n in range(7):
            yield ClientDraft(n + 2, f"Client {n}")
        yield ClientDraft(9, "client 0")  # a duplicate of a row in an earlier batch

    result = await h.import_clients.execute(ImportClientsCommand(OWNER, stream(), batch_size=3))

    assert result.imported == 7
    assert [(r.line, "duplicate" in r.reason) for r in result.rejected] == [(9, True)]
    assert h.committed_clients == 7
    assert h.store.commits == 1


async def test_import_only_touches_the_owners_book(h: Harness) -> None:
    await h.client(STRANGER, "Acme")
    result = await h.import_clients.execute(ImportClientsCommand(OWNER, [ClientDraft(2, "acme")]))
    assert (result.imported, result.rejected) == (1, [])
    assert h.committed_clients == 2


async def test_import_rejects_a_row_with_too_many_contacts(h: Harness) -> None:
    crowded = tuple(ContactDraft("phone", f"+1 555 {n:07d}") for n in range(51))
    result = await h.import_clients.execute(
        ImportClientsCommand(
            OWNER, [ClientDraft(2, "Crowded", contacts=crowded), ClientDraft(3, "Ok")]
        )
    )
    assert result.imported == 1
    assert [(r.line, "50" in r.reason) for r in result.rejected] == [(2, True)]
    assert [c.name for c in h.store.tables.clients.values()] == ["Ok"]


# -- long requests in flight -----------------------------------------------------------------

OTHER = UUID(int=30_002)


async def test_an_export_reads_page_by_page_and_rows_stay_in_order(h: Harness) -> None:
    starts = [datetime(2026, 1, 1, tzinfo=UTC) + timedelta(minutes=i) for i in range(1201)]
    for starts_at in starts:
        await h.meeting(OWNER, starts_at=starts_at)
    assert len(starts) > EXPORT_PAGE_ROWS
    rows = list(csv.reader(io.StringIO(await export_text(h, MeetingFilter(OWNER)), newline="")))
    assert [datetime.fromisoformat(row[3]) for row in rows[1:]] == starts


async def test_an_export_yields_the_header_then_one_counted_chunk_per_page(h: Harness) -> None:
    starts = [datetime(2026, 1, 1, tzinfo=UTC) + timedelta(minutes=i) for i in range(1201)]
    for starts_at in starts:
        await h.meeting(OWNER, starts_at=starts_at, notes="two\r\nlines")
    chunks = [chunk async for chunk in h.export_meetings.execute(MeetingFilter(OWNER))]
    assert [chunk.rows for chunk in chunks] == [0, EXPORT_PAGE_ROWS, EXPORT_PAGE_ROWS, 201]
    assert chunks[0] == ",".join(EXPORT_HEADER) + "\r\n"
    for chunk in chunks[1:]:  # each chunk holds whole records, however many lines they span
        assert len(list(csv.reader(io.StringIO(chunk, newline="")))) == chunk.rows


async def test_an_owner_has_a_bounded_number_of_exports_and_reports_running(h: Harness) -> None:
    await h.meeting(OWNER)
    period = Period(datetime(2000, 1, 1, tzinfo=UTC), datetime(2100, 1, 1, tzinfo=UTC))
    first = h.export_meetings.execute(MeetingFilter(OWNER))
    second = h.export_meetings.execute(MeetingFilter(OWNER))
    await anext(first)  # two exports running: the harness allows two
    await anext(second)

    with pytest.raises(TooManyInFlight) as refused:
        await anext(h.export_meetings.execute(MeetingFilter(OWNER)))
    assert refused.value.retry_after_seconds == 1
    with pytest.raises(TooManyInFlight):
        await h.revenue_report.execute(RevenueReportQuery(OWNER, period))
    # Someone else is not affected.
    assert await export_text(h, MeetingFilter(OTHER)) == ",".join(EXPORT_HEADER) + "\r\n"

    await first.aclose()  # a download cut short gives its slot back
    assert (await h.revenue_report.execute(RevenueReportQuery(OWNER, period))).total.meetings == 1
    assert [line async for line in second][-1].count(",") == len(EXPORT_HEADER) - 1
    assert h.long_requests.in_flight(str(OWNER)) == 0
