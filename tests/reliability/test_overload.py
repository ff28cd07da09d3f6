"""More requests in flight than database connections: every one is answered (a success,
or a fast 503 problem when the bounded wait for a connection runs out), nothing hangs,
and the service is fully responsive right after."""

from __future__ import annotations

import asyncio
import time
from collections import Counter

import httpx
import pytest
from reliability_support import Launch

pytestmark = [pytest.mark.e2e, pytest.mark.postgres, pytest.mark.slow]

PASSWORD = "correct horse battery"
IN_FLIGHT = 16  # eight times the pool below
DURATION_SECONDS = 45.0
MAX_REQUESTS = 20_000
# Generous: a request waits at most 1 s for a connection, then is answered at once.
CLIENT_TIMEOUT = httpx.Timeout(15.0)


def test_overload_is_answered_without_stalls(launch: Launch) -> None:
    env = {
        "CLIENTBOOK_DB_POOL_SIZE": "2",
        "CLIENTBOOK_DB_MAX_OVERFLOW": "0",
        "CLIENTBOOK_DB_POOL_TIMEOUT": "1",
    }
    with launch(env) as server:

        async def scenario() -> tuple[Counter[int], list[str]]:
            statuses: Counter[int] = Counter()
            failures: list[str] = []
            limits = httpx.Limits(max_connections=IN_FLIGHT * 2)
            async with httpx.AsyncClient(
                base_url=server.base_url, timeout=CLIENT_TIMEOUT, limits=limits
            ) as client:
                emails = [f"load{i}@example.com" for i in range(4)]
                for email in emails:
                    registered = await client.post(
                        "/api/v1/auth/register", json={"email": email, "password": PASSWORD}
                    )
                    assert registered.status_code == 201, registered.text
                login = await client.post(
                    "/api/v1/auth/login", json={"email": emails[0], "password": PASSWORD}
                )
                bearer = {"Authorization": f"Bearer {login.json()['access_token']}"}
                created = await client.post("/api/v1/clients", json={"name": "A"}, headers=bearer)
                assert created.status_code == 201

                deadline = time.monotonic() + DURATION_SECONDS
                sent = 0

                async def worker(n: int) -> None:
                    nonlocal sent
                    i = 0
                    while time.monotonic() < deadline and sent < MAX_REQUESTS:
                        sent += 1
                        i += 1
                        try:
                            if (n + i) % 3 == 0:
                                email = emails[(n + i) % len(emails)]
                                response = await client.post(
                                    "/api/v1/auth/login",
                                    json={"email": email, "password": PASSWORD},
                                )
                            elif (n + i) % 3 == 1:
                                response = await client.get("/api/v1/clients", headers=bearer)
                            else:
                                response = await client.get("/api/v1/users/me", headers=bearer)
                        except httpx.TransportError as error:  # a timeout is a stall
                            failures.append(repr(error))
                            continue
                        statuses[response.status_code] += 1
                        if response.status_code == 503:
                            problem = response.json()
                            if problem.get("code") != "storage_unavailable" or not response.headers[
                                "content-type"
                            ].startswith("application/problem+json"):
                                failures.append(response.text)
                        elif response.status_code != 200:
                            failures.append(f"{response.status_code}: {response.text}")

                await asyncio.gather(*(worker(n) for n in range(IN_FLIGHT)))

                # Right after: fully responsive, the pool is not leaked or wedged.
                for _ in range(5):
                    started = time.monotonic()
                    after = await client.get(
                        "/api/v1/clients", headers=bearer, timeout=httpx.Timeout(5.0)
                    )
                    assert after.status_code == 200, after.text
                    assert after.json()["total"] == 1
                    assert time.monotonic() - started < 5.0
                ready = await client.get("/health/ready", timeout=httpx.Timeout(5.0))
                assert ready.status_code == 200
            return statuses, failures

        statuses, failures = asyncio.run(scenario())
        print(f"overload: {sum(statuses.values())} requests answered, by status {dict(statuses)}")
        assert not failures, failures[:5]
        assert statuses[200] > 0, statuses
        assert set(statuses) <= {200, 503}, statuses
        errors = [e for e in server.log_entries() if e.get("level") == "ERROR"]
        assert not errors, errors[:3]
