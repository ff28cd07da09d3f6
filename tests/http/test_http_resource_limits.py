"""Registration limited per client address, and a busy password hasher answered at once:
both problems carry ``Retry-After``."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from http_helpers import PASSWORD, Account, assert_problem, storage_independent

from container import Container
from domain.errors import ServiceBusy
from domain.ports import PasswordHasher
from domain.values import PlainPassword


@pytest.fixture
def settings_overrides(settings_overrides: dict[str, Any]) -> dict[str, Any]:
    return {**settings_overrides, "register_rate_limit": "2/minute"}


@storage_independent
async def test_registrations_past_the_limit_are_429_per_address(
    api: httpx.AsyncClient, app: Any
) -> None:
    for i in range(2):
        registered = await api.post(
            "/auth/register", json={"email": f"u{i}@example.com", "password": PASSWORD}
        )
        assert registered.status_code == 201
    refused = await api.post(
        "/auth/register", json={"email": "u2@example.com", "password": PASSWORD}
    )
    assert_problem(refused, 429, "rate_limited")
    assert 1 <= int(refused.headers["retry-after"]) <= 60

    transport = httpx.ASGITransport(app=app, client=("198.51.100.9", 50000))
    async with httpx.AsyncClient(
        transport=transport, base_url="http://testserver/api/v1"
    ) as elsewhere:
        other = await elsewhere.post(
            "/auth/register", json={"email": "u2@example.com", "password": PASSWORD}
        )
    assert other.status_code == 201  # another address has its own count


class BusyHasher(PasswordHasher):
    """A hasher whose queue is full (as ``BcryptPasswordHasher`` reports it)."""

    async def hash(self, password: PlainPassword, *, source: str | None = None) -> str:
        raise ServiceBusy(retry_after_seconds=1)

    async def verify(self, password: str, password_hash: str, *, source: str | None = None) -> bool:
        raise ServiceBusy(retry_after_seconds=1)

    async def verify_dummy(self, password: str, *, source: str | None = None) -> None:
        raise ServiceBusy(retry_after_seconds=1)


@storage_independent
async def test_a_busy_hasher_is_a_503_with_retry_after(
    api: httpx.AsyncClient, container: Container
) -> None:
    with container.password_hasher.override(BusyHasher()):
        register = await api.post(
            "/auth/register", json={"email": "ada@example.com", "password": PASSWORD}
        )
        login = await api.post(
            "/auth/login", json={"email": "ada@example.com", "password": PASSWORD}
        )
    for response in (register, login):
        assert_problem(response, 503, "service_busy")
        assert response.headers["retry-after"] == "1"


@storage_independent
async def test_exports_and_reports_past_a_users_budget_are_429(
    api: httpx.AsyncClient, container: Container, ada: Account, bob: Account
) -> None:
    period = {"from": "2026-01-01T00:00:00Z", "to": "2026-02-01T00:00:00Z"}
    slots = container.long_requests()
    # ada has two downloads running (the default budget)
    held = [await slots.acquire(ada.id), await slots.acquire(ada.id)]
    assert None not in held
    try:
        report = await api.get("/reports/revenue", params=period, headers=ada.headers)
        export = await api.get("/meetings/export", headers=ada.headers)
        for response in (report, export):
            assert_problem(response, 429, "too_many_in_flight")
            assert response.headers["retry-after"] == "1"
        # Another user's budget is their own.
        assert (await api.get("/meetings/export", headers=bob.headers)).status_code == 200
    finally:
        for lease in held:
            assert lease is not None
            await slots.release(ada.id, lease)
    assert (await api.get("/reports/revenue", params=period, headers=ada.headers)).is_success
    assert (await api.get("/meetings/export", headers=ada.headers)).is_success
    assert slots.in_flight(ada.id) == 0  # each gave its slot back
