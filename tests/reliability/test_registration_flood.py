"""A registration flood from one address cannot slow anyone else down: past
``REGISTER_RATE_LIMIT`` its attempts are refused before any password is hashed or any
connection is taken, so another address's logins keep their pace (p99 under 1 s),
against a real server.

The flood runs in a process of its own, so that its client-side work does not delay the
measured logins' own event loop."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
import time

import httpx
import pytest
from reliability_support import Launch

pytestmark = [pytest.mark.e2e, pytest.mark.postgres, pytest.mark.slow]

PASSWORD = "correct horse battery"
FLOODERS = 32
FLOOD_SECONDS = 8.0
LOGIN_INTERVAL = 0.1
REGISTER_LIMIT = 5
LOGIN_P99_BOUND = 1.0
FLOOD_FROM = "192.0.2.66"  # sent as X-Forwarded-For, which uvicorn trusts from loopback
USER_FROM = {"X-Forwarded-For": "198.51.100.7"}

# FLOODERS connections registering new accounts back to back for FLOOD_SECONDS; prints
# the count of each status as JSON.
FLOOD = """
import asyncio, json, sys, time
import httpx

base_url, flooders, seconds, source, password = sys.argv[1:]

async def main():
    statuses = {}
    deadline = time.monotonic() + float(seconds)
    limits = httpx.Limits(max_connections=int(flooders))
    async with httpx.AsyncClient(
        base_url=base_url, timeout=30, limits=limits, headers={"X-Forwarded-For": source}
    ) as client:
        async def flooder(n):
            i = 0
            while time.monotonic() < deadline:
                i += 1
                body = {"email": f"flood-{n}-{i}@example.com", "password": password}
                response = await client.post("/api/v1/auth/register", json=body)
                statuses[response.status_code] = statuses.get(response.status_code, 0) + 1
        await asyncio.gather(*(flooder(n) for n in range(int(flooders))))
    print(json.dumps(statuses))

asyncio.run(main())
"""


FLOOD_ARGS = [str(FLOODERS), str(FLOOD_SECONDS), FLOOD_FROM, PASSWORD]


def p99(samples: list[float]) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]


def test_a_registration_flood_leaves_other_logins_fast(launch: Launch) -> None:
    with launch({"CLIENTBOOK_REGISTER_RATE_LIMIT": f"{REGISTER_LIMIT}/minute"}) as server:
        user = {"email": "steady@example.com", "password": PASSWORD}
        registered = httpx.post(
            f"{server.base_url}/api/v1/auth/register", json=user, headers=USER_FROM, timeout=30
        )
        assert registered.status_code == 201, registered.text
        flood = subprocess.Popen(
            [sys.executable, "-c", FLOOD, server.base_url, *FLOOD_ARGS],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )

        async def logins() -> tuple[list[float], list[int]]:
            latencies: list[float] = []
            statuses: list[int] = []
            async with httpx.AsyncClient(base_url=server.base_url, timeout=30) as client:
                await asyncio.sleep(1.0)  # the flood is under way
                while flood.poll() is None:
                    started = time.monotonic()
                    response = await client.post("/api/v1/auth/login", json=user, headers=USER_FROM)
                    latencies.append(time.monotonic() - started)
                    statuses.append(response.status_code)
                    await asyncio.sleep(LOGIN_INTERVAL)
            return latencies, statuses

        try:
            latencies, login_statuses = asyncio.run(logins())
            out, err = flood.communicate(timeout=60)
        finally:
            if flood.poll() is None:
                flood.kill()
                flood.wait()
    assert flood.returncode == 0, err
    flood_statuses = {int(code): count for code, count in json.loads(out).items()}
    print(
        f"registration flood: {sum(flood_statuses.values())} attempts {flood_statuses}; "
        f"other address: {len(latencies)} logins, p99 {p99(latencies) * 1000:.0f} ms, "
        f"max {max(latencies) * 1000:.0f} ms"
    )
    assert flood_statuses.get(201) == REGISTER_LIMIT, flood_statuses
    assert set(flood_statuses) == {201, 429}, flood_statuses
    assert flood_statuses[429] > 3 * FLOODERS  # it was a flood
    assert set(login_statuses) == {200}, login_statuses
    assert len(latencies) >= 10
    assert p99(latencies) < LOGIN_P99_BOUND
