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

LimiterFactory = Callable[..., RateLimiter]  # (limit, window, max_keys=...)


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
        yield lambda limit, window, max_keys=100_000: InMemoryRateLimiter(
            limit, window, max_keys=max_keys
        )
        return
    url = await _redis_or_skip()
    prefix = f"clientbook-test:{secrets.token_hex(6)}:"

    def build(limit: int, window: float, max_keys: int = 100_000) -> RateLimiter:
        limiter = RedisRateLimiter.from_url(url, limit, window, prefix=prefix, max_keys=max_keys)
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
        index = limiter.index_key.encode()
        keys = [key async for key in redis.scan_iter(match=prefix + "*") if key != index]
        assert len(keys) == 2
        assert {len(key) for key in keys} == {len(prefix) + 32}
        assert sorted([await redis.zcard(key) for key in keys]) == [1, 3]
        assert await redis.zcard(index) == 2  # the index names each live key once
    finally:
        if keys := [key async for key in redis.scan_iter(match=prefix + "*")]:
            await redis.delete(*keys)
        await redis.aclose()
        await limiter.close()


async def test_a_full_limiter_makes_room_by_evicting_the_oldest_key_under_its_limit(
    make_limiter: LimiterFactory,
) -> None:
    limiter = make_limiter(2, 60, 3)
    for key in ("first", "second", "third"):
        assert await limiter.hit(key) is None
        await asyncio.sleep(0.002)  # counted in this order
    assert await limiter.hit("second") is None  # "second" now at its limit, counted last
    assert await limiter.hit("fourth") is None  # full: "first" makes room
    assert await limiter.hit("fourth") is None
    assert await limiter.hit("fourth") is not None
    assert await limiter.hit("second") is not None  # remembered, still refusing
    # "first" was forgotten: counted afresh, making room in turn ("third").
    assert await limiter.hit("first") is None
    assert await limiter.hit("first") is None
    assert await limiter.hit("first") is not None


async def test_a_full_limiter_of_keys_at_their_limit_refuses_new_keys(
    make_limiter: LimiterFactory,
) -> None:
    """A key at its limit is refusing someone (a guesser): evicting it would let the
    guessing start again, so a new key is refused instead, until one lapses."""
    limiter = make_limiter(1, 60, 3)
    for key in ("first", "second", "third"):
        assert await limiter.hit(key) is None
    wait = await limiter.hit("fourth")
    assert wait is not None
    assert 1 <= wait <= 60
    for key in ("first", "second", "third", "fourth"):
        assert await limiter.hit(key) is not None


async def test_a_new_key_is_let_in_again_once_an_old_one_lapses(
    make_limiter: LimiterFactory,
) -> None:
    limiter = make_limiter(1, 0.5, 2)
    assert await limiter.hit("first") is None
    assert await limiter.hit("second") is None
    assert await limiter.hit("third") is not None
    await asyncio.sleep(0.6)
    assert await limiter.hit("third") is None


# What one live key may cost in Redis, its entry in the index included (MEMORY USAGE on
# Redis 7): measured 152 bytes for a key holding one hit, about 37 more per further hit,
# and about 150 per entry of the index (a skiplist past 128 entries). The stated bound
# per key is KEY_BYTES_BOUND plus HIT_BYTES_BOUND per hit the limit allows (docs/security.md).
KEY_BYTES_BOUND = 384
HIT_BYTES_BOUND = 48


async def test_a_flood_of_unique_keys_keeps_redis_under_its_bound() -> None:
    """More unique keys than the bound, from several workers at once: the keys Redis
    holds (counted in this test's own namespace, whatever else shares the server) stay
    at the bound, and their memory under it."""
    url = await _redis_or_skip()
    prefix = f"clientbook-test:{secrets.token_hex(6)}:"
    max_keys, limit, flood = 1_000, 5, 20_000
    workers = [
        RedisRateLimiter.from_url(url, limit, 60, prefix=prefix, max_keys=max_keys)
        for _ in range(4)
    ]
    redis = Redis.from_url(url)
    try:

        async def hammer(worker: RedisRateLimiter, start: int) -> None:
            for i in range(start, flood, len(workers)):
                await worker.hit(f"login:email:{i}-" + "z" * 240)

        await asyncio.gather(*(hammer(worker, n) for n, worker in enumerate(workers)))
        keys = [key async for key in redis.scan_iter(match=prefix + "*", count=1000)]
        memory = sum([await redis.memory_usage(key) or 0 for key in keys])
        bound = max_keys * (KEY_BYTES_BOUND + HIT_BYTES_BOUND * limit)
        print(f"{flood} unique keys, bound {max_keys}: {len(keys)} keys, {memory} bytes")
        assert len(keys) == max_keys + 1  # the bound, and the index
        assert memory <= bound
        # The limiter still counts exactly: the newest key is remembered.
        newest = f"login:email:{flood - 1}-" + "z" * 240
        assert [await workers[0].hit(newest) for _ in range(limit - 1)] == [None] * (limit - 1)
        assert await workers[0].hit(newest) is not None
    finally:
        if keys := [key async for key in redis.scan_iter(match=prefix + "*", count=1000)]:
            await redis.delete(*keys)
        await redis.aclose()
        for worker in workers:
            await worker.close()
