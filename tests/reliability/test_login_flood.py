"""Login floods cannot fill the server's memory or Redis: over-long emails are refused
before the rate limiter, keys are fixed-size digests, attempts refused for their source
create no key for their email, and a flood from many sources stops at the limiter's
bound on keys. Against a real server, with either limiter."""

from __future__ import annotations

import asyncio
import secrets
from pathlib import Path

import httpx
import pytest
from redis.asyncio import Redis
from reliability_support import Launch, Server

pytestmark = [pytest.mark.e2e, pytest.mark.postgres]

LONG_EMAILS = 100
LONG_EMAIL_BYTES = 512 * 1024  # below the 1 MiB body limit: it is the email that is long
UNIQUE_EMAILS = 300
LIMIT = 10
# Before the fix, 300 one-megabyte emails kept ~300 MB; a few MB of drift is normal.
RSS_GROWTH_BOUND = 24 * 1024 * 1024
REDIS_GROWTH_BOUND = 1024 * 1024  # used_memory also moves with client buffers
KEY_PREFIX = "clientbook:rl:"


def rss_bytes(server: Server) -> int:
    status = Path(f"/proc/{server.process.pid}/status").read_text()
    kilobytes = next(line.split()[1] for line in status.splitlines() if line.startswith("VmRSS:"))
    return int(kilobytes) * 1024


async def flood(server: Server) -> dict[int, int]:
    """Every attempt from one source (its own, so no other test shares its count)."""
    statuses: dict[int, int] = {}
    padding = "a" * LONG_EMAIL_BYTES
    source = f"10.{secrets.randbelow(256)}.{secrets.randbelow(256)}.{secrets.randbelow(254) + 1}"
    # uvicorn takes the client address from X-Forwarded-For on loopback connections.
    headers = {"X-Forwarded-For": source}
    run = secrets.token_hex(4)
    async with httpx.AsyncClient(base_url=server.base_url, timeout=30, headers=headers) as client:
        for i in range(LONG_EMAILS):
            email = f"{i}{padding}@example.com"
            response = await client.post(
                "/api/v1/auth/login", json={"email": email, "password": "whatever1"}
            )
            statuses[response.status_code] = statuses.get(response.status_code, 0) + 1
        local = "b" * 220
        for i in range(UNIQUE_EMAILS):
            email = f"{local}{run}{i:04d}@example.com"
            response = await client.post(
                "/api/v1/auth/login", json={"email": email, "password": "whatever1"}
            )
            statuses[response.status_code] = statuses.get(response.status_code, 0) + 1
    return statuses


def expected(statuses: dict[int, int]) -> None:
    assert statuses.get(422) == LONG_EMAILS, statuses
    # One source: its first LIMIT attempts are counted (401: no such account), the rest
    # are refused for the source before their email is looked at.
    assert statuses.get(401) == LIMIT, statuses
    assert statuses.get(429) == UNIQUE_EMAILS - LIMIT, statuses


def test_a_login_flood_keeps_the_in_memory_limiter_small(launch: Launch) -> None:
    with launch({"CLIENTBOOK_LOGIN_RATE_LIMIT": f"{LIMIT}/minute"}) as server:
        before = rss_bytes(server)
        statuses = asyncio.run(flood(server))
        grown = rss_bytes(server) - before
    print(f"login flood, in-memory limiter: RSS grew {grown / 2**20:.1f} MiB; {statuses}")
    expected(statuses)
    assert grown < RSS_GROWTH_BOUND


def test_a_login_flood_keeps_redis_small(launch: Launch, redis_url: str) -> None:
    async def keys_and_memory() -> tuple[set[bytes], int]:
        redis = Redis.from_url(redis_url)
        try:
            keys = {key async for key in redis.scan_iter(match=f"{KEY_PREFIX}*")}
            memory = int((await redis.info("memory"))["used_memory"])
        finally:
            await redis.aclose()
        return keys, memory

    env = {"CLIENTBOOK_LOGIN_RATE_LIMIT": f"{LIMIT}/minute", "CLIENTBOOK_REDIS_URL": redis_url}
    with launch(env) as server:
        keys_before, memory_before = asyncio.run(keys_and_memory())
        statuses = asyncio.run(flood(server))
        keys_after, memory_after = asyncio.run(keys_and_memory())
    index = f"{KEY_PREFIX}index".encode()
    new_keys = keys_after - keys_before - {index}
    grown = memory_after - memory_before
    print(f"login flood, Redis: {len(new_keys)} new keys, used_memory grew {grown} B; {statuses}")
    expected(statuses)
    # One for the source, one per email counted: none for the refused ones.
    assert len(new_keys) <= LIMIT + 1
    assert {len(key) for key in new_keys} <= {len(KEY_PREFIX) + 32}
    assert grown < REDIS_GROWTH_BOUND


FLOOD_SOURCES = 1_000
MAX_KEYS = 200
# Per live key in Redis, its index entry included, with LIMIT hits allowed: see
# tests/contract/test_rate_limiter.py (KEY_BYTES_BOUND + HIT_BYTES_BOUND * limit).
KEY_BYTES_BOUND = 384 + 48 * LIMIT
WELL_BEHAVED = {"X-Forwarded-For": "203.0.113.200"}


def test_a_flood_from_many_sources_stops_at_the_bound_on_redis_keys(
    launch: Launch, redis_url: str
) -> None:
    """1,000 sources, each trying one email of its own: two new keys an attempt, ten
    times the bound. Redis holds the bound and its index, within the memory stated; a
    caller with an account still logs in during the flood and after it."""

    async def forget() -> None:
        redis = Redis.from_url(redis_url)
        try:
            keys = [key async for key in redis.scan_iter(match=f"{KEY_PREFIX}*", count=1000)]
            if keys:
                await redis.delete(*keys)
        finally:
            await redis.aclose()

    async def flood_and_log_in(server: Server) -> tuple[dict[int, int], list[int], int, int]:
        statuses: dict[int, int] = {}
        logins: list[int] = []
        run = secrets.token_hex(3)
        user = {"email": "steady@example.com", "password": "correct horse battery"}
        async with httpx.AsyncClient(base_url=server.base_url, timeout=30) as client:
            made = await client.post("/api/v1/auth/register", json=user, headers=WELL_BEHAVED)
            assert made.status_code == 201, made.text
            await forget()  # this test's keys only

            async def flooder(n: int) -> None:
                for i in range(n, FLOOD_SOURCES, 8):
                    source = f"10.{run_octet}.{i // 250}.{i % 250 + 1}"
                    response = await client.post(
                        "/api/v1/auth/login",
                        json={"email": f"flood-{run}-{i}@example.com", "password": "whatever1"},
                        headers={"X-Forwarded-For": source},
                    )
                    statuses[response.status_code] = statuses.get(response.status_code, 0) + 1
                    if i % 100 == 0:
                        login = await client.post(
                            "/api/v1/auth/login", json=user, headers=WELL_BEHAVED
                        )
                        logins.append(login.status_code)

            run_octet = secrets.randbelow(256)
            await asyncio.gather(*(flooder(n) for n in range(8)))
            logins.append(
                (
                    await client.post("/api/v1/auth/login", json=user, headers=WELL_BEHAVED)
                ).status_code
            )
        redis = Redis.from_url(redis_url)
        try:
            keys = [key async for key in redis.scan_iter(match=f"{KEY_PREFIX}*", count=1000)]
            memory = sum([await redis.memory_usage(key) or 0 for key in keys])
        finally:
            await redis.aclose()
        return statuses, logins, len(keys), memory

    env = {
        "CLIENTBOOK_LOGIN_RATE_LIMIT": f"{LIMIT}/minute",
        "CLIENTBOOK_REDIS_URL": redis_url,
        "CLIENTBOOK_RATE_LIMIT_MAX_KEYS": str(MAX_KEYS),
    }
    try:
        with launch(env) as server:
            statuses, logins, key_count, memory = asyncio.run(flood_and_log_in(server))
    finally:
        asyncio.run(forget())
    print(
        f"login flood from {FLOOD_SOURCES} sources, bound {MAX_KEYS} keys: {key_count} keys, "
        f"{memory} bytes in Redis; {statuses}; the steady caller's logins {logins}"
    )
    assert sum(statuses.values()) == FLOOD_SOURCES
    assert set(statuses) == {401}, statuses  # each unknown email, counted: no refusal
    assert key_count <= MAX_KEYS + 1  # the bound, and the index
    assert memory <= MAX_KEYS * KEY_BYTES_BOUND
    assert set(logins) == {200}, logins
