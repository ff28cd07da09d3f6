"""A user's cap on exports in flight holds across workers when Redis counts it:
``clientbook serve --workers 2`` with ``LONG_REQUESTS_PER_USER=2``, two slow downloads
held open, and every further export refused with a 429 by whichever worker answers,
until both workers have refused; a download given up frees its slot for the other
worker too. Without the shared count a worker holding no download would have let one
(or two) more through.

Which worker answered is read from the access log (the request id names the pid), as in
``test_workers.py``; every request opens a fresh connection, so the kernel hands it to
either worker."""

from __future__ import annotations

import asyncio
import time
import uuid
from uuid import UUID

import httpx
import pytest
import redis
from export_support import SlowDownload, seed_meetings
from reliability_support import Launch

from adapters.ratelimit.keys import key_digest

pytestmark = [pytest.mark.e2e, pytest.mark.postgres, pytest.mark.redis, pytest.mark.slow]

PASSWORD = "correct horse battery"
CAP = 2
ATTEMPT_SECONDS = 30.0  # fresh connections tried before concluding a worker never answers
MEETINGS = 1500  # ~6 MB of CSV: more than the socket buffers, so a download stays open


def test_the_cap_on_exports_in_flight_holds_across_workers(
    launch: Launch, redis_url: str, fresh_postgres_database: str
) -> None:
    env = {"CLIENTBOOK_REDIS_URL": redis_url, "CLIENTBOOK_LONG_REQUESTS_PER_USER": str(CAP)}
    with launch(env, workers=2) as server:
        body = {"email": "exporter@example.com", "password": PASSWORD}
        with httpx.Client(base_url=server.base_url, timeout=30) as client:
            registered = client.post("/api/v1/auth/register", json=body)
            assert registered.status_code == 201, registered.text
            token = client.post("/api/v1/auth/login", json=body).json()["access_token"]
        user_id = registered.json()["id"]
        key = f"clientbook:inflight:{key_digest(user_id).hex()}"

        async def scenario() -> tuple[list[int], dict[str, int], set[int], int]:
            await seed_meetings(fresh_postgres_database, UUID(user_id), MEETINGS)

            async def export() -> tuple[str, SlowDownload]:
                rid = uuid.uuid4().hex
                download = SlowDownload(
                    server.base_url, "/api/v1/meetings/export", token, {"X-Request-ID": rid}
                )
                await download.start()
                return rid, download

            held = [await export() for _ in range(CAP)]
            refusals: dict[str, int] = {}
            deadline = time.monotonic() + ATTEMPT_SECONDS
            while time.monotonic() < deadline:
                rid, extra = await export()
                refusals[rid] = extra.status
                extra.close()
                if len(set(server.worker_pids(list(refusals)).values())) == 2:
                    break
                await asyncio.sleep(0.05)  # either worker may be the one back in accept()
            refusing = set(server.worker_pids(list(refusals)).values())

            held[0][1].close()  # one download given up: its slot is free for any worker
            freed = 0
            for _ in range(100):
                rid, again = await export()
                again.close()
                if again.status == 200:
                    freed = again.status
                    break
                assert again.status == 429
                await asyncio.sleep(0.05)
            held[1][1].close()
            return [download.status for _, download in held], refusals, refusing, freed

        held, refusals, refusing, freed = asyncio.run(scenario())

        # Every lease given back: the count's key goes with the last one.
        client = redis.Redis.from_url(redis_url)
        try:
            deadline = time.monotonic() + 10
            while client.zcard(key) and time.monotonic() < deadline:
                time.sleep(0.1)
            left = client.zcard(key)
        finally:
            client.delete(key)
            client.close()
    print(
        f"cap {CAP} across 2 workers: {len(refusals)} further exports, "
        f"statuses {sorted(set(refusals.values()))}, refused by {len(refusing)} workers"
    )
    assert held == [200] * CAP
    assert set(refusals.values()) == {429}, refusals
    assert len(refusing) == 2, "one worker answered every further export"
    assert freed == 200
    assert left == 0
