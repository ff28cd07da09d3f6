"""Meetings, the CSV export and the revenue report over HTTP."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID, uuid4

import httpx
import pytest
from http_helpers import Account, assert_invalid, assert_problem, raw_json, storage_independent

from container import Container
from domain.meetings import Meeting
from domain.pagination import COUNT_AHEAD

MARCH = "2026-03-02T09:30:00+01:00"


async def schedule(api: httpx.AsyncClient, user: Account, **body: Any) -> dict[str, Any]:
    body.setdefault("starts_at", MARCH)
    body.setdefault("duration_minutes", 60)
    response = await api.post("/meetings", headers=user.headers, json=body)
    assert response.status_code == 201, response.text
    result: dict[str, Any] = response.json()
    return result


async def new_client(api: httpx.AsyncClient, user: Account, name: str) -> str:
    response = await api.post("/clients", headers=user.headers, json={"name": name})
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


async def test_schedule_a_meeting(api: httpx.AsyncClient, ada: Account) -> None:
    client_id = await new_client(api, ada, "Acme")
    meeting = await schedule(
        api, ada, client_id=client_id, duration_minutes=90, revenue="1250", notes="Kick-off"
    )
    assert set(meeting) == {
        "id",
        "client_id",
        "starts_at",
        "duration_minutes",
        "revenue",
        "notes",
        "created_at",
        "updated_at",
    }
    assert meeting["client_id"] == client_id
    assert meeting["starts_at"] == "2026-03-02T08:30:00Z"  # normalised to UTC
    assert meeting["revenue"] == "1250.00"
    assert (await api.get(f"/meetings/{meeting['id']}", headers=ada.headers)).json() == meeting


@storage_independent
async def test_an_integral_json_number_is_an_integer(api: httpx.AsyncClient, ada: Account) -> None:
    """JSON Schema's ``integer`` admits ``60.0``; so does the API (``60.5`` is a 422)."""
    body = {"starts_at": MARCH, "duration_minutes": 60.0}
    response = await api.post("/meetings", **raw_json(body, ada.headers))
    assert response.status_code == 201, response.text
    assert response.json()["duration_minutes"] == 60


async def test_a_meeting_without_client_or_revenue(api: httpx.AsyncClient, ada: Account) -> None:
    meeting = await schedule(api, ada)
    assert meeting["client_id"] is None
    assert meeting["revenue"] == "0.00"
    assert meeting["notes"] is None


@pytest.mark.parametrize(
    ("revenue", "expected"),
    [(1250, "1250.00"), (1250.5, "1250.50"), ("99.9", "99.90"), ("0.01", "0.01"), (0, "0.00")],
)
async def test_revenue_accepts_numbers_and_strings(
    api: httpx.AsyncClient, ada: Account, revenue: Any, expected: str
) -> None:
    assert (await schedule(api, ada, revenue=revenue))["revenue"] == expected


@storage_independent
@pytest.mark.parametrize(
    ("changes", "code"),
    [
        ({"revenue": "12.345"}, "invalid_revenue"),
        ({"revenue": -1}, "invalid_revenue"),
        ({"revenue": "1000000000.01"}, "invalid_revenue"),
        ({"revenue": "a lot"}, "invalid_revenue"),
        ({"revenue": "1_000"}, "invalid_revenue"),
        ({"revenue": " 1"}, "invalid_revenue"),
        ({"revenue": "NaN"}, "invalid_revenue"),
        ({"revenue": True}, "decimal_type"),
        ({"revenue": None}, "decimal_type"),
        ({"starts_at": "2026-03-02T09:30:00"}, "invalid_timestamp"),  # naive
        ({"starts_at": "tomorrow"}, "invalid_timestamp"),
        ({"starts_at": 1700000000}, "invalid_timestamp"),  # a Unix time
        ({"starts_at": "2026-03-02"}, "invalid_timestamp"),
        ({"starts_at": "0001-01-01T00:30:00+01:00"}, "invalid_timestamp"),  # before year 1 UTC
        ({"starts_at": "0001-01-01T00:00:00Z"}, "invalid_timestamp"),  # -infinity on PostgreSQL
        ({"starts_at": "9999-12-31T23:59:59.999999Z"}, "invalid_timestamp"),
        ({"starts_at": "2200-01-01T00:00:00Z"}, "invalid_timestamp"),
        ({"starts_at": "1899-12-31T23:59:59Z"}, "invalid_timestamp"),
        ({"starts_at": "2026-02-30T10:00:00Z"}, "datetime_from_date_parsing"),
        ({"duration_minutes": 0}, "invalid_duration"),
        ({"duration_minutes": 1441}, "invalid_duration"),
        ({"duration_minutes": True}, "int_type"),
        ({"duration_minutes": 60.5}, "int_type"),
        ({"duration_minutes": "60"}, "int_type"),
        ({"notes": "\ud800"}, "string_unicode"),
        ({"client_id": "nope"}, "uuid_parsing"),
        ({"owner_id": str(uuid4())}, "extra_forbidden"),
        ({"id": str(uuid4())}, "extra_forbidden"),
        ({"updated_at": MARCH}, "extra_forbidden"),
    ],
)
async def test_schedule_rejects_bad_input(
    api: httpx.AsyncClient, ada: Account, changes: dict[str, Any], code: str
) -> None:
    body: dict[str, Any] = {"starts_at": MARCH, "duration_minutes": 60, **changes}
    response = await api.post("/meetings", **raw_json(body, ada.headers))
    assert_invalid(response, code)


@storage_independent
async def test_every_broken_rule_is_reported(api: httpx.AsyncClient, ada: Account) -> None:
    body = {"starts_at": "soon", "duration_minutes": 0, "revenue": -1, "notes": "\ud800"}
    response = await api.post("/meetings", **raw_json(body, ada.headers))
    problem = assert_invalid(
        response, "invalid_timestamp", "invalid_duration", "invalid_revenue", "string_unicode"
    )
    assert len(problem["errors"]) == 4
    assert [error["loc"] for error in problem["errors"]] == [
        ["body", "starts_at"],
        ["body", "duration_minutes"],
        ["body", "revenue"],
        ["body", "notes"],
    ]


@storage_independent
async def test_naive_datetimes_name_the_field(api: httpx.AsyncClient, ada: Account) -> None:
    response = await api.post(
        "/meetings",
        headers=ada.headers,
        json={"starts_at": "2026-03-02T09:30:00", "duration_minutes": 60},
    )
    problem = assert_invalid(response, "invalid_timestamp")
    assert [error["loc"] for error in problem["errors"]] == [["body", "starts_at"]]


async def test_schedule_with_an_unknown_client_is_404(api: httpx.AsyncClient, ada: Account) -> None:
    response = await api.post(
        "/meetings",
        headers=ada.headers,
        json={"client_id": str(uuid4()), "starts_at": MARCH, "duration_minutes": 60},
    )
    assert_problem(response, 404, "client_not_found")


async def test_patch_meeting_semantics(api: httpx.AsyncClient, ada: Account) -> None:
    client_id = await new_client(api, ada, "Acme")
    meeting = await schedule(api, ada, client_id=client_id, revenue=100, notes="first")
    url = f"/meetings/{meeting['id']}"

    untouched = await api.patch(url, headers=ada.headers, json={})
    assert untouched.status_code == 200
    assert untouched.json()["revenue"] == "100.00"

    changed = await api.patch(
        url,
        headers=ada.headers,
        json={"revenue": "250.5", "duration_minutes": 30, "starts_at": "2026-04-01T10:00:00-04:00"},
    )
    body = changed.json()
    assert (body["revenue"], body["duration_minutes"], body["starts_at"]) == (
        "250.50",
        30,
        "2026-04-01T14:00:00Z",
    )
    assert (body["client_id"], body["notes"]) == (client_id, "first")

    cleared = await api.patch(url, headers=ada.headers, json={"client_id": None, "notes": None})
    assert (cleared.json()["client_id"], cleared.json()["notes"]) == (None, None)

    for required in ("starts_at", "duration_minutes", "revenue"):
        response = await api.patch(url, headers=ada.headers, json={required: None})
        problem = assert_problem(response, 422, "validation_error")
        assert problem["errors"][0]["loc"] == ["body", required]
    assert_problem(
        await api.patch(url, headers=ada.headers, json={"starts_at": "2026-04-01T10:00:00"}),
        422,
        "validation_error",
    )
    assert_problem(
        await api.patch(url, headers=ada.headers, json={"client_id": str(uuid4())}),
        404,
        "client_not_found",
    )
    assert_problem(
        await api.patch(url, headers=ada.headers, json={"owner_id": str(uuid4())}),
        422,
        "validation_error",
    )


async def test_delete_meeting(api: httpx.AsyncClient, ada: Account) -> None:
    meeting = await schedule(api, ada)
    url = f"/meetings/{meeting['id']}"
    deleted = await api.delete(url, headers=ada.headers)
    assert deleted.status_code == 204
    assert_problem(await api.get(url, headers=ada.headers), 404, "meeting_not_found")
    assert_problem(await api.delete(url, headers=ada.headers), 404, "meeting_not_found")


async def test_list_filters_sorts_and_pages(api: httpx.AsyncClient, ada: Account) -> None:
    acme = await new_client(api, ada, "Acme")
    times = ["2026-01-15T10:00:00Z", "2026-02-15T10:00:00Z", "2026-03-15T10:00:00Z"]
    for index, starts_at in enumerate(times):
        await schedule(api, ada, starts_at=starts_at, client_id=acme if index != 1 else None)

    default = (await api.get("/meetings", headers=ada.headers)).json()
    assert [m["starts_at"] for m in default["items"]] == list(reversed(times))
    assert (default["total"], default["limit"], default["offset"]) == (3, 20, 0)
    assert default["total_exact"] is True

    ascending = await api.get(
        "/meetings", headers=ada.headers, params={"sort": "starts_at", "limit": 2, "offset": 1}
    )
    assert [m["starts_at"] for m in ascending.json()["items"]] == times[1:]
    assert ascending.json()["total"] == 3

    window = await api.get(
        "/meetings",
        headers=ada.headers,
        params={"from": "2026-02-15T10:00:00Z", "to": "2026-03-15T10:00:00Z"},
    )
    assert [m["starts_at"] for m in window.json()["items"]] == [times[1]]

    of_client = await api.get("/meetings", headers=ada.headers, params={"client_id": acme})
    assert of_client.json()["total"] == 2


async def test_a_big_listing_counts_to_a_bound_past_the_page(
    api: httpx.AsyncClient, ada: Account, container: Container
) -> None:
    owner = UUID(ada.id)
    made = [
        Meeting.schedule(
            id=uuid4(),
            owner_id=owner,
            client_id=None,
            starts_at=datetime(2026, 1, 1, tzinfo=UTC) + timedelta(hours=hour),
            duration_minutes=30,
            revenue="0",
            notes=None,
            now=datetime(2026, 1, 1, tzinfo=UTC),
        )
        for hour in range(COUNT_AHEAD + 60)
    ]
    async with container.units().writing() as uow:
        await uow.meetings.add_many(made)
        await uow.commit()

    first = (await api.get("/meetings", headers=ada.headers, params={"limit": 50})).json()
    assert (len(first["items"]), first["total"], first["total_exact"]) == (
        50,
        50 + COUNT_AHEAD,
        False,
    )
    last = (
        await api.get("/meetings", headers=ada.headers, params={"limit": 50, "offset": 1000})
    ).json()
    assert (len(last["items"]), last["total"], last["total_exact"]) == (50, len(made), True)


@pytest.mark.parametrize(
    ("params", "code"),
    [
        ({"from": "2026-01-01T00:00:00"}, "validation_error"),
        ({"to": "2026-01-01"}, "validation_error"),
        ({"from": "2026-02-01T00:00:00Z", "to": "2026-01-01T00:00:00Z"}, "invalid_period"),
        ({"sort": "-revenue"}, "validation_error"),
        ({"limit": 500}, "validation_error"),
        ({"client_id": "acme"}, "validation_error"),
    ],
)
async def test_list_rejects_bad_query(
    api: httpx.AsyncClient, ada: Account, params: dict[str, Any], code: str
) -> None:
    assert_problem(await api.get("/meetings", headers=ada.headers, params=params), 422, code)
    export = await api.get("/meetings/export", headers=ada.headers, params=params)
    if "sort" in params or "limit" in params:
        assert export.status_code == 200  # the export neither sorts nor pages
    else:
        assert_problem(export, 422, code)


async def test_someone_elses_meeting_does_not_exist(
    api: httpx.AsyncClient, ada: Account, bob: Account
) -> None:
    acme = await new_client(api, ada, "Acme")
    meeting = await schedule(api, ada, client_id=acme, revenue=500, notes="secret")
    url = f"/meetings/{meeting['id']}"

    assert_problem(await api.get(url, headers=bob.headers), 404, "meeting_not_found")
    assert_problem(
        await api.patch(url, headers=bob.headers, json={"revenue": 0}), 404, "meeting_not_found"
    )
    assert_problem(await api.delete(url, headers=bob.headers), 404, "meeting_not_found")
    # Bob's own meeting cannot point at Ada's client either.
    bob_meeting = await schedule(api, bob)
    assert_problem(
        await api.patch(
            f"/meetings/{bob_meeting['id']}", headers=bob.headers, json={"client_id": acme}
        ),
        404,
        "client_not_found",
    )
    listing = await api.get("/meetings", headers=bob.headers, params={"client_id": acme})
    assert listing.json()["total"] == 0
    assert (await api.get("/meetings", headers=bob.headers)).json()["total"] == 1
    export = await api.get("/meetings/export", headers=bob.headers)
    assert "secret" not in export.text
    assert len(export.text.strip().splitlines()) == 2  # header and Bob's one meeting
    report = await api.get(
        "/reports/revenue",
        headers=bob.headers,
        params={"from": "2026-01-01T00:00:00Z", "to": "2027-01-01T00:00:00Z"},
    )
    assert report.json()["total"] == {"revenue": "0.00", "minutes": 60, "meetings": 1}
    assert (await api.get(url, headers=ada.headers)).json() == meeting


async def test_every_meeting_route_needs_a_token(api: httpx.AsyncClient) -> None:
    some = uuid4()
    for call in [
        api.post("/meetings", json={"starts_at": MARCH, "duration_minutes": 5}),
        api.get("/meetings"),
        api.get("/meetings/export"),
        api.get(f"/meetings/{some}"),
        api.patch(f"/meetings/{some}", json={}),
        api.delete(f"/meetings/{some}"),
        api.get("/reports/revenue", params={"from": MARCH, "to": MARCH}),
    ]:
        assert_problem(await call, 401)


# -- export ------------------------------------------------------------------------------


async def test_export_streams_csv_with_neutralised_formulas(
    api: httpx.AsyncClient, ada: Account
) -> None:
    acme = await new_client(api, ada, '=HYPERLINK("http://evil")')
    await schedule(
        api, ada, client_id=acme, starts_at="2026-02-01T10:00:00Z", revenue=10, notes="+1 call"
    )
    await schedule(
        api, ada, starts_at="2026-01-01T10:00:00Z", notes='Said "hi", then\nleft', revenue="7.5"
    )

    response = await api.get("/meetings/export", headers=ada.headers)
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/csv; charset=utf-8"
    assert response.headers["content-disposition"] == 'attachment; filename="meetings.csv"'
    rows = list(csv.reader(io.StringIO(response.text)))
    assert rows[0] == [
        "id",
        "client_id",
        "client_name",
        "starts_at",
        "duration_minutes",
        "revenue",
        "notes",
    ]
    first, second = rows[1], rows[2]  # oldest first
    assert (first[1], first[2], first[5], first[6]) == ("", "", "7.50", 'Said "hi", then\nleft')
    assert second[1] == acme
    assert second[2] == '\'=HYPERLINK("http://evil")'
    assert second[6] == "'+1 call"
    assert second[5] == "10.00"

    window = await api.get(
        "/meetings/export",
        headers=ada.headers,
        params={"from": "2026-01-15T00:00:00Z", "client_id": acme},
    )
    assert len(list(csv.reader(io.StringIO(window.text)))) == 2


async def test_export_of_nothing_is_just_the_header(api: httpx.AsyncClient, ada: Account) -> None:
    response = await api.get("/meetings/export", headers=ada.headers)
    assert response.status_code == 200
    assert response.text == (
        "id,client_id,client_name,starts_at,duration_minutes,revenue,notes\r\n"
    )


# -- report -------------------------------------------------------------------------------

YEAR = {"from": "2026-01-01T00:00:00Z", "to": "2027-01-01T00:00:00Z"}


async def test_revenue_report_totals_and_groups(api: httpx.AsyncClient, ada: Account) -> None:
    acme = await new_client(api, ada, "Acme")
    zeta = await new_client(api, ada, "Zeta")
    await schedule(api, ada, client_id=acme, starts_at="2026-01-10T10:00:00Z", revenue="100.10")
    await schedule(api, ada, client_id=acme, starts_at="2026-02-10T10:00:00Z", revenue=200)
    await schedule(api, ada, client_id=zeta, starts_at="2026-02-11T10:00:00Z", revenue=50)
    await schedule(api, ada, starts_at="2026-02-12T10:00:00Z", revenue=1, duration_minutes=15)
    await schedule(api, ada, starts_at="2027-01-01T00:00:00Z", revenue=999)  # outside [from, to)

    plain = await api.get("/reports/revenue", headers=ada.headers, params=YEAR)
    assert plain.status_code == 200
    assert plain.json() == {
        "from": "2026-01-01T00:00:00Z",
        "to": "2027-01-01T00:00:00Z",
        "total": {"revenue": "351.10", "minutes": 195, "meetings": 4},
        "groups": [],
    }

    by_client = await api.get(
        "/reports/revenue", headers=ada.headers, params={**YEAR, "group_by": "client"}
    )
    assert by_client.json()["groups"] == [
        {"key": acme, "label": "Acme", "revenue": "300.10", "minutes": 120, "meetings": 2},
        {"key": zeta, "label": "Zeta", "revenue": "50.00", "minutes": 60, "meetings": 1},
        {"key": None, "label": "No client", "revenue": "1.00", "minutes": 15, "meetings": 1},
    ]

    by_month = await api.get(
        "/reports/revenue", headers=ada.headers, params={**YEAR, "group_by": "month"}
    )
    assert by_month.json()["groups"] == [
        {"key": "2026-01", "label": "2026-01", "revenue": "100.10", "minutes": 60, "meetings": 1},
        {"key": "2026-02", "label": "2026-02", "revenue": "251.00", "minutes": 135, "meetings": 3},
    ]


@storage_independent
@pytest.mark.parametrize(
    ("params", "code"),
    [
        ({"from": "2026-01-01T00:00:00Z"}, "validation_error"),
        ({"to": "2026-01-01T00:00:00Z"}, "validation_error"),
        ({**YEAR, "group_by": "week"}, "validation_error"),
        ({"from": "2026-01-01T00:00:00", "to": "2027-01-01T00:00:00Z"}, "validation_error"),
        ({"from": YEAR["to"], "to": YEAR["from"]}, "invalid_period"),
    ],
)
async def test_report_rejects_bad_query(
    api: httpx.AsyncClient, ada: Account, params: dict[str, Any], code: str
) -> None:
    assert_problem(await api.get("/reports/revenue", headers=ada.headers, params=params), 422, code)
