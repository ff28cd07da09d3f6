"""Long requests in flight, counted per key in Redis: one count for every worker and host."""

from __future__ import annotations

import asyncio
import logging
import secrets

from redis.asyncio import Redis
from redis.exceptions import RedisError

from adapters.memory.in_flight import InMemoryInFlightLimiter
from adapters.ratelimit.keys import key_digest
from domain.ports import InFlightLimiter

log = logging.getLogger("clientbook.ratelimit")

# A key is a sorted set of leases scored by their deadline (Redis's clock, in ms). Each
# step first drops the leases whose holder stopped renewing them (a crashed worker),
# then counts what is left, in one atomic script.
_ACQUIRE = """
local key = KEYS[1]
local limit = tonumber(ARGV[1])
local ttl_ms = tonumber(ARGV[2])
local t = redis.call('TIME')
local now_ms = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
redis.call('ZREMRANGEBYSCORE', key, '-inf', now_ms)
if redis.call('ZCARD', key) >= limit then
  return 0
end
redis.call('ZADD', key, now_ms + ttl_ms, ARGV[3])
redis.call('PEXPIRE', key, ttl_ms)
return 1
"""

# Pushes a lease's deadline on. A lease that expired meanwhile (the loop stalled for a
# whole lease) is counted again: its request is still running.
_RENEW = """
local key = KEYS[1]
local ttl_ms = tonumber(ARGV[1])
local t = redis.call('TIME')
local now_ms = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
redis.call('ZADD', key, now_ms + ttl_ms, ARGV[2])
redis.call('PEXPIRE', key, ttl_ms)
return 1
"""


class RedisInFlightLimiter(InFlightLimiter):
    """At most ``limit`` slots per key at once, counted in Redis for every worker.

    A slot is a lease with a deadline ``lease_seconds`` ahead, which this process pushes
    on every third of that while the request runs (a download may wait on its reader for
    minutes). If the worker dies, nothing renews its leases and they lapse within
    ``lease_seconds``: a crash never keeps a slot for good. Keys are digests of the
    caller's key, and expire with their last lease.

    If Redis cannot be reached, slots are counted in this process instead (the limit
    then holds per worker, as without Redis) and a warning is logged: exports keep
    working during a Redis outage.
    """

    def __init__(
        self,
        redis: Redis,
        limit: int,
        lease_seconds: float = 30.0,
        *,
        prefix: str = "clientbook:inflight:",
    ) -> None:
        if limit < 1:
            raise ValueError("at least one slot per key")
        if lease_seconds <= 0:
            raise ValueError("a lease needs a positive duration")
        self._redis = redis
        self._limit = limit
        self._lease_ms = max(1, int(lease_seconds * 1000))
        self._renew_every = lease_seconds / 3
        self._prefix = prefix
        self._acquire = redis.register_script(_ACQUIRE)
        self._renew = redis.register_script(_RENEW)
        self._local = InMemoryInFlightLimiter(limit)
        self._renewals: dict[str, asyncio.Task[None]] = {}
        self._releases: set[asyncio.Task[None]] = set()

    @classmethod
    def from_url(
        cls,
        url: str,
        limit: int,
        lease_seconds: float = 30.0,
        *,
        prefix: str = "clientbook:inflight:",
    ) -> RedisInFlightLimiter:
        client = Redis.from_url(url, socket_connect_timeout=1.0, socket_timeout=1.0)
        return cls(client, limit, lease_seconds, prefix=prefix)

    def redis_key(self, key: str) -> str:
        return self._prefix + key_digest(key).hex()

    async def acquire(self, key: str) -> str | None:
        lease = secrets.token_hex(8)
        try:
            taken = await self._acquire(
                keys=[self.redis_key(key)], args=[self._limit, self._lease_ms, lease]
            )
        except (RedisError, OSError) as error:
            log.warning("in-flight limiter unavailable, counting in this process: %s", error)
            return self._local.try_acquire(key)
        if not int(taken):
            return None
        self._renewals[lease] = asyncio.create_task(self._keep(key, lease))
        return lease

    async def release(self, key: str, lease: str) -> None:
        renewal = self._renewals.pop(lease, None)
        if renewal is None:  # counted in this process, or given back already
            self._local.forget(key, lease)
            return
        renewal.cancel()
        # Given back in a task of its own: a download cut short releases from a cancelled
        # request, whose own awaits are interrupted; the lease would otherwise stay
        # counted until it lapses.
        task = asyncio.create_task(self._forget(key, lease))
        self._releases.add(task)
        task.add_done_callback(self._releases.discard)
        await asyncio.shield(task)

    async def _forget(self, key: str, lease: str) -> None:
        try:
            await self._redis.zrem(self.redis_key(key), lease)
        except (RedisError, OSError) as error:
            log.warning("in-flight limiter unavailable, the lease will lapse: %s", error)

    async def _keep(self, key: str, lease: str) -> None:
        while True:
            await asyncio.sleep(self._renew_every)
            try:
                await self._renew(keys=[self.redis_key(key)], args=[self._lease_ms, lease])
            except (RedisError, OSError) as error:
                log.warning("in-flight limiter could not renew a lease: %s", error)

    async def close(self) -> None:
        for renewal in self._renewals.values():
            renewal.cancel()
        self._renewals.clear()
        if self._releases:
            await asyncio.gather(*self._releases, return_exceptions=True)
        await self._redis.aclose()
