"""A sliding-window rate limiter shared by every worker and machine, on Redis."""

from __future__ import annotations

import logging
import secrets

from redis.asyncio import Redis
from redis.exceptions import RedisError

from adapters.ratelimit.keys import key_digest
from domain.ports import RateLimiter

log = logging.getLogger("clientbook.ratelimit")

# One atomic step per hit: drop entries older than the window, refuse when full (saying
# how long until the oldest entry leaves), otherwise record this hit. Redis's own clock
# is used so that workers on machines with skewed clocks still share one window.
_SLIDING_WINDOW = """
local key = KEYS[1]
local window_ms = tonumber(ARGV[1])
local limit = tonumber(ARGV[2])
local t = redis.call('TIME')
local now_ms = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
redis.call('ZREMRANGEBYSCORE', key, '-inf', now_ms - window_ms)
if redis.call('ZCARD', key) >= limit then
  local oldest = redis.call('ZRANGE', key, 0, 0, 'WITHSCORES')
  return tonumber(oldest[2]) + window_ms - now_ms
end
redis.call('ZADD', key, now_ms, now_ms .. '-' .. ARGV[3])
redis.call('PEXPIRE', key, window_ms)
return -1
"""


class RedisRateLimiter(RateLimiter):
    """At most ``limit`` hits per ``window_seconds`` per key, counted in Redis.

    A key is stored as the prefix and the hex digest of the caller's key (a fixed size
    whatever was sent), holding at most ``limit`` entries and expiring with its window;
    a refused hit stores nothing.

    If Redis cannot be reached the limiter lets the attempt through and logs a warning:
    logins keep working during a Redis outage, and bcrypt's cost still bounds guessing.
    """

    def __init__(
        self, redis: Redis, limit: int, window_seconds: float, *, prefix: str = "clientbook:rl:"
    ) -> None:
        self._redis = redis
        self._limit = limit
        self._window_ms = int(window_seconds * 1000)
        self._prefix = prefix
        self._script = redis.register_script(_SLIDING_WINDOW)

    @classmethod
    def from_url(
        cls, url: str, limit: int, window_seconds: float, *, prefix: str = "clientbook:rl:"
    ) -> RedisRateLimiter:
        client = Redis.from_url(url, socket_connect_timeout=1.0, socket_timeout=1.0)
        return cls(client, limit, window_seconds, prefix=prefix)

    async def hit(self, key: str) -> int | None:
        try:
            wait_ms = int(
                await self._script(
                    keys=[self._prefix + key_digest(key).hex()],
                    args=[self._window_ms, self._limit, secrets.token_hex(4)],
                )
            )
        except (RedisError, OSError) as error:
            log.warning("rate limiter unavailable, allowing the attempt: %s", error)
            return None
        if wait_ms < 0:
            return None
        return max(1, -(-wait_ms // 1000))

    async def close(self) -> None:
        await self._redis.aclose()
