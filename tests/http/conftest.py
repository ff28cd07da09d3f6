"""In-process HTTP fixtures: a fresh container per test, the app's lifespan run, httpx.

Reusable by anyone who needs the API in a test:

- ``api``: an ``httpx.AsyncClient`` on the app (lifespan entered), base URL ``/api/v1``.
- ``make_user``: ``await make_user("ada@example.com")`` registers and logs in, returning
  an ``Account`` with ``headers`` ready for authenticated calls.
- ``container``: the test's container (settings overridden), e.g. for extra overrides.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from http_helpers import PASSWORD, SECRET, Account

from config import load_settings
from container import Container
from entrypoints.http.app import create_app


@pytest.fixture(params=["memory", "sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def storage_kind(request: pytest.FixtureRequest) -> str:
    """Every HTTP test runs on each storage: in memory, SQLite, PostgreSQL."""
    return str(request.param)


@pytest.fixture
def settings_overrides(storage_settings: dict[str, Any]) -> dict[str, Any]:
    """Override or extend in a test module to change settings (e.g. rate limits)."""
    return {
        **storage_settings,
        "secret_key": SECRET,
        "cors_origins": ["https://app.example.com"],
    }


@pytest.fixture
async def container(settings_overrides: dict[str, Any]) -> AsyncIterator[Container]:
    container = Container()
    with container.settings.override(load_settings(**settings_overrides)):
        yield container
    container.reset_singletons()
    container.unwire()


@pytest.fixture
def app(container: Container) -> FastAPI:
    return create_app(container)


@pytest.fixture
async def http(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    """A client at the server's root (for /health, /docs, /openapi.json)."""
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app, client=("203.0.113.7", 50000))
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
            yield client


@pytest.fixture
async def api(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    """A client at ``/api/v1``."""
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app, client=("203.0.113.7", 50000))
        async with httpx.AsyncClient(
            transport=transport, base_url="http://testserver/api/v1"
        ) as client:
            yield client


MakeUser = Callable[..., Awaitable[Account]]


@pytest.fixture
def make_user(api: httpx.AsyncClient) -> MakeUser:
    async def make(email: str = "ada@example.com", password: str = PASSWORD) -> Account:
        registered = await api.post("/auth/register", json={"email": email, "password": password})
        assert registered.status_code == 201, registered.text
        login = await api.post("/auth/login", json={"email": email, "password": password})
        assert login.status_code == 200, login.text
        tokens = login.json()
        return Account(
            registered.json()["id"], email, tokens["access_token"], tokens["refresh_token"]
        )

    return make


@pytest.fixture
async def ada(make_user: MakeUser) -> Account:
    return await make_user("ada@example.com")


@pytest.fixture
async def bob(make_user: MakeUser) -> Account:
    return await make_user("bob@example.com")
