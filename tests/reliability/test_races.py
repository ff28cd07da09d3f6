"""Concurrent duplicate writes against a real server on PostgreSQL: one wins, the rest get
a clean 4xx, never a 5xx and never two rows."""

from __future__ import annotations

import asyncio
from collections import Counter

import httpx
import pytest
from reliability_support import Launch

pytestmark = [pytest.mark.e2e, pytest.mark.postgres, pytest.mark.slow]

PASSWORD = "correct horse battery"
TIMEOUT = httpx.Timeout(30.0)


async def _login(client: httpx.AsyncClient, email: str) -> dict[str, str]:
    registered = await client.post(
        "/api/v1/auth/register", json={"email": email, "password": PASSWORD}
    )
    assert registered.status_code == 201, registered.text
    login = await client.post("/api/v1/auth/login", json={"email": email, "password": PASSWORD})
    assert login.status_code == 200, login.text
    tokens: dict[str, str] = login.json()
    return tokens


def test_concurrent_duplicates_get_one_winner(launch: Launch) -> None:
    with launch({"CLIENTBOOK_DB_POOL_SIZE": "20"}) as server:

        async def scenario() -> None:
            limits = httpx.Limits(max_connections=40)
            async with httpx.AsyncClient(
                base_url=server.base_url, timeout=TIMEOUT, limits=limits
            ) as client:
                # 20 registrations of one email (in different letter cases).
                emails = ["Race@Example.com" if i % 2 else "race@example.com" for i in range(20)]
                answers = await asyncio.gather(
                    *(
                        client.post(
                            "/api/v1/auth/register", json={"email": e, "password": PASSWORD}
                        )
                        for e in emails
                    )
                )
                statuses = Counter(a.status_code for a in answers)
                assert statuses == {201: 1, 409: 19}, statuses
                assert all(
                    a.json()["code"] == "email_taken" for a in answers if a.status_code == 409
                )

                # 20 creations of one client name (case-insensitively the same).
                tokens = await _login(client, "owner@example.com")
                bearer = {"Authorization": f"Bearer {tokens['access_token']}"}
                names = ["Acme Corp" if i % 2 else "ACME corp" for i in range(20)]
                answers = await asyncio.gather(
                    *(
                        client.post("/api/v1/clients", json={"name": n}, headers=bearer)
                        for n in names
                    )
                )
                statuses = Counter(a.status_code for a in answers)
                assert statuses == {201: 1, 409: 19}, statuses
                listing = await client.get("/api/v1/clients", headers=bearer)
                assert listing.json()["total"] == 1

                # 10 refreshes with one refresh token: at most one new pair.
                refresh = {"refresh_token": tokens["refresh_token"]}
                answers = await asyncio.gather(
                    *(client.post("/api/v1/auth/refresh", json=refresh) for _ in range(10))
                )
                statuses = Counter(a.status_code for a in answers)
                assert statuses[200] <= 1, statuses
                assert set(statuses) <= {200, 401}, statuses
                # The reuse revoked the family: the winner's new token is dead too.
                for answer in answers:
                    if answer.status_code == 200:
                        again = await client.post(
                            "/api/v1/auth/refresh",
                            json={"refresh_token": answer.json()["refresh_token"]},
                        )
                        assert again.status_code == 401

        asyncio.run(scenario())
        errors = [e for e in server.log_entries() if e.get("level") == "ERROR"]
        assert not errors, errors
