"""A sliding-window rate limiter for a single process, in bounded memory."""

from __future__ import annotations

import itertools
import math
import time
from array import array
from collections import OrderedDict
from collections.abc import Callable

from adapters.ratelimit.keys import key_digest
from domain.ports import RateLimiter

# An upper bound on what one key costs, measured with tracemalloc on CPython 3.11 (about
# 210 bytes for the table slot, the 16-byte digest and an empty timestamp array, plus
# about 9 bytes a stored hit): the limiter keeps ``max_bytes // entry_bytes(limit)`` keys.
_ENTRY_BYTES = 256
_HIT_BYTES = 12


def entry_bytes(limit: int) -> int:
    """The most memory one key can take with ``limit`` hits per window."""
    return _ENTRY_BYTES + _HIT_BYTES * limit


# When the table is full, how many of the keys counted longest ago are looked at for one
# that may be evicted; past them, the new key is refused.
EVICTION_CANDIDATES = 8


class InMemoryRateLimiter(RateLimiter):
    """At most ``limit`` hits per ``window_seconds`` per key (a sliding log).

    Memory is bounded whatever callers send: a key is kept as a 16-byte digest of any
    length of text, with at most ``limit`` timestamps; keys are kept in the order of
    their last counted hit, so those whose window has passed leave from the front as new
    ones arrive. When the table is full (``max_keys`` keys, or ``max_bytes`` by
    ``entry_bytes``) the key counted longest ago that is still under its limit is evicted
    for the newcomer (among the ``EVICTION_CANDIDATES`` oldest); a key at its limit is
    refusing someone, and is never evicted, so when those are all at theirs the new key
    is refused in turn (ADR 0026). A refused hit stores nothing.
    """

    def __init__(
        self,
        limit: int,
        window_seconds: float,
        *,
        max_keys: int = 100_000,
        max_bytes: int = 16 * 1024 * 1024,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        if limit < 1 or window_seconds <= 0:
            # A zero limit would fail on the first login (an empty log has no oldest hit).
            raise ValueError("a rate limit needs at least 1 hit per a positive window")
        self._limit = limit
        self._window = window_seconds
        self._capacity = max(1, min(max_keys, max_bytes // entry_bytes(limit)))
        self._now = monotonic
        self._hits: OrderedDict[bytes, array[float]] = OrderedDict()

    @property
    def capacity(self) -> int:
        """How many keys the limiter keeps at most."""
        return self._capacity

    def __len__(self) -> int:
        return len(self._hits)

    async def hit(self, key: str) -> int | None:
        now = self._now()
        horizon = now - self._window
        digest = key_digest(key)
        hits = self._hits.get(digest)
        if hits is None:
            self._forget_expired(horizon)
            if len(self._hits) >= self._capacity and not self._evict_one(horizon):
                oldest = next(iter(self._hits.values()))
                return max(1, math.ceil(oldest[-1] + self._window - now))
            self._hits[digest] = array("d", (now,))
            return None
        expired = 0
        while expired < len(hits) and hits[expired] <= horizon:
            expired += 1
        if expired:
            del hits[:expired]
        if len(hits) >= self._limit:
            return max(1, math.ceil(hits[0] + self._window - now))
        hits.append(now)
        self._hits.move_to_end(digest)
        return None

    async def close(self) -> None:
        """Nothing to release: the counts live in this process."""

    def _evict_one(self, horizon: float) -> bool:
        """Evict the key counted longest ago among those under their limit, if one of
        the oldest few is; ``False`` when they are all at theirs."""
        for digest, hits in itertools.islice(self._hits.items(), EVICTION_CANDIDATES):
            if sum(1 for hit in hits if hit > horizon) < self._limit:
                del self._hits[digest]
                return True
        return False

    def _forget_expired(self, horizon: float) -> None:
        """Drop keys whose every hit has left the window, oldest first."""
        while self._hits:
            digest, hits = next(iter(self._hits.items()))
            if hits and hits[-1] > horizon:
                return
            del self._hits[digest]


class UnlimitedRateLimiter(RateLimiter):
    """Used when rate limiting is switched off (``LOGIN_RATE_LIMIT=off``)."""

    async def hit(self, key: str) -> int | None:
        return None

    async def close(self) -> None:
        """Nothing to release."""
