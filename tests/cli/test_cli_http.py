"""Written through the command line, read back through the HTTP API: one core, one store."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

import httpx

from container import Container
from entrypoints.http.app import create_app

from .conftest import PASSWORD, Cli


async def _read_back(container: Container, email: str) -> dict[str, Any]:
    app = create_app(container)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(
            transport=transport, base_url="http://testserver/api/v1"
        ) as api:
            login = await api.post("/auth/login", json={"email": email, "password": PASSWORD})
            assert login.status_code == 200, login.text
            headers = {"Authorization": f"Bearer {login.json()['access_token']}"}
            clients = await api.get("/clients", headers=headers)
            meetings = await api.get("/meetings", headers=headers)
            export = await api.get("/meetings/export", headers=headers)
            report = await api.get(
                "/reports/revenue",
                params={"from": "2026-01-01T00:00:00Z", "to": "2027-01-01T00:00:00Z"},
                headers=headers,
            )
    container.unwire()
    return {
        "clients": clients.json(),
        "meetings": meetings.json(),
        "export": export.content,
        "report": report.json(),
    }


def test_what_the_cli_writes_the_api_reads(
    cli: Cli, make_container: Callable[[], Container]
) -> None:
    email = "grace@example.com"
    assert cli("users", "create", email, input=f"{PASSWORD}\n{PASSWORD}\n").exit_code == 0
    added = cli(
        "clients", "add", "Analytical Engines", "--user", email, "--company", "AE Ltd",
        "--contact", "email[work]:ada@engines.example",
    )  # fmt: skip
    assert added.exit_code == 0, added.output
    scheduled = cli(
        "meetings", "add", "--user", email, "--client", "analytical engines",
        "--at", "2026-05-04T10:00+02:00", "--minutes", "60", "--revenue", "480",
    )  # fmt: skip
    assert scheduled.exit_code == 0, scheduled.output
    exported = cli("export", "meetings", "--user", email)
    assert exported.exit_code == 0

    seen = asyncio.run(_read_back(make_container(), email))

    assert seen["clients"]["total"] == 1
    client = seen["clients"]["items"][0]
    assert (client["name"], client["company"]) == ("Analytical Engines", "AE Ltd")
    assert [(c["kind"], c["value"], c["label"]) for c in client["contacts"]] == [
        ("email", "ada@engines.example", "work")
    ]
    meeting = seen["meetings"]["items"][0]
    assert meeting["client_id"] == client["id"]
    assert meeting["starts_at"].startswith("2026-05-04T08:00:00")
    assert meeting["revenue"] == "480.00"
    assert seen["report"]["total"] == {"revenue": "480.00", "minutes": 60, "meetings": 1}
    # The CLI's export and the API's are the same bytes, from the same use case.
    assert exported.stdout_bytes == seen["export"]
