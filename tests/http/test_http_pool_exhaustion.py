"""When every database connection is taken, a request waits a bounded time for one and is
then answered with a 503 problem with ``Retry-After`` (never a hang, never a 500), and
all is well after."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from http_helpers import assert_problem

from container import Container

POOL_TIMEOUT = 0.5


@pytest.fixture
def settings_overrides(settings_overrides: dict[str, Any]) -> dict[str, Any]:
    return {
        **settings_overrides,
        "db_pool_size": 1,
        "db_max_overflow": 0,
        "db_pool_timeout": POOL_TIMEOUT,
    }


@pytest.mark.parametrize(
    "storage_kind",
    ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)],
    indirect=True,
)
async def test_an_exhausted_pool_is_a_quick_503(
    api: httpx.AsyncClient, container: Container, make_user: Any
) -> None:
    ada = await make_user("ada@example.com")
    # Reads and writes have a pool each on PostgreSQL (ADR 0002), one between them on
    # SQLite: holding the connection of the one a request needs exhausts it either way.
    async with container.units().reading():
        response = await api.get("/clients", headers=ada.headers)
    assert_problem(response, 503, "storage_unavailable")
    # A moment's overload, not a lost database: the client may try again shortly.
    assert response.headers["Retry-After"] == "1"
    async with container.units().writing():
        response = await api.post("/clients", json={"name": "Acme"}, headers=ada.headers)
    assert_problem(response, 503, "storage_unavailable")
    assert response.headers["Retry-After"] == "1"
    assert (await api.get("/clients", headers=ada.headers)).status_code == 200
    assert (
        await api.post("/clients", json={"name": "Acme"}, headers=ada.headers)
    ).status_code == 201


@pytest.mark.parametrize(
    "storage_kind",
    ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)],
    indirect=True,
)
async def test_readiness_tells_the_truth_about_the_pools(
    api: httpx.AsyncClient, container: Container
) -> None:
    ready = "http://testserver/health/ready"
    assert (await api.get(ready)).status_code == 200
    # The pool of the reads alone exhausted (on PostgreSQL; SQLite has one pool): the
    # service cannot answer a read, so it is not ready.
    async with container.units().reading():
        assert_problem(await api.get(ready), 503, "storage_unavailable")
    async with container.units().writing():
        assert_problem(await api.get(ready), 503, "storage_unavailable")
    assert (await api.get(ready)).status_code == 200
