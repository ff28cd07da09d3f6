"""One behaviour suite for the RateLimiter port, run against every adapter."""

from __future__ import annotations

import asyncio
import os
import secrets
from collections.abc import AsyncIterator, Callable

import pytest
from redis.asyncio import Redis

from adapters.ratelimit.memory import InMemoryRateLimiter
from adapters.ratelimit.redis import RedisRateLimiter
from domain.ports import RateLimiter

LimiterFactory = Callable[[int, float], RateLimiter]


async def _redis_or_skip() -> str:
    url = os.environ.get("CLIENTBOOK_TEST_REDIS_URL")
    required = os.environ.get("CLIENTBOOK_REQUIRE_REDIS") == "1"
    if not url:
        if required:
            pytest.fail("CLIENTBOOK_REQUIRE_REDIS=1 but CLIENTBOOK_TEST_REDIS_URL is not set")
        pytest.skip("CLIENTBOOK_TEST_REDIS_URL is not set: Redis rate-limiter cases skipped")
    client = Redis.from_url(url, socket_connect_timeout=1.0)
    try:
        await client.ping()
    except OSError as error:  # redis' ConnectionError is an OSError
        if required:
            pytest.fail(f"Redis at {url} is required but unreachable: {error}")
        pytest.skip(f"Redis at {url} is unreachable: {error}")
    finally:
        await client.aclose()
    return url


@pytest.fixture(params=["memory", "redis"])
async def make_limiter(request: pytest.FixtureRequest) -> AsyncIterator[LimiterFactory]:
    made: list[RedisRateLimiter] = []
    if request.param == "memory":
        yield lambda limit, window: InMemoryRateLimiter(limit, window)
        return
    url = await _redis_or_skip()
    prefix = f"clientbook-test:{secrets.token_hex(6)}:"

    def build(limit: int, window: float) -> RateLimiter:
        limiter = RedisRateLimiter.from_url(url, limit, window, prefix=prefix)
        made.append(limiter)
        return limiter

    yield build
    cleanup = Redis.from_url(url)
    keys = [key async for key in cleanup.scan_iter(match=prefix + "*")]
    if keys:
        await cleanup.delete(*keys)
    await cleanup.aclose()
    for limiter in made:
        await limiter.close()


async def test_allows_up_to_the_limit_then_says_how_long_to_wait(
    make_limiter: LimiterFactory,
) -> None:
    limiter = make_limiter(3, 60)
    assert [await limiter.hit("login:email:a@b.com") for _ in range(3)] == [None] * 3
    wait = await limiter.hit("login:email:a@b.com")
    assert wait is not None
    assert 1 <= wait <= 60


async def test_keys_are_counted_separately(make_limiter: LimiterFactory) -> None:
    limiter = make_limiter(1, 60)
    assert await limiter.hit("login:source:10.0.0.1") is None
    assert await limiter.hit("login:source:10.0.0.2") is None
    assert await limiter.hit("login:source:10.0.0.1") is not None


async def test_the_window_slides(make_limiter: LimiterFactory) -> None:
    limiter = make_limiter(2, 0.5)
    assert await limiter.hit("k") is None
    assert await limiter.hit("k") is None
    assert await limiter.hit("k") is not None
    await asyncio.sleep(0.6)
    assert await limiter.hit("k") is None


async def test_refused_attempts_do_not_extend_the_wait(make_limiter: LimiterFactory) -> None:
    limiter = make_limiter(1, 0.5)
    assert await limiter.hit("k") is None
    for _ in range(5):
        assert await limiter.hit("k") is not None
    await asyncio.sleep(0.6)
    assert await limiter.hit("k") is None


async def test_redis_limiters_share_one_count_across_instances() -> None:
    """What makes limits hold across workers: two processes' limiters, one window."""
    url = await _redis_or_skip()
    prefix = f"clientbook-test:{secrets.token_hex(6)}:"
    first = RedisRateLimiter.from_url(url, 2, 60, prefix=prefix)
    second = RedisRateLimiter.from_url(url, 2, 60, prefix=prefix)
    try:
        assert await first.hit("shared") is None
        assert await second.hit("shared") is None
        assert await first.hit("shared") is not None
        assert await second.hit("shared") is not None
    finally:
        await first.close()
        await second.close()


async def test_an_unreachable_redis_lets_attempts_through() -> None:
    limiter = RedisRateLimiter.from_url("redis://127.0.0.1:1/0", 1, 60)
    try:
        assert await limiter.hit("k") is None
        assert await limiter.hit("k") is None
    finally:
        await limiter.close()


async def test_keys_of_any_length_are_told_apart(make_limiter: LimiterFactory) -> None:
    limiter = make_limiter(1, 60)
    long = "login:email:" + "x" * 300_000
    assert await limiter.hit(long + "1") is None
    assert await limiter.hit(long + "2") is None
    assert await limiter.hit(long + "1") is not None


async def test_redis_stores_a_fixed_size_key_whatever_was_sent() -> None:
    url = await _redis_or_skip()
    prefix = f"clientbook-test:{secrets.token_hex(6)}:"
    limiter = RedisRateLimiter.from_url(url, 3, 60, prefix=prefix)
    redis = Redis.from_url(url)
    try:
        for _ in range(5):  # three counted, two refused (storing nothing)
            await limiter.hit("login:email:" + "y" * 262_144)
        await limiter.hit("login:source:10.0.0.1")
        keys = [key async for key in redis.scan_iter(match=prefix + "*")]
        assert len(keys) == 2
        assert {len(key) for key in keys} == {len(prefix) + 32}
        assert sorted([await redis.zcard(key) for key in keys]) == [1, 3]
    finally:
        if keys := [key async for key in redis.scan_iter(match=prefix + "*")]:
            await redis.delete(*keys)
        await redis.aclose()
        await limiter.close()
