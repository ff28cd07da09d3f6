"""In-process web app fixtures: the whole app (API and pages) on a fresh container, httpx.

- ``browser``: an ``httpx.AsyncClient`` at the server's root that keeps cookies, like a
  browser; ``Browser`` helpers read the CSRF token of the page last fetched.
- ``sign_up``: registers and signs in through the pages, returning the signed-in browser.

Storage is in memory by default (the pages add no storage of their own); a test asks for
more with ``@pytest.mark.parametrize("storage_kind", [...], indirect=True)``.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from config import load_settings
from container import Container
from entrypoints.http.app import create_app

from .web_helpers import PASSWORD, SECRET, Browser, SignUp, sign_up_with


@pytest.fixture
def storage_kind(request: pytest.FixtureRequest) -> str:
    return str(getattr(request, "param", "memory"))


@pytest.fixture
def settings_overrides(storage_settings: dict[str, Any]) -> dict[str, Any]:
    return {**storage_settings, "secret_key": SECRET}


@pytest.fixture
async def container(settings_overrides: dict[str, Any]) -> AsyncIterator[Container]:
    container = Container()
    with container.settings.override(load_settings(**settings_overrides)):
        yield container
    container.reset_singletons()


@pytest.fixture
def app(container: Container) -> FastAPI:
    return create_app(container)


@pytest.fixture
async def lifespan(app: FastAPI) -> AsyncIterator[FastAPI]:
    async with app.router.lifespan_context(app):
        yield app


def _browser(app: FastAPI, address: str = "203.0.113.9") -> Browser:
    transport = httpx.ASGITransport(app=app, client=(address, 50000))
    return Browser(transport=transport, base_url="http://testserver")


@pytest.fixture
async def browser(lifespan: FastAPI) -> AsyncIterator[Browser]:
    async with _browser(lifespan) as client:
        yield client


@pytest.fixture
async def other_browser(lifespan: FastAPI) -> AsyncIterator[Browser]:
    async with _browser(lifespan, "203.0.113.10") as client:
        yield client


@pytest.fixture
def sign_up(browser: Browser) -> SignUp:
    async def run(email: str = "ada@example.com", password: str = PASSWORD) -> Browser:
        return await sign_up_with(browser, email, password)

    return run
