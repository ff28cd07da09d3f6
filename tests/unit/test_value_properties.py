"""Value objects and report arithmetic, checked on generated input (hypothesis)."""

from __future__ import annotations

import asyncio
import string
from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from application.meetings import RevenueReportQuery
from domain.errors import InvalidContact, InvalidEmail, InvalidInput, InvalidRevenue
from domain.queries import Period
from domain.reports import ReportGrouping, RevenueTotals
from domain.values import (
    ClientName,
    ContactKind,
    EmailAddress,
    PlainPassword,
    name_key,
    parse_contact_value,
    parse_revenue,
)

from .harness import Harness

FAST = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])

cents = st.decimals(
    min_value=Decimal("0"),
    max_value=Decimal("1000000000"),
    places=2,
    allow_nan=False,
    allow_infinity=False,
)


@given(cents)
def test_revenue_round_trips_through_its_text(amount: Decimal) -> None:
    parsed = parse_revenue(str(amount))
    assert parsed == amount
    assert parse_revenue(parsed) == parsed
    assert parse_revenue(f"{parsed:.2f}") == parsed
    assert parsed.as_tuple().exponent == -2


@given(st.integers(min_value=0, max_value=1_000_000_000))
def test_whole_revenues_are_accepted_as_ints_and_strings(amount: int) -> None:
    assert parse_revenue(amount) == parse_revenue(str(amount)) == Decimal(amount)


@given(st.decimals(allow_nan=True, allow_infinity=True))
def test_revenue_is_accepted_exactly_when_the_rules_allow(amount: Decimal) -> None:
    allowed = (
        amount.is_finite()
        and Decimal(0) <= amount <= Decimal("1000000000")
        and amount == amount.quantize(Decimal("0.01"))
    )
    if allowed:
        assert parse_revenue(amount) == amount
    else:
        with pytest.raises(InvalidRevenue):
            parse_revenue(amount)


@given(st.one_of(st.emails(), st.text(max_size=80)), st.sampled_from(["", " ", "\t", "  "]))
def test_email_normalisation_is_idempotent(raw: str, padding: str) -> None:
    try:
        email = EmailAddress.parse(padding + raw.upper() + padding)
    except InvalidEmail:
        return
    assert email.value == email.value.strip().lower()
    assert len(email.value) <= 254
    assert EmailAddress.parse(email.value) == email


@given(st.text(max_size=60))
def test_name_key_is_idempotent_casefolding(name: str) -> None:
    key = name_key(name)
    assert name_key(key) == key
    assert key == name.strip().casefold()


@given(st.text(alphabet=string.ascii_letters + " ", min_size=1, max_size=40))
def test_ascii_names_are_equal_keys_in_any_case(name: str) -> None:
    try:
        parsed = ClientName.parse(name)
    except InvalidInput:
        assert not name.strip()
        return
    assert ClientName.parse(name.upper()).key == ClientName.parse(name.lower()).key == parsed.key


@given(st.text(max_size=100))
def test_passwords_are_checked_by_utf8_bytes(password: str) -> None:
    size = len(password.encode("utf-8"))
    if 8 <= size <= 72:
        assert PlainPassword(password).value == password
    else:
        with pytest.raises(InvalidInput):
            PlainPassword(password)


def test_a_password_never_shows_in_its_repr() -> None:
    assert "hunter22" not in repr(PlainPassword("hunter22"))


@given(
    st.booleans(),
    st.lists(st.sampled_from([*"0123456789", " ", "-", ".", "(", ")"]), max_size=25),
)
def test_phone_numbers_count_their_digits(plus: bool, chars: list[str]) -> None:
    raw = ("+" if plus else "") + "".join(chars)
    digits = sum(ch.isdigit() for ch in raw)
    if 7 <= digits <= 15:
        assert parse_contact_value(ContactKind.PHONE, raw) == raw.strip()
    else:
        with pytest.raises(InvalidContact):
            parse_contact_value(ContactKind.PHONE, raw)


@given(st.text(alphabet="٠١٢٣٤٥٦٧٨٩²³", min_size=7, max_size=15))
def test_only_ascii_digits_make_a_phone_number(raw: str) -> None:
    with pytest.raises(InvalidContact):
        parse_contact_value(ContactKind.PHONE, raw)


# -- the report always adds up -----------------------------------------------------------

START = datetime(2026, 1, 1, tzinfo=UTC)
meetings = st.lists(
    st.tuples(
        st.one_of(st.none(), st.integers(min_value=0, max_value=3)),  # which client, if any
        st.integers(min_value=-30 * 24, max_value=120 * 24),  # hours after START
        st.integers(min_value=1, max_value=1440),  # minutes
        cents.filter(lambda d: d < 10_000),
    ),
    max_size=25,
)


@FAST
@given(meetings, st.integers(min_value=0, max_value=60), st.integers(min_value=1, max_value=90))
def test_report_groups_always_add_up_to_the_total(
    rows: list[tuple[int | None, int, int, Decimal]], from_day: int, length_days: int
) -> None:
    asyncio.run(_check_report(rows, from_day, length_days))


async def _check_report(
    rows: list[tuple[int | None, int, int, Decimal]], from_day: int, length_days: int
) -> None:
    h = Harness()
    owner = (await h.user()).id
    clients = [(await h.client(owner, f"Client {n}")).id for n in range(4)]
    for client, hours, minutes, revenue in rows:
        await h.meeting(
            owner,
            starts_at=START + timedelta(hours=hours),
            minutes=minutes,
            revenue=str(revenue),
            client_id=None if client is None else clients[client],
        )
    period = Period(
        START + timedelta(days=from_day), START + timedelta(days=from_day + length_days)
    )
    inside = [r for r in rows if period.start <= START + timedelta(hours=r[1]) < period.end]
    expected = RevenueTotals(
        sum((r[3] for r in inside), Decimal("0.00")), sum(r[2] for r in inside), len(inside)
    )

    for grouping in (None, ReportGrouping.CLIENT, ReportGrouping.MONTH):
        view = await h.revenue_report.execute(RevenueReportQuery(owner, period, grouping))
        assert view.total == expected
        if grouping is None:
            assert list(view.groups) == []
        else:
            assert RevenueTotals.sum(g.totals for g in view.groups) == expected
            assert all(g.totals.meetings > 0 for g in view.groups)
            assert len({g.key for g in view.groups}) == len(view.groups)


# -- text every storage keeps, instants every storage keeps -------------------------------


@pytest.mark.parametrize("bad", ["\ud800", "a\udfffb", "nul\x00"])
def test_text_must_be_storable(bad: str) -> None:
    with pytest.raises(InvalidInput):
        ClientName.parse(bad)
    with pytest.raises(InvalidContact):
        parse_contact_value(ContactKind.OTHER, bad)


def test_a_phone_is_bounded_in_length_as_well_as_digits() -> None:
    assert parse_contact_value(ContactKind.PHONE, " +1 (555) 010-2030 ") == "+1 (555) 010-2030"
    with pytest.raises(InvalidContact):
        parse_contact_value(ContactKind.PHONE, "1234567" + "-" * 500_000)
    with pytest.raises(InvalidContact):
        parse_contact_value(ContactKind.PHONE, "1-2-3-4-5-6")
    with pytest.raises(InvalidContact):
        parse_contact_value(ContactKind.PHONE, "1234567+")


@pytest.mark.parametrize(
    "moment",
    [
        datetime(1, 1, 1, tzinfo=UTC),  # PostgreSQL -infinity through asyncpg
        datetime(9999, 12, 31, 23, 59, 59, 999999, tzinfo=UTC),  # +infinity
        datetime(1899, 12, 31, 23, 59, tzinfo=UTC),
        datetime(2200, 1, 1, tzinfo=UTC),
    ],
)
def test_instants_outside_the_kept_years_are_refused(moment: datetime) -> None:
    with pytest.raises(InvalidInput) as caught:
        Period(moment, moment + timedelta(seconds=1) if moment.year < 9999 else moment)
    assert caught.value.code == "invalid_timestamp"


def test_the_kept_years_take_any_offset() -> None:
    east = timezone_of(hours=14)
    west = timezone_of(hours=-12)
    start = datetime(1900, 1, 1, tzinfo=east)
    end = datetime(2199, 12, 31, 23, 59, tzinfo=west)
    period = Period(start, end)
    assert period.start.year == 1899
    assert period.end.year == 2200


def timezone_of(*, hours: int) -> timezone:
    return timezone(timedelta(hours=hours))
