"""Conditional requests: a strong ETag from the version, If-Match on PATCH and DELETE."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from http_helpers import PASSWORD, Account, assert_problem, storage_independent

from entrypoints.http.conditional import parse_if_match


@pytest.mark.parametrize(
    ("header", "accepted"),
    [
        (None, None),
        ("*", None),
        (" * ", None),
        ('"3"', {3}),
        ('"3", "5"', {3, 5}),
        (' "3" ,"4"', {3, 4}),
        ('W/"3"', set()),
        ('W/"3", "4"', {4}),
        ('"abc"', set()),
        ('"0"', set()),
        ("3", set()),
        ('"3" "4"', set()),
        ('"3",', {3}),
        ('"3,4"', set()),
        ("", set()),
        ('"' + "9" * 40 + '"', set()),
    ],
)
def test_if_match_is_read_as_rfc_9110_says(header: str | None, accepted: set[int] | None) -> None:
    versions = parse_if_match(header).versions
    assert versions == (None if accepted is None else frozenset(accepted))


async def add_client(api: httpx.AsyncClient, user: Account) -> dict[str, Any]:
    response = await api.post("/clients", headers=user.headers, json={"name": "Acme"})
    assert response.status_code == 201, response.text
    result: dict[str, Any] = response.json()
    return result


async def test_a_client_is_tagged_and_changed_only_at_the_version_named(
    api: httpx.AsyncClient, ada: Account
) -> None:
    client = await add_client(api, ada)
    url = f"/clients/{client['id']}"
    read = await api.get(url, headers=ada.headers)
    assert read.headers["etag"] == '"1"'
    assert "version" not in read.json()

    changed = await api.patch(
        url, headers={**ada.headers, "If-Match": '"1"'}, json={"notes": "first"}
    )
    assert changed.status_code == 200, changed.text
    assert changed.headers["etag"] == '"2"'

    # A second editor still holding version 1 must not overwrite the first one's change.
    stale = await api.patch(url, headers={**ada.headers, "If-Match": '"1"'}, json={"notes": "x"})
    assert_problem(stale, 412, "precondition_failed")
    weak = await api.patch(url, headers={**ada.headers, "If-Match": 'W/"2"'}, json={"notes": "x"})
    assert_problem(weak, 412, "precondition_failed")
    garbage = await api.patch(url, headers={**ada.headers, "If-Match": "2"}, json={"notes": "x"})
    assert_problem(garbage, 412, "precondition_failed")
    assert (await api.get(url, headers=ada.headers)).json()["notes"] == "first"

    listed = await api.patch(
        url, headers={**ada.headers, "If-Match": '"7", "2"'}, json={"notes": "second"}
    )
    assert listed.status_code == 200
    anything = await api.patch(url, headers={**ada.headers, "If-Match": "*"}, json={"notes": "3"})
    assert anything.headers["etag"] == '"4"'
    unconditional = await api.patch(url, headers=ada.headers, json={"notes": "4"})
    assert unconditional.headers["etag"] == '"5"'

    # Adding a contact changes the aggregate too.
    contact = {"kind": "email", "value": "a@example.com"}
    added = await api.post(f"{url}/contacts", headers=ada.headers, json=contact)
    assert added.status_code == 201
    assert (await api.get(url, headers=ada.headers)).headers["etag"] == '"6"'

    refused = await api.delete(url, headers={**ada.headers, "If-Match": '"5"'})
    assert_problem(refused, 412, "precondition_failed")
    deleted = await api.delete(url, headers={**ada.headers, "If-Match": '"6"'})
    assert deleted.status_code == 204
    gone = await api.delete(url, headers={**ada.headers, "If-Match": "*"})
    assert_problem(gone, 404)


async def test_a_meeting_is_tagged_and_changed_only_at_the_version_named(
    api: httpx.AsyncClient, ada: Account
) -> None:
    made = await api.post(
        "/meetings",
        headers=ada.headers,
        json={"starts_at": "2026-03-01T09:00:00Z", "duration_minutes": 30},
    )
    assert made.status_code == 201, made.text
    url = f"/meetings/{made.json()['id']}"
    assert (await api.get(url, headers=ada.headers)).headers["etag"] == '"1"'
    changed = await api.patch(
        url, headers={**ada.headers, "If-Match": '"1"'}, json={"duration_minutes": 45}
    )
    assert changed.headers["etag"] == '"2"'
    stale = await api.patch(
        url, headers={**ada.headers, "If-Match": '"1"'}, json={"duration_minutes": 60}
    )
    assert_problem(stale, 412, "precondition_failed")
    refused = await api.delete(url, headers={**ada.headers, "If-Match": '"1"'})
    assert_problem(refused, 412, "precondition_failed")
    assert (await api.delete(url, headers={**ada.headers, "If-Match": '"2"'})).status_code == 204


async def test_the_own_profile_is_tagged_and_changed_only_at_the_version_named(
    api: httpx.AsyncClient, ada: Account
) -> None:
    me = await api.get("/users/me", headers=ada.headers)
    assert me.headers["etag"] == '"1"'
    renamed = await api.patch(
        "/users/me", headers={**ada.headers, "If-Match": '"1"'}, json={"full_name": "Ada L."}
    )
    assert renamed.status_code == 200, renamed.text
    assert renamed.headers["etag"] == '"2"'
    stale = await api.patch(
        "/users/me",
        headers={**ada.headers, "If-Match": '"1"'},
        json={"password": "another password", "current_password": PASSWORD},
    )
    assert_problem(stale, 412, "precondition_failed")
    assert (await api.get("/users/me", headers=ada.headers)).headers["etag"] == '"2"'


@storage_independent
async def test_the_contract_documents_if_match_etag_and_412(http: httpx.AsyncClient) -> None:
    schema = (await http.get("/openapi.json")).json()
    for path, method in [
        ("/api/v1/clients/{client_id}", "patch"),
        ("/api/v1/clients/{client_id}", "delete"),
        ("/api/v1/meetings/{meeting_id}", "patch"),
        ("/api/v1/meetings/{meeting_id}", "delete"),
        ("/api/v1/users/me", "patch"),
    ]:
        operation = schema["paths"][path][method]
        headers = [p["name"] for p in operation["parameters"] if p["in"] == "header"]
        assert "If-Match" in headers, (path, method)
        assert "412" in operation["responses"], (path, method)
    for path in [
        "/api/v1/clients/{client_id}",
        "/api/v1/meetings/{meeting_id}",
        "/api/v1/users/me",
    ]:
        assert "ETag" in schema["paths"][path]["get"]["responses"]["200"]["headers"]


@storage_independent
async def test_an_overlong_if_match_is_a_validation_error(
    api: httpx.AsyncClient, ada: Account
) -> None:
    client = await add_client(api, ada)
    header = ", ".join(f'"{n}"' for n in range(1, 400))
    answer = await api.patch(
        f"/clients/{client['id']}", headers={**ada.headers, "If-Match": header}, json={}
    )
    body = assert_problem(answer, 422, "validation_error")
    assert body["errors"][0]["loc"] == ["header", "If-Match"]
