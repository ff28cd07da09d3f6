"""A typed client generated from the live ``/openapi.json`` works unchanged.

``openapi-python-client`` writes a Python package from the document the app serves; the
test imports it as generated and drives a small journey through it (register, log in,
add a client with contacts, schedule a meeting, read the report, then a 404 and a 422):
proof that the document is usable by real tooling, not only by our own tests.
"""

from __future__ import annotations

import importlib
import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from types import ModuleType
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from http_helpers import PASSWORD, storage_independent

PACKAGE = "clientbook_client"


@pytest.fixture
def generated(app: FastAPI, tmp_path: Path) -> Iterator[ModuleType]:
    """The client package generated from the app's document, importable for this test."""
    document = tmp_path / "openapi.json"
    document.write_bytes(httpx.Response(200, json=app.openapi()).content)
    generator = Path(sys.executable).with_name("openapi-python-client")
    subprocess.run(
        [
            str(generator),
            "generate",
            "--path",
            str(document),
            "--meta",
            "none",
            "--output-path",
            str(tmp_path / PACKAGE),
        ],
        check=True,
        capture_output=True,
        timeout=120,
    )
    sys.path.insert(0, str(tmp_path))
    try:
        yield importlib.import_module(PACKAGE)
    finally:
        sys.path.remove(str(tmp_path))
        for name in [name for name in sys.modules if name.partition(".")[0] == PACKAGE]:
            del sys.modules[name]


def _operation(name: str) -> Any:
    return importlib.import_module(f"{PACKAGE}.api.{name}")


def _models() -> Any:
    return importlib.import_module(f"{PACKAGE}.models")


@storage_independent
async def test_a_generated_client_drives_the_api(app: FastAPI, generated: ModuleType) -> None:
    models = _models()
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app, client=("203.0.113.9", 50000))
        anonymous = generated.Client(base_url="http://testserver").set_async_httpx_client(
            httpx.AsyncClient(transport=transport, base_url="http://testserver")
        )
        register = _operation("auth.register_api_v1_auth_register_post")
        created = await register.asyncio_detailed(
            client=anonymous,
            body=models.RegisterIn(email="gen@example.com", password=PASSWORD, full_name="Gen"),
        )
        assert created.status_code == 201
        assert created.parsed.email == "gen@example.com"

        login = _operation("auth.login_api_v1_auth_login_post")
        tokens = (
            await login.asyncio_detailed(
                client=anonymous, body=models.LoginIn(email="gen@example.com", password=PASSWORD)
            )
        ).parsed
        assert tokens.token_type == "bearer"

        user = generated.AuthenticatedClient(
            base_url="http://testserver", token=tokens.access_token
        ).set_async_httpx_client(
            httpx.AsyncClient(
                transport=transport,
                base_url="http://testserver",
                headers={"Authorization": f"Bearer {tokens.access_token}"},
            )
        )
        add_client = _operation("clients.add_client_api_v1_clients_post")
        client = (
            await add_client.asyncio_detailed(
                client=user,
                body=models.ClientIn(
                    name="Acme",
                    contacts=[
                        models.EmailContactIn(kind="email", value="billing@acme.example"),
                        models.PhoneContactIn(kind="phone", value="+1 (555) 010-2030"),
                    ],
                ),
            )
        ).parsed
        assert [contact.kind for contact in client.contacts] == ["email", "phone"]

        schedule = _operation("meetings.schedule_meeting_api_v1_meetings_post")
        starts = datetime(2026, 3, 2, 9, 30, tzinfo=timezone(timedelta(hours=1)))
        meeting = await schedule.asyncio_detailed(
            client=user,
            body=models.MeetingIn(
                starts_at=starts, duration_minutes=90, client_id=client.id, revenue="1250.50"
            ),
        )
        assert meeting.status_code == 201
        assert meeting.parsed.revenue == "1250.50"
        assert meeting.parsed.starts_at == starts

        report = _operation("reports.revenue_report_api_v1_reports_revenue_get")
        revenue = (
            await report.asyncio_detailed(
                client=user,
                from_=datetime(2026, 1, 1, tzinfo=UTC),
                to=datetime(2027, 1, 1, tzinfo=UTC),
                group_by=models.ReportGrouping.CLIENT,
            )
        ).parsed
        assert revenue.total.revenue == "1250.50"
        assert [group.label for group in revenue.groups] == ["Acme"]

        get_meeting = _operation("meetings.get_meeting_api_v1_meetings_meeting_id_get")
        missing = await get_meeting.asyncio_detailed(client=user, meeting_id=client.id)
        assert missing.status_code == 404
        assert missing.parsed.code == "meeting_not_found"

        invalid = await schedule.asyncio_detailed(
            client=user, body=models.MeetingIn(starts_at=starts, duration_minutes=0)
        )
        assert invalid.status_code == 422
        assert invalid.parsed.code == "validation_error"
        assert [error.type_ for error in invalid.parsed.errors] == ["invalid_duration"]
