"""Whole user journeys over a real socket, against PostgreSQL."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from contextlib import AbstractContextManager

import httpx
import pytest

pytestmark = [pytest.mark.e2e, pytest.mark.postgres, pytest.mark.slow]

Serve = Callable[[int], AbstractContextManager[str]]
PASSWORD = "a journey of a thousand miles"


def _bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def test_a_whole_journey(serve: Serve) -> None:
    with serve(1) as base_url, httpx.Client(base_url=f"{base_url}/api/v1", timeout=10) as api:
        registered = api.post(
            "/auth/register",
            json={"email": "ada@example.com", "password": PASSWORD, "full_name": "Ada"},
        )
        assert registered.status_code == 201, registered.text
        assert registered.headers["x-request-id"]

        login = api.post("/auth/login", json={"email": "ada@example.com", "password": PASSWORD})
        assert login.status_code == 200, login.text
        tokens = login.json()
        auth = _bearer(tokens["access_token"])

        client = api.post(
            "/clients",
            headers=auth,
            json={
                "name": "Analytical Engines",
                "company": "Babbage & Co",
                "contacts": [
                    {"kind": "email", "value": "charles@example.com", "label": "work"},
                    {"kind": "phone", "value": "+44 20 7946 0958"},
                ],
            },
        )
        assert client.status_code == 201, client.text
        client_id = client.json()["id"]
        assert len(client.json()["contacts"]) == 2
        duplicate = api.post("/clients", headers=auth, json={"name": "ANALYTICAL engines"})
        assert duplicate.status_code == 409
        assert duplicate.headers["content-type"] == "application/problem+json"

        for starts_at, revenue in [
            ("2026-01-10T09:00:00+01:00", "1250.00"),
            ("2026-02-10T09:00:00Z", 300),
        ]:
            meeting = api.post(
                "/meetings",
                headers=auth,
                json={
                    "client_id": client_id,
                    "starts_at": starts_at,
                    "duration_minutes": 90,
                    "revenue": revenue,
                },
            )
            assert meeting.status_code == 201, meeting.text
        solo = api.post(
            "/meetings",
            headers=auth,
            json={"starts_at": "2026-02-20T15:00:00Z", "duration_minutes": 30, "revenue": 0.5},
        )
        assert solo.json()["revenue"] == "0.50"

        page = api.get("/meetings", headers=auth, params={"limit": 2}).json()
        assert (page["total"], len(page["items"])) == (3, 2)

        report = api.get(
            "/reports/revenue",
            headers=auth,
            params={
                "from": "2026-01-01T00:00:00Z",
                "to": "2026-03-01T00:00:00Z",
                "group_by": "client",
            },
        )
        assert report.status_code == 200, report.text
        assert report.json()["total"] == {"revenue": "1550.50", "minutes": 210, "meetings": 3}
        assert [g["label"] for g in report.json()["groups"]] == ["Analytical Engines", "No client"]

        export = api.get("/meetings/export", headers=auth)
        assert export.headers["content-disposition"] == 'attachment; filename="meetings.csv"'
        rows = list(csv.reader(io.StringIO(export.text)))
        assert len(rows) == 4
        assert rows[1][2] == "Analytical Engines"

        refreshed = api.post("/auth/refresh", json={"refresh_token": tokens["refresh_token"]})
        assert refreshed.status_code == 200, refreshed.text
        pair = refreshed.json()
        me = api.get("/users/me", headers=_bearer(pair["access_token"]))
        assert me.json()["email"] == "ada@example.com"

        logout = api.post(
            "/auth/logout",
            json={"refresh_token": pair["refresh_token"]},
            headers=_bearer(pair["access_token"]),
        )
        assert logout.status_code == 204
        after = api.post("/auth/refresh", json={"refresh_token": pair["refresh_token"]})
        assert after.status_code == 401
        assert after.headers["www-authenticate"] == "Bearer"
        reused = api.post("/auth/refresh", json={"refresh_token": tokens["refresh_token"]})
        assert reused.status_code == 401


def test_two_workers_share_tokens_and_data(serve: Serve) -> None:
    with serve(2) as base_url:
        with httpx.Client(base_url=f"{base_url}/api/v1", timeout=10) as api:
            registered = api.post(
                "/auth/register", json={"email": "bob@example.com", "password": PASSWORD}
            )
            assert registered.status_code == 201, registered.text
            login = api.post("/auth/login", json={"email": "bob@example.com", "password": PASSWORD})
            auth = _bearer(login.json()["access_token"])
            assert api.post("/clients", headers=auth, json={"name": "Shared"}).status_code == 201
        # A fresh connection per request, so the kernel spreads them over both workers:
        # every one of them must accept the token and see the same data.
        answers = []
        for _ in range(40):
            with httpx.Client(base_url=f"{base_url}/api/v1", timeout=10) as api:
                answers.append(api.get("/clients", headers=auth))
        assert [answer.status_code for answer in answers] == [200] * 40
        assert {answer.json()["total"] for answer in answers} == {1}
