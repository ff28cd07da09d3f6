"""Clients and contacts over HTTP, including isolation between owners."""

from __future__ import annotations

from typing import Any
from uuid import uuid4

import httpx
import pytest
from http_helpers import Account, assert_invalid, assert_problem, raw_json, storage_independent

ACME = {
    "name": "Acme Corp",
    "company": "Acme Holdings",
    "notes": "Pays on time.",
    "contacts": [
        {"kind": "email", "value": "Billing@Acme.example", "label": "billing"},
        {"kind": "phone", "value": "+1 (555) 010-2030"},
    ],
}


async def add_client(api: httpx.AsyncClient, user: Account, **body: Any) -> dict[str, Any]:
    response = await api.post("/clients", headers=user.headers, json=body)
    assert response.status_code == 201, response.text
    result: dict[str, Any] = response.json()
    return result


async def test_add_client_with_contacts(api: httpx.AsyncClient, ada: Account) -> None:
    response = await api.post("/clients", headers=ada.headers, json=ACME)
    assert response.status_code == 201
    client = response.json()
    assert set(client) == {
        "id",
        "name",
        "company",
        "notes",
        "contacts",
        "created_at",
        "updated_at",
    }
    assert client["name"] == "Acme Corp"
    assert [(c["kind"], c["value"], c["label"]) for c in client["contacts"]] == [
        ("email", "billing@acme.example", "billing"),
        ("phone", "+1 (555) 010-2030", None),
    ]
    assert set(client["contacts"][0]) == {"id", "kind", "value", "label", "created_at"}
    fetched = await api.get(f"/clients/{client['id']}", headers=ada.headers)
    assert fetched.json() == client


async def test_a_bad_contact_rejects_the_whole_client(api: httpx.AsyncClient, ada: Account) -> None:
    body = {"name": "Acme", "contacts": [{"kind": "email", "value": "ok@example.com"}] * 2}
    body["contacts"] = [*body["contacts"], {"kind": "phone", "value": "12"}]
    response = await api.post("/clients", headers=ada.headers, json=body)
    problem = assert_invalid(response, "invalid_contact")
    assert problem["errors"][0]["loc"] == ["body", "contacts", 2, "phone", "value"]
    listing = await api.get("/clients", headers=ada.headers)
    assert listing.json()["total"] == 0


@storage_independent
@pytest.mark.parametrize(
    ("body", "code"),
    [
        ({"name": "   "}, "invalid_name"),
        ({"name": "x" * 201}, "invalid_name"),
        ({"name": "a\x00b"}, "invalid_name"),
        ({"name": "\ud800"}, "string_unicode"),
        ({}, "missing"),
        ({"name": None}, "string_type"),
        ({"name": "Acme", "owner_id": str(uuid4())}, "extra_forbidden"),
        ({"name": "Acme", "id": str(uuid4())}, "extra_forbidden"),
        ({"name": "Acme", "created_at": "2026-01-01T00:00:00Z"}, "extra_forbidden"),
        ({"name": "Acme", "contacts": [{"kind": "fax", "value": "1"}]}, "union_tag_invalid"),
        ({"name": "Acme", "contacts": [{"kind": "email", "value": "x", "id": "1"}]}, None),
        ({"name": "Acme", "contacts": [{"kind": "other", "value": "x"}] * 51}, "too_many_contacts"),
        (
            {"name": "Acme", "contacts": [{"kind": "other", "value": "x", "label": "l" * 51}]},
            "invalid_contact",
        ),
        ({"name": "Acme", "company": "\ud800"}, "string_unicode"),
        ({"name": "Acme", "notes": "n" * 5001}, "string_too_long"),
    ],
)
async def test_add_client_rejects_bad_input(
    api: httpx.AsyncClient, ada: Account, body: dict[str, Any], code: str | None
) -> None:
    response = await api.post("/clients", **raw_json(body, ada.headers))
    assert_invalid(response, *([code] if code else []))


async def test_duplicate_names_conflict_case_insensitively(
    api: httpx.AsyncClient, ada: Account, bob: Account
) -> None:
    await add_client(api, ada, name="Straße GmbH")
    again = await api.post("/clients", headers=ada.headers, json={"name": "STRASSE gmbh"})
    assert_problem(again, 409, "client_name_taken")
    # Another owner may use the same name.
    await add_client(api, bob, name="Straße GmbH")


async def test_list_pages_sorts_and_searches(api: httpx.AsyncClient, ada: Account) -> None:
    for name, company in [("Charlie", None), ("alpha", "Zeta Inc"), ("Bravo", "Acme")]:
        await add_client(api, ada, name=name, company=company)

    page = (await api.get("/clients", headers=ada.headers)).json()
    assert [c["name"] for c in page["items"]] == ["alpha", "Bravo", "Charlie"]
    assert (page["total"], page["limit"], page["offset"]) == (3, 20, 0)

    desc = await api.get("/clients", headers=ada.headers, params={"sort": "-name", "limit": 2})
    assert [c["name"] for c in desc.json()["items"]] == ["Charlie", "Bravo"]
    assert desc.json()["total"] == 3
    rest = await api.get("/clients", headers=ada.headers, params={"sort": "-name", "offset": 2})
    assert [c["name"] for c in rest.json()["items"]] == ["alpha"]

    created = await api.get("/clients", headers=ada.headers, params={"sort": "created_at"})
    assert [c["name"] for c in created.json()["items"]] == ["Charlie", "alpha", "Bravo"]
    newest = await api.get("/clients", headers=ada.headers, params={"sort": "-created_at"})
    assert [c["name"] for c in newest.json()["items"]] == ["Bravo", "alpha", "Charlie"]

    by_company = await api.get("/clients", headers=ada.headers, params={"q": "ZETA"})
    assert [c["name"] for c in by_company.json()["items"]] == ["alpha"]
    by_name = await api.get("/clients", headers=ada.headers, params={"q": "rav"})
    assert [c["name"] for c in by_name.json()["items"]] == ["Bravo"]
    literal = await api.get("/clients", headers=ada.headers, params={"q": "%"})
    assert literal.json()["total"] == 0


@storage_independent
@pytest.mark.parametrize(
    "params",
    [{"limit": 0}, {"limit": 101}, {"offset": -1}, {"sort": "owner_id"}, {"limit": "ten"}],
)
async def test_list_rejects_bad_query(
    api: httpx.AsyncClient, ada: Account, params: dict[str, Any]
) -> None:
    response = await api.get("/clients", headers=ada.headers, params=params)
    problem = assert_problem(response, 422, "validation_error")
    assert problem["errors"][0]["loc"][0] == "query"


async def test_patch_client_semantics(api: httpx.AsyncClient, ada: Account) -> None:
    client = await add_client(api, ada, name="Acme", company="Acme Inc", notes="n")
    url = f"/clients/{client['id']}"

    renamed = await api.patch(url, headers=ada.headers, json={"name": "  Acme Two "})
    assert renamed.status_code == 200
    body = renamed.json()
    assert (body["name"], body["company"], body["notes"]) == ("Acme Two", "Acme Inc", "n")

    cleared = await api.patch(url, headers=ada.headers, json={"company": None, "notes": None})
    assert (cleared.json()["company"], cleared.json()["notes"]) == (None, None)
    assert cleared.json()["name"] == "Acme Two"

    assert_problem(
        await api.patch(url, headers=ada.headers, json={"name": None}), 422, "validation_error"
    )
    assert_problem(
        await api.patch(url, headers=ada.headers, json={"owner_id": str(uuid4())}),
        422,
        "validation_error",
    )
    assert_invalid(await api.patch(url, headers=ada.headers, json={"name": ""}), "invalid_name")


async def test_patch_to_a_taken_name_conflicts(api: httpx.AsyncClient, ada: Account) -> None:
    await add_client(api, ada, name="Acme")
    other = await add_client(api, ada, name="Other")
    response = await api.patch(
        f"/clients/{other['id']}", headers=ada.headers, json={"name": "ACME"}
    )
    assert_problem(response, 409, "client_name_taken")


async def test_delete_client_keeps_its_meetings(api: httpx.AsyncClient, ada: Account) -> None:
    client = await add_client(api, ada, **ACME)
    meeting = await api.post(
        "/meetings",
        headers=ada.headers,
        json={
            "client_id": client["id"],
            "starts_at": "2026-03-01T10:00:00Z",
            "duration_minutes": 30,
        },
    )
    deleted = await api.delete(f"/clients/{client['id']}", headers=ada.headers)
    assert deleted.status_code == 204
    assert deleted.content == b""
    assert_problem(await api.get(f"/clients/{client['id']}", headers=ada.headers), 404)
    kept = await api.get(f"/meetings/{meeting.json()['id']}", headers=ada.headers)
    assert kept.status_code == 200
    assert kept.json()["client_id"] is None
    again = await api.delete(f"/clients/{client['id']}", headers=ada.headers)
    assert_problem(again, 404, "client_not_found")


async def test_contacts_add_and_remove(api: httpx.AsyncClient, ada: Account) -> None:
    client = await add_client(api, ada, name="Acme")
    url = f"/clients/{client['id']}/contacts"
    added = await api.post(
        url, headers=ada.headers, json={"kind": "other", "value": "@acme on Signal"}
    )
    assert added.status_code == 201
    contact = added.json()
    assert set(contact) == {"id", "kind", "value", "label", "created_at"}
    assert_invalid(
        await api.post(url, headers=ada.headers, json={"kind": "email", "value": "nope"}),
        "invalid_contact",
    )
    assert_problem(
        await api.post(url, headers=ada.headers, json={"kind": "other", "value": "x", "id": "1"}),
        422,
        "validation_error",
    )
    removed = await api.delete(f"{url}/{contact['id']}", headers=ada.headers)
    assert removed.status_code == 204
    again = await api.delete(f"{url}/{contact['id']}", headers=ada.headers)
    assert_problem(again, 404, "contact_not_found")
    fetched = await api.get(f"/clients/{client['id']}", headers=ada.headers)
    assert fetched.json()["contacts"] == []


async def test_unknown_and_malformed_ids(api: httpx.AsyncClient, ada: Account) -> None:
    missing = uuid4()
    assert_problem(
        await api.get(f"/clients/{missing}", headers=ada.headers), 404, "client_not_found"
    )
    # An id that is not a UUID names no resource: the path itself is unknown.
    assert_problem(await api.get("/clients/not-a-uuid", headers=ada.headers), 404, "not_found")
    assert_problem(
        await api.post(
            f"/clients/{missing}/contacts",
            headers=ada.headers,
            json={"kind": "other", "value": "x"},
        ),
        404,
        "client_not_found",
    )


async def test_every_client_route_needs_a_token(api: httpx.AsyncClient) -> None:
    some = uuid4()
    calls = [
        api.post("/clients", json={"name": "x"}),
        api.get("/clients"),
        api.get(f"/clients/{some}"),
        api.patch(f"/clients/{some}", json={}),
        api.delete(f"/clients/{some}"),
        api.post(f"/clients/{some}/contacts", json={"kind": "other", "value": "x"}),
        api.delete(f"/clients/{some}/contacts/{some}"),
    ]
    for call in calls:
        assert_problem(await call, 401)


async def test_someone_elses_client_does_not_exist(
    api: httpx.AsyncClient, ada: Account, bob: Account
) -> None:
    client = await add_client(api, ada, **ACME)
    contact_id = client["contacts"][0]["id"]
    url = f"/clients/{client['id']}"

    assert_problem(await api.get(url, headers=bob.headers), 404, "client_not_found")
    assert_problem(
        await api.patch(url, headers=bob.headers, json={"name": "Mine now"}),
        404,
        "client_not_found",
    )
    assert_problem(await api.delete(url, headers=bob.headers), 404, "client_not_found")
    assert_problem(
        await api.post(
            f"{url}/contacts", headers=bob.headers, json={"kind": "other", "value": "x"}
        ),
        404,
        "client_not_found",
    )
    assert_problem(
        await api.delete(f"{url}/contacts/{contact_id}", headers=bob.headers),
        404,
        "client_not_found",
    )
    bob_meeting = await api.post(
        "/meetings",
        headers=bob.headers,
        json={
            "client_id": client["id"],
            "starts_at": "2026-03-01T10:00:00Z",
            "duration_minutes": 5,
        },
    )
    assert_problem(bob_meeting, 404, "client_not_found")
    assert (await api.get("/clients", headers=bob.headers)).json()["total"] == 0
    assert (await api.get("/clients", headers=bob.headers, params={"q": "acme"})).json()[
        "items"
    ] == []
    # Ada's client is untouched by all of the above.
    assert (await api.get(url, headers=ada.headers)).json() == client
