"""One behaviour suite for the InFlightLimiter port, run against every adapter, plus what
only a shared count can promise: one cap for every worker, and leases that lapse when
their worker dies."""

from __future__ import annotations

import asyncio
import secrets
from collections.abc import AsyncIterator, Callable

import pytest
from redis.asyncio import Redis

from adapters.memory.in_flight import InMemoryInFlightLimiter
from adapters.ratelimit.in_flight import RedisInFlightLimiter
from domain.ports import InFlightLimiter

from .test_rate_limiter import _redis_or_skip

LimiterFactory = Callable[[int], InFlightLimiter]


async def _forget(url: str, prefix: str) -> None:
    cleanup = Redis.from_url(url)
    try:
        keys = [key async for key in cleanup.scan_iter(match=prefix + "*")]
        if keys:
            await cleanup.delete(*keys)
    finally:
        await cleanup.aclose()


@pytest.fixture
async def redis_prefix() -> AsyncIterator[tuple[str, str]]:
    url = await _redis_or_skip()
    prefix = f"clientbook-test:{secrets.token_hex(6)}:"
    yield url, prefix
    await _forget(url, prefix)


@pytest.fixture(params=["memory", "redis"])
async def make_limiter(request: pytest.FixtureRequest) -> AsyncIterator[LimiterFactory]:
    if request.param == "memory":
        yield InMemoryInFlightLimiter
        return
    url = await _redis_or_skip()
    prefix = f"clientbook-test:{secrets.token_hex(6)}:"
    made: list[RedisInFlightLimiter] = []

    def build(limit: int) -> InFlightLimiter:
        limiter = RedisInFlightLimiter.from_url(url, limit, prefix=prefix)
        made.append(limiter)
        return limiter

    yield build
    for limiter in made:
        await limiter.close()
    await _forget(url, prefix)


async def test_slots_up_to_the_limit_then_none(make_limiter: LimiterFactory) -> None:
    limiter = make_limiter(2)
    first = await limiter.acquire("user-1")
    second = await limiter.acquire("user-1")
    assert first is not None
    assert second is not None
    assert first != second
    assert await limiter.acquire("user-1") is None
    await limiter.release("user-1", first)
    third = await limiter.acquire("user-1")
    assert third is not None
    assert await limiter.acquire("user-1") is None


async def test_keys_are_counted_apart(make_limiter: LimiterFactory) -> None:
    limiter = make_limiter(1)
    assert await limiter.acquire("user-1") is not None
    assert await limiter.acquire("user-2") is not None
    assert await limiter.acquire("user-1") is None


async def test_a_refusal_takes_nothing_and_a_second_release_gives_nothing(
    make_limiter: LimiterFactory,
) -> None:
    limiter = make_limiter(1)
    lease = await limiter.acquire("user-1")
    assert lease is not None
    for _ in range(3):
        assert await limiter.acquire("user-1") is None
    await limiter.release("user-1", lease)
    again = await limiter.acquire("user-1")
    assert again is not None
    await limiter.release("user-1", lease)  # the first lease, given back already
    assert await limiter.acquire("user-1") is None  # ``again`` still holds the slot
    await limiter.release("user-1", again)
    assert await limiter.acquire("user-1") is not None


async def test_releasing_from_a_cancelled_task_still_gives_the_slot_back(
    make_limiter: LimiterFactory,
) -> None:
    """A download cut short releases from a request being cancelled."""
    limiter = make_limiter(1)
    leased = asyncio.Event()

    async def download() -> None:
        lease = await limiter.acquire("user-1")
        assert lease is not None
        try:
            leased.set()
            await asyncio.sleep(3600)
        finally:
            await limiter.release("user-1", lease)

    task = asyncio.create_task(download())
    await leased.wait()
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    for _ in range(50):  # the release may finish just after the cancelled task
        if (lease := await limiter.acquire("user-1")) is not None:
            break
        await asyncio.sleep(0.01)
    assert lease is not None


async def test_workers_share_one_count(redis_prefix: tuple[str, str]) -> None:
    url, prefix = redis_prefix
    first = RedisInFlightLimiter.from_url(url, 2, prefix=prefix)
    second = RedisInFlightLimiter.from_url(url, 2, prefix=prefix)
    try:
        held = [await first.acquire("user-1"), await second.acquire("user-1")]
        assert None not in held
        assert await first.acquire("user-1") is None
        assert await second.acquire("user-1") is None
        lease = held[0]
        assert lease is not None
        await first.release("user-1", lease)
        assert await second.acquire("user-1") is not None
    finally:
        await first.close()
        await second.close()


async def test_a_dead_workers_lease_lapses_and_a_live_one_is_renewed(
    redis_prefix: tuple[str, str],
) -> None:
    url, prefix = redis_prefix
    crashed = RedisInFlightLimiter.from_url(url, 2, lease_seconds=0.6, prefix=prefix)
    alive = RedisInFlightLimiter.from_url(url, 2, lease_seconds=0.6, prefix=prefix)
    try:
        assert await crashed.acquire("user-1") is not None
        assert await alive.acquire("user-1") is not None
        assert await alive.acquire("user-1") is None
        # The first worker dies: nothing renews its lease any more, nothing gives it back.
        await crashed.close()
        await asyncio.sleep(1.5)  # past the lease, more than twice
        # Its slot is free again; the living worker's lease, renewed, still counts.
        assert await alive.acquire("user-1") is not None
        assert await alive.acquire("user-1") is None
    finally:
        await alive.close()


async def test_the_key_is_a_digest_and_goes_with_the_last_lease(
    redis_prefix: tuple[str, str],
) -> None:
    url, prefix = redis_prefix
    limiter = RedisInFlightLimiter.from_url(url, 1, prefix=prefix)
    client = Redis.from_url(url)
    try:
        lease = await limiter.acquire("u" * 10_000)
        assert lease is not None
        keys = [key async for key in client.scan_iter(match=prefix + "*")]
        assert [len(key) for key in keys] == [len(prefix) + 32]
        assert 0 < await client.pttl(keys[0]) <= 30_000
        await limiter.release("u" * 10_000, lease)
        assert await client.zcard(keys[0]) == 0  # an empty sorted set is no key at all
    finally:
        await limiter.close()
        await client.aclose()


async def test_an_unreachable_redis_counts_in_the_process() -> None:
    limiter = RedisInFlightLimiter.from_url("redis://127.0.0.1:1/0", 1)
    try:
        lease = await limiter.acquire("user-1")
        assert lease is not None
        assert await limiter.acquire("user-1") is None  # the limit still holds, per process
        await limiter.release("user-1", lease)
        assert await limiter.acquire("user-1") is not None
    finally:
        await limiter.close()
