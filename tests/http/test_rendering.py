"""Routes render views with orjson; the response models must say exactly the same bytes.

``entrypoints/http/rendering.py`` skips FastAPI's validate-then-serialize pass, so this
is where the response models keep their authority: for generated views of every type a
route renders, the fast path and the declared response model produce identical JSON.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal
from typing import Any
from uuid import UUID

import orjson
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import BaseModel

from application.views import ClientView, ContactView, MeetingView, RevenueReportView, UserView
from domain.pagination import Page
from domain.queries import Period
from domain.reports import ReportGrouping, RevenueGroup, RevenueTotals
from entrypoints.http.rendering import ViewResponse, render
from entrypoints.http.schemas.auth import UserOut, UserPage
from entrypoints.http.schemas.clients import ClientOut, ClientPage, ContactOut
from entrypoints.http.schemas.meetings import MeetingOut, MeetingPage, ReportOut

# Any text a request or an import can store: every code point but lone surrogates,
# which neither JSON parsing nor UTF-8 storage lets in.
texts = st.text(st.characters(exclude_categories=("Cs",)), max_size=40)
optional_texts = st.none() | texts
# Stored instants are UTC; views may also carry other offsets in tests of the renderer.
instants = st.datetimes(
    min_value=datetime(1970, 1, 1), max_value=datetime(2197, 1, 1), timezones=st.just(UTC)
) | st.datetimes(
    min_value=datetime(1900, 1, 1),
    max_value=datetime(2197, 1, 1),
    timezones=st.just(timezone(timedelta(hours=5, minutes=30))),
)
money = st.decimals(min_value=0, max_value=1_000_000_000, places=2, allow_nan=False)

users = st.builds(
    UserView, id=st.uuids(), email=texts, full_name=optional_texts, is_admin=st.booleans(),
    created_at=instants,
)  # fmt: skip
contacts = st.builds(
    ContactView, id=st.uuids(), kind=st.sampled_from(["email", "phone", "other"]),
    value=texts, label=optional_texts, created_at=instants,
)  # fmt: skip
clients = st.builds(
    ClientView, id=st.uuids(), name=texts, company=optional_texts, notes=optional_texts,
    contacts=st.lists(contacts, max_size=4).map(tuple), created_at=instants,
    updated_at=instants,
)  # fmt: skip
meetings = st.builds(
    MeetingView, id=st.uuids(), client_id=st.none() | st.uuids(), starts_at=instants,
    duration_minutes=st.integers(1, 1440), revenue=money, notes=optional_texts,
    created_at=instants, updated_at=instants,
)  # fmt: skip

totals = st.builds(
    RevenueTotals, revenue=money, minutes=st.integers(0, 10**9), meetings=st.integers(0, 10**7)
)
groups = st.builds(RevenueGroup, key=optional_texts, label=texts, totals=totals)
reports = st.builds(
    RevenueReportView,
    period=st.tuples(instants, st.timedeltas(timedelta(microseconds=1), timedelta(days=800))).map(
        lambda start_length: Period(start_length[0], start_length[0] + start_length[1])
    ),
    grouping=st.none() | st.sampled_from(ReportGrouping),
    total=totals,
    groups=st.lists(groups, max_size=13).map(tuple),
)


def pages(items: st.SearchStrategy[Any]) -> st.SearchStrategy[Page[Any]]:
    return st.builds(
        Page,
        items=st.lists(items, max_size=5),
        total=st.integers(0, 10**6),
        limit=st.integers(1, 100),
        offset=st.integers(0, 10**9),
    )


CASES: list[tuple[st.SearchStrategy[Any], type[BaseModel]]] = [
    (users, UserOut),
    (contacts, ContactOut),
    (clients, ClientOut),
    (meetings, MeetingOut),
    (pages(users), UserPage),
    (pages(clients), ClientPage),
    (pages(meetings), MeetingPage),
]


@pytest.mark.parametrize(("views", "model"), CASES, ids=[model.__name__ for _, model in CASES])
@settings(max_examples=150, deadline=None)
@given(data=st.data())
def test_rendered_view_is_byte_for_byte_the_response_model(
    views: st.SearchStrategy[Any], model: type[BaseModel], data: st.DataObject
) -> None:
    view = data.draw(views)
    assert render(view) == model.model_validate(view).model_dump_json().encode()


@settings(max_examples=150, deadline=None)
@given(report=reports)
def test_the_report_renders_byte_for_byte_as_its_response_model(
    report: RevenueReportView,
) -> None:
    content = ReportOut.content(report)
    declared = ReportOut.model_validate(content).model_dump_json(by_alias=True).encode()
    assert render(content) == declared
    assert orjson.loads(declared).keys() == {"from", "to", "total", "groups"}


class DriverUuid(UUID):
    """Like asyncpg's UUID: a subclass, which orjson does not serialize by itself."""


def test_money_keeps_two_places_and_an_unknown_type_is_an_error_not_a_guess() -> None:
    assert render({"revenue": Decimal("12.5")}) == b'{"revenue":"12.50"}'
    some_id = UUID("0193a0c4-5e2f-7b6a-9c1d-2e3f4a5b6c7d")
    assert render([DriverUuid(str(some_id))]) == render([some_id])
    with pytest.raises(TypeError):
        render({"odd": {1, 2}})


def test_the_response_carries_the_status_and_json_media_type() -> None:
    response = ViewResponse({"a": 1}, status_code=201)
    assert response.status_code == 201
    assert response.headers["content-type"] == "application/json"
    assert orjson.loads(response.body) == {"a": 1}
