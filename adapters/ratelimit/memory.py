"""A sliding-window rate limiter for a single process."""

from __future__ import annotations

import math
import time
from collections import deque
from collections.abc import Callable

from domain.ports import RateLimiter


class InMemoryRateLimiter(RateLimiter):
    """At most ``limit`` hits per ``window_seconds`` per key (a sliding log).

    Memory is bounded: each key keeps at most ``limit`` timestamps, and idle keys are
    swept out once the table grows past ``max_keys``.
    """

    def __init__(
        self,
        limit: int,
        window_seconds: float,
        *,
        max_keys: int = 100_000,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        if limit < 1 or window_seconds <= 0:
            # A zero limit would fail on the first login (an empty log has no oldest hit).
            raise ValueError("a rate limit needs at least 1 hit per a positive window")
        self._limit = limit
        self._window = window_seconds
        self._max_keys = max_keys
        self._now = monotonic
        self._hits: dict[str, deque[float]] = {}

    async def hit(self, key: str) -> int | None:
        now = self._now()
        hits = self._hits.get(key)
        if hits is None:
            if len(self._hits) >= self._max_keys:
                self._sweep(now)
            hits = self._hits[key] = deque(maxlen=self._limit)
        while hits and hits[0] <= now - self._window:
            hits.popleft()
        if len(hits) >= self._limit:
            return max(1, math.ceil(hits[0] + self._window - now))
        hits.append(now)
        return None

    def _sweep(self, now: float) -> None:
        for key in [k for k, h in self._hits.items() if not h or h[-1] <= now - self._window]:
            del self._hits[key]


class UnlimitedRateLimiter(RateLimiter):
    """Used when rate limiting is switched off (``LOGIN_RATE_LIMIT=off``)."""

    async def hit(self, key: str) -> int | None:
        return None
