"""A request whose statement waits past the statement timeout (here on a lock another
session holds) gets a 503 problem instead of hanging, and the service carries on."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from http_helpers import assert_problem
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine
from sqlalchemy.pool import NullPool

STATEMENT_TIMEOUT = 0.3


@pytest.fixture
def settings_overrides(settings_overrides: dict[str, Any]) -> dict[str, Any]:
    return {**settings_overrides, "db_statement_timeout": STATEMENT_TIMEOUT}


@pytest.mark.parametrize(
    "storage_kind", [pytest.param("postgresql", marks=pytest.mark.postgres)], indirect=True
)
async def test_a_statement_past_the_timeout_is_a_503_problem(
    api: httpx.AsyncClient, make_user: Any, postgres_url: str
) -> None:
    ada = await make_user("ada@example.com")
    assert (await api.post("/clients", json={"name": "Acme"}, headers=ada.headers)).is_success
    blocker = create_async_engine(postgres_url, poolclass=NullPool)
    try:
        async with blocker.connect() as conn:
            # Held until the end of the block: every read of clients waits for it.
            await conn.execute(text("LOCK TABLE clients IN ACCESS EXCLUSIVE MODE"))
            response = await api.get("/clients", headers=ada.headers)
            assert_problem(response, 503, "storage_timeout")
    finally:
        await blocker.dispose()
    after = await api.get("/clients", headers=ada.headers)
    assert after.status_code == 200
    assert after.json()["total"] == 1
