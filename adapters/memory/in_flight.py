"""Long requests in flight, counted per key in this process."""

from __future__ import annotations

import itertools

from domain.ports import InFlightLimiter


class InMemoryInFlightLimiter(InFlightLimiter):
    """At most ``limit`` slots per key at once; a key with no slot taken costs nothing.

    Per process: with N workers a key may have N times ``limit`` in flight, unless the
    count is shared (``RedisInFlightLimiter``, when Redis is configured). A lease here
    cannot outlive its holder: it dies with the process.
    """

    def __init__(self, limit: int) -> None:
        if limit < 1:
            raise ValueError("at least one slot per key")
        self._limit = limit
        self._leases: dict[str, set[str]] = {}
        self._next = itertools.count(1)

    def try_acquire(self, key: str) -> str | None:
        """``acquire`` without waiting for anything (it never has to, in memory)."""
        leases = self._leases.setdefault(key, set())
        if len(leases) >= self._limit:
            return None
        lease = f"local-{next(self._next)}"
        leases.add(lease)
        return lease

    def forget(self, key: str, lease: str) -> None:
        """``release`` without waiting for anything."""
        leases = self._leases.get(key)
        if leases is None:
            return
        leases.discard(lease)
        if not leases:
            del self._leases[key]

    async def acquire(self, key: str) -> str | None:
        return self.try_acquire(key)

    async def release(self, key: str, lease: str) -> None:
        self.forget(key, lease)

    async def close(self) -> None:
        """Nothing to release: the count lives in this process."""

    def in_flight(self, key: str) -> int:
        return len(self._leases.get(key, ()))
