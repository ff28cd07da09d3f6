"""Meetings, through the use cases on the in-memory adapters."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal
from uuid import UUID

import pytest

from application.meetings import ScheduleMeetingCommand, UpdateMeetingCommand
from application.patch import UNSET
from domain.errors import (
    ClientNotFound,
    InvalidInput,
    InvalidMeeting,
    InvalidPeriod,
    InvalidRevenue,
    InvalidTimestamp,
    MeetingNotFound,
)
from domain.pagination import PageRequest
from domain.queries import MeetingFilter, MeetingQuery, MeetingSort

from .harness import Harness

OWNER = UUID(int=20_001)
STRANGER = UUID(int=20_002)
T0 = datetime(2026, 1, 15, 10, 0, tzinfo=UTC)


def schedule(**fields: object) -> ScheduleMeetingCommand:
    values: dict[str, object] = {"owner_id": OWNER, "starts_at": T0, "duration_minutes": 60}
    values.update(fields)
    return ScheduleMeetingCommand(**values)  # type: ignore[arg-type]


async def test_schedule_a_meeting_with_a_client(h: Harness) -> None:
    client = await h.client(OWNER, "Acme")
    view = await h.schedule_meeting.execute(
        schedule(client_id=client.id, revenue="1250.5", notes="  kick-off  ")
    )
    assert view.client_id == client.id
    assert view.starts_at == T0
    assert view.revenue == Decimal("1250.50")
    assert str(view.revenue) == "1250.50"
    assert view.notes == "kick-off"
    assert view.created_at == view.updated_at == h.clock.now()
    assert (await h.get_meeting.execute(OWNER, view.id)).view == view


async def test_revenue_defaults_to_zero_and_notes_may_be_absent(h: Harness) -> None:
    view = await h.schedule_meeting.execute(schedule())
    assert view.revenue == Decimal("0.00")
    assert str(view.revenue) == "0.00"
    assert view.client_id is None
    assert view.notes is None


@pytest.mark.parametrize("minutes", [1, 1440])
async def test_durations_from_1_to_1440_minutes(h: Harness, minutes: int) -> None:
    assert (await h.schedule_meeting.execute(schedule(duration_minutes=minutes))).duration_minutes


@pytest.mark.parametrize("minutes", [0, -1, 1441, True, 1.5, "60"])
async def test_other_durations_are_refused(h: Harness, minutes: object) -> None:
    with pytest.raises(InvalidMeeting) as caught:
        await h.schedule_meeting.execute(schedule(duration_minutes=minutes))
    assert caught.value.field == "duration_minutes"
    assert h.committed_meetings == 0


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (0, "0.00"),
        (1250, "1250.00"),
        ("1250", "1250.00"),
        ("99.9", "99.90"),
        ("0.01", "0.01"),
        (Decimal("12.34"), "12.34"),
        (Decimal("12.340"), "12.34"),
        ("1000000000", "1000000000.00"),
        (Decimal("1E+3"), "1000.00"),
        (Decimal("-0"), "0.00"),
    ],
)
async def test_accepted_revenues(h: Harness, raw: object, expected: str) -> None:
    view = await h.schedule_meeting.execute(schedule(revenue=raw))
    assert str(view.revenue) == expected


@pytest.mark.parametrize(
    "raw",
    [
        -1,
        "-0.01",
        "1000000000.01",
        "1e10",
        "0.001",
        Decimal("1.005"),
        "abc",
        "",
        "1,5",
        "1_000",
        " 1 ",
        "1e3",
        "NaN",
        "Infinity",
        "-Infinity",
        True,
    ],
)
async def test_refused_revenues(h: Harness, raw: object) -> None:
    with pytest.raises(InvalidRevenue) as caught:
        await h.schedule_meeting.execute(schedule(revenue=raw))
    assert caught.value.code == "invalid_revenue"
    assert h.committed_meetings == 0


async def test_notes_are_limited_to_5000_characters(h: Harness) -> None:
    with pytest.raises(InvalidInput) as caught:
        await h.schedule_meeting.execute(schedule(notes="n" * 5001))
    assert caught.value.field == "notes"
    assert (await h.schedule_meeting.execute(schedule(notes="n" * 5000))).notes == "n" * 5000


async def test_naive_datetimes_are_refused(h: Harness) -> None:
    with pytest.raises(InvalidTimestamp) as caught:
        await h.schedule_meeting.execute(schedule(starts_at=datetime(2026, 1, 15, 10, 0)))
    assert caught.value.field == "starts_at"
    assert h.committed_meetings == 0


async def test_offsets_are_normalised_to_utc(h: Harness) -> None:
    paris = datetime(2026, 1, 15, 11, 0, tzinfo=timezone(timedelta(hours=1)))
    view = await h.schedule_meeting.execute(schedule(starts_at=paris))
    assert view.starts_at == T0
    assert view.starts_at.utcoffset() == timedelta(0)
    assert view.starts_at.tzinfo is UTC


async def test_a_meeting_may_only_reference_the_owners_client(h: Harness) -> None:
    theirs = await h.client(STRANGER, "Theirs")
    with pytest.raises(ClientNotFound):
        await h.schedule_meeting.execute(schedule(client_id=theirs.id))
    with pytest.raises(ClientNotFound):
        await h.schedule_meeting.execute(schedule(client_id=UUID(int=404)))
    assert h.committed_meetings == 0


# -- update -------------------------------------------------------------------------------


async def test_update_changes_only_the_given_fields(h: Harness) -> None:
    acme = await h.client(OWNER, "Acme")
    created = await h.schedule_meeting.execute(schedule(revenue="10", notes="first"))
    h.clock.advance(hours=2)

    updated = (
        await h.update_meeting.execute(
            UpdateMeetingCommand(
                OWNER,
                created.id,
                client_id=acme.id,
                starts_at=T0.astimezone(timezone(timedelta(hours=-5))) + timedelta(days=1),
                duration_minutes=90,
                revenue="20.5",
            )
        )
    ).view
    assert updated.client_id == acme.id
    assert updated.starts_at == T0 + timedelta(days=1)
    assert updated.starts_at.tzinfo is UTC
    assert (updated.duration_minutes, updated.revenue, updated.notes) == (
        90,
        Decimal("20.50"),
        "first",
    )
    assert updated.updated_at == h.clock.now()
    assert updated.created_at == created.created_at
    assert (await h.get_meeting.execute(OWNER, created.id)).view == updated

    unassigned = (
        await h.update_meeting.execute(
            UpdateMeetingCommand(OWNER, created.id, client_id=None, notes=None, revenue=UNSET)
        )
    ).view
    assert (unassigned.client_id, unassigned.notes, unassigned.revenue) == (
        None,
        None,
        Decimal("20.50"),
    )


async def test_update_refuses_another_owners_client_and_keeps_the_meeting(h: Harness) -> None:
    mine = await h.client(OWNER, "Mine")
    theirs = await h.client(STRANGER, "Theirs")
    created = await h.schedule_meeting.execute(schedule(client_id=mine.id))
    with pytest.raises(ClientNotFound):
        await h.update_meeting.execute(
            UpdateMeetingCommand(OWNER, created.id, client_id=theirs.id, duration_minutes=30)
        )
    assert (await h.get_meeting.execute(OWNER, created.id)).view == created


@pytest.mark.parametrize(
    "change",
    [
        {"duration_minutes": 0},
        {"revenue": "-1"},
        {"starts_at": datetime(2026, 1, 1)},
        {"notes": "n" * 5001},
    ],
)
async def test_update_refuses_invalid_values_and_stores_nothing(
    h: Harness, change: dict[str, object]
) -> None:
    created = await h.schedule_meeting.execute(schedule())
    with pytest.raises(InvalidInput):
        await h.update_meeting.execute(
            UpdateMeetingCommand(OWNER, created.id, **{"duration_minutes": 45, **change})  # type: ignore[arg-type]
        )
    assert (await h.get_meeting.execute(OWNER, created.id)).view == created


async def test_another_owners_meeting_does_not_exist_for_you(h: Harness) -> None:
    theirs = await h.meeting(STRANGER)
    with pytest.raises(MeetingNotFound):
        await h.get_meeting.execute(OWNER, theirs.id)
    with pytest.raises(MeetingNotFound):
        await h.update_meeting.execute(UpdateMeetingCommand(OWNER, theirs.id, notes="mine"))
    with pytest.raises(MeetingNotFound) as caught:
        await h.delete_meeting.execute(OWNER, theirs.id)
    assert caught.value.code == "meeting_not_found"
    assert (await h.get_meeting.execute(STRANGER, theirs.id)).view == theirs


async def test_delete_a_meeting(h: Harness) -> None:
    created = await h.meeting(OWNER)
    await h.delete_meeting.execute(OWNER, created.id)
    assert h.committed_meetings == 0
    with pytest.raises(MeetingNotFound):
        await h.get_meeting.execute(OWNER, created.id)
    with pytest.raises(MeetingNotFound):
        await h.delete_meeting.execute(OWNER, created.id)


# -- listing ------------------------------------------------------------------------------


async def _starts(
    h: Harness, *, sort: MeetingSort = MeetingSort.STARTS_AT_DESC, **f: object
) -> list[int]:
    page = await h.list_meetings.execute(
        MeetingQuery(MeetingFilter(OWNER, **f), PageRequest(limit=100), sort)  # type: ignore[arg-type]
    )
    return [m.starts_at.day for m in page.items]


async def test_list_filters_by_period_and_client_and_sorts(h: Harness) -> None:
    acme = await h.client(OWNER, "Acme")
    for day in (3, 1, 4, 2, 5):
        await h.meeting(
            OWNER, starts_at=T0.replace(day=day), client_id=acme.id if day % 2 else None
        )
    await h.meeting(STRANGER, starts_at=T0.replace(day=3))

    assert await _starts(h) == [5, 4, 3, 2, 1]
    assert await _starts(h, sort=MeetingSort.STARTS_AT) == [1, 2, 3, 4, 5]
    assert await _starts(h, client_id=acme.id) == [5, 3, 1]
    # [from, to): a meeting exactly at "from" is in, one exactly at "to" is out
    assert await _starts(h, starts_from=T0.replace(day=2), starts_before=T0.replace(day=4)) == [
        3,
        2,
    ]
    assert await _starts(h, starts_from=T0.replace(day=4)) == [5, 4]
    assert await _starts(h, starts_before=T0.replace(day=2)) == [1]


async def test_list_pages_with_total(h: Harness) -> None:
    for day in range(1, 8):
        await h.meeting(OWNER, starts_at=T0.replace(day=day))
    page = await h.list_meetings.execute(
        MeetingQuery(MeetingFilter(OWNER), PageRequest(limit=3, offset=3), MeetingSort.STARTS_AT)
    )
    assert [m.starts_at.day for m in page.items] == [4, 5, 6]
    assert (page.total, page.limit, page.offset) == (7, 3, 3)


def test_filters_refuse_naive_bounds_and_empty_periods() -> None:
    with pytest.raises(InvalidTimestamp):
        MeetingFilter(OWNER, starts_from=datetime(2026, 1, 1))
    with pytest.raises(InvalidPeriod):
        MeetingFilter(OWNER, starts_from=T0, starts_before=T0)
    shifted = MeetingFilter(OWNER, starts_from=T0.astimezone(timezone(timedelta(hours=9))))
    assert shifted.starts_from == T0
    assert shifted.starts_from is not None
    assert shifted.starts_from.tzinfo is UTC


@pytest.mark.parametrize(
    "moment",
    [
        datetime(9999, 12, 31, 23, 0, tzinfo=timezone(timedelta(hours=-5))),
        datetime(1, 1, 1, 0, 0, tzinfo=timezone(timedelta(hours=5))),
    ],
)
async def test_instants_with_no_utc_equivalent_are_refused_not_crashed(
    h: Harness, moment: datetime
) -> None:
    with pytest.raises(InvalidTimestamp) as caught:
        await h.schedule_meeting.execute(schedule(starts_at=moment))
    assert caught.value.field == "starts_at"
    with pytest.raises(InvalidTimestamp):
        MeetingFilter(OWNER, starts_before=moment)
