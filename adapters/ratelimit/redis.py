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
#
# KEYS[2] indexes the limiter's live keys by deadline (last counted hit + window), so
# their number is known without scanning: a new key past ``max_keys`` evicts the key
# counted longest ago that is still under its limit (among the few oldest), or, if they
# are all at their limit (each refusing someone), is refused itself (ADR 0026). The
# candidates are keys of this limiter named by the index, not in KEYS: one Redis, not a
# cluster.
_SLIDING_WINDOW = """
local key = KEYS[1]
local index = KEYS[2]
local window_ms = tonumber(ARGV[1])
local limit = tonumber(ARGV[2])
local max_keys = tonumber(ARGV[4])
local candidates = tonumber(ARGV[5])
local t = redis.call('TIME')
local now_ms = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
redis.call('ZREMRANGEBYSCORE', key, '-inf', now_ms - window_ms)
local count = redis.call('ZCARD', key)
if count >= limit then
  local oldest = redis.call('ZRANGE', key, 0, 0, 'WITHSCORES')
  return tonumber(oldest[2]) + window_ms - now_ms
end
if count == 0 then
  redis.call('ZREMRANGEBYSCORE', index, '-inf', now_ms)
  if redis.call('ZCARD', index) >= max_keys then
    local evicted = false
    for _, other in ipairs(redis.call('ZRANGE', index, 0, candidates - 1)) do
      redis.call('ZREMRANGEBYSCORE', other, '-inf', now_ms - window_ms)
      if redis.call('ZCARD', other) < limit then
        redis.call('DEL', other)
        redis.call('ZREM', index, other)
        evicted = true
        break
      end
    end
    if not evicted then
      local first = redis.call('ZRANGE', index, 0, 0, 'WITHSCORES')
      return math.max(1, tonumber(first[2]) - now_ms)
    end
  end
end
redis.call('ZADD', key, now_ms, now_ms .. '-' .. ARGV[3])
redis.call('PEXPIRE', key, window_ms)
redis.call('ZADD', index, now_ms + window_ms, key)
redis.call('PEXPIRE', index, window_ms)
return -1
"""

# How many of the keys counted longest ago a full limiter looks at for one to evict.
EVICTION_CANDIDATES = 8


class RedisRateLimiter(RateLimiter):
    """At most ``limit`` hits per ``window_seconds`` per key, counted in Redis.

    A key is stored as the prefix and the hex digest of the caller's key (a fixed size
    whatever was sent), holding at most ``limit`` entries and expiring with its window;
    a refused hit stores nothing. At most ``max_keys`` keys live at once, indexed in
    ``<prefix>index``: past that, the key counted longest ago that is under its limit
    makes room, and when the oldest are all at theirs a new key is refused (a 429 for a
    caller Redis has never counted: the safe answer, see ADR 0026).

    If Redis cannot be reached the limiter lets the attempt through and logs a warning:
    logins keep working during a Redis outage, and bcrypt's cost still bounds guessing.
    """

    def __init__(
        self,
        redis: Redis,
        limit: int,
        window_seconds: float,
        *,
        prefix: str = "clientbook:rl:",
        max_keys: int = 100_000,
    ) -> None:
        if limit < 1 or window_seconds <= 0 or max_keys < 1:
            raise ValueError("a rate limit needs at least 1 hit per a positive window")
        self._redis = redis
        self._limit = limit
        self._window_ms = max(1, int(window_seconds * 1000))
        self._prefix = prefix
        self._index = prefix + "index"
        self._max_keys = max_keys
        self._script = redis.register_script(_SLIDING_WINDOW)

    @classmethod
    def from_url(
        cls,
        url: str,
        limit: int,
        window_seconds: float,
        *,
        prefix: str = "clientbook:rl:",
        max_keys: int = 100_000,
    ) -> RedisRateLimiter:
        client = Redis.from_url(url, socket_connect_timeout=1.0, socket_timeout=1.0)
        return cls(client, limit, window_seconds, prefix=prefix, max_keys=max_keys)

    @property
    def index_key(self) -> str:
        """The sorted set of this limiter's live keys (one more key in Redis)."""
        return self._index

    async def hit(self, key: str) -> int | None:
        try:
            wait_ms = int(
                await self._script(
                    keys=[self._prefix + key_digest(key).hex(), self._index],
                    args=[
                        self._window_ms,
                        self._limit,
                        secrets.token_hex(4),
                        self._max_keys,
                        EVICTION_CANDIDATES,
                    ],
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
