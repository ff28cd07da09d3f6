"""HTTP conformance: Allow on 405, HEAD on health, CORS refusals, Host, Location, CSV."""

from __future__ import annotations

import csv
import io

import httpx
import pytest
from http_helpers import Account, assert_problem, storage_independent


@storage_independent
@pytest.mark.parametrize(
    ("method", "path", "allow"),
    [
        ("PUT", "/api/v1/clients", "GET, POST"),
        ("PUT", "/api/v1/clients/0193a0c4-5e2f-7b6a-9c1d-2e3f4a5b6c7d", "DELETE, GET, PATCH"),
        ("GET", "/api/v1/auth/login", "POST"),
        ("PATCH", "/api/v1/meetings", "GET, POST"),
        # A static segment beside an id: ids are UUIDs, so "export" is not a meeting.
        ("PATCH", "/api/v1/meetings/export", "GET"),
        ("DELETE", "/api/v1/meetings/export", "GET"),
        ("POST", "/health", "GET, HEAD"),
    ],
)
async def test_a_405_allows_every_method_of_the_path(
    http: httpx.AsyncClient, method: str, path: str, allow: str
) -> None:
    response = await http.request(method, path)
    assert_problem(response, 405, "method_not_allowed")
    assert response.headers["allow"] == allow


async def test_head_works_on_the_health_routes(http: httpx.AsyncClient) -> None:
    for path in ("/health", "/health/ready"):
        response = await http.head(path)
        assert response.status_code == 200, path
        assert response.headers["content-type"] == "application/json"


@storage_independent
async def test_a_refused_cors_preflight_is_a_problem(http: httpx.AsyncClient) -> None:
    refused = await http.options(
        "/api/v1/clients",
        headers={"Origin": "https://evil.example.com", "Access-Control-Request-Method": "POST"},
    )
    body = assert_problem(refused, 400, "cors_preflight_refused")
    assert "origin" in body["detail"].lower()
    method = await http.options(
        "/api/v1/clients",
        headers={"Origin": "https://app.example.com", "Access-Control-Request-Method": "PUT"},
    )
    assert_problem(method, 400, "cors_preflight_refused")


@storage_independent
@pytest.mark.parametrize("path", ["/api/v1/clients/", "/health/", "/docs/"])
async def test_no_response_echoes_the_host(http: httpx.AsyncClient, path: str) -> None:
    response = await http.get(path, headers={"Host": "evil.example"})
    assert_problem(response, 404, "not_found")
    assert "location" not in response.headers
    assert "evil.example" not in response.text


@storage_independent
async def test_every_201_carries_its_location(api: httpx.AsyncClient, ada: Account) -> None:
    registered = await api.post(
        "/auth/register", json={"email": "cy@example.com", "password": "correct horse battery"}
    )
    assert registered.headers["location"] == "/api/v1/users/me"

    client = await api.post("/clients", headers=ada.headers, json={"name": "Acme"})
    client_id = client.json()["id"]
    assert client.headers["location"] == f"/api/v1/clients/{client_id}"
    assert (
        await api.get(client.headers["location"].removeprefix("/api/v1"), headers=ada.headers)
    ).json() == client.json()

    contact = await api.post(
        f"/clients/{client_id}/contacts", headers=ada.headers, json={"kind": "other", "value": "x"}
    )
    assert contact.headers["location"] == (
        f"/api/v1/clients/{client_id}/contacts/{contact.json()['id']}"
    )

    meeting = await api.post(
        "/meetings",
        headers=ada.headers,
        json={"starts_at": "2026-03-02T09:30:00+01:00", "duration_minutes": 60},
    )
    assert meeting.headers["location"] == f"/api/v1/meetings/{meeting.json()['id']}"


async def test_csv_datetimes_are_written_as_the_api_writes_them(
    api: httpx.AsyncClient, ada: Account
) -> None:
    meeting = await api.post(
        "/meetings",
        headers=ada.headers,
        json={"starts_at": "2026-03-02T09:30:00.25+01:00", "duration_minutes": 60},
    )
    assert meeting.json()["starts_at"] == "2026-03-02T08:30:00.250000Z"
    export = await api.get("/meetings/export", headers=ada.headers)
    rows = list(csv.reader(io.StringIO(export.text)))
    assert rows[1][3] == meeting.json()["starts_at"]


@storage_independent
async def test_the_openapi_document_names_each_location(http: httpx.AsyncClient) -> None:
    paths = (await http.get("/openapi.json")).json()["paths"]
    creating = [
        (path, operation)
        for path, operations in paths.items()
        for operation in operations.values()
        if "201" in operation["responses"]
    ]
    assert len(creating) == 4
    for path, operation in creating:
        assert "Location" in operation["responses"]["201"]["headers"], path
        assert "application/json" in operation["responses"]["201"]["content"], path
    assert "head" in paths["/health"]
    assert "head" in paths["/health/ready"]
