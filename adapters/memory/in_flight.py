"""Long requests in flight, counted per key in this process."""

from __future__ import annotations

from domain.ports import InFlightLimiter


class InMemoryInFlightLimiter(InFlightLimiter):
    """At most ``limit`` slots per key at once; a key with no slot taken costs nothing.

    Per process: with N workers a key may have N times ``limit`` in flight. That bounds
    what one caller holds of each worker (connections, memory, the event loop), which is
    what the limit is for.
    """

    def __init__(self, limit: int) -> None:
        if limit < 1:
            raise ValueError("at least one slot per key")
        self._limit = limit
        self._taken: dict[str, int] = {}

    def acquire(self, key: str) -> bool:
        taken = self._taken.get(key, 0)
        if taken >= self._limit:
            return False
        self._taken[key] = taken + 1
        return True

    def release(self, key: str) -> None:
        taken = self._taken.get(key, 0) - 1
        if taken > 0:
            self._taken[key] = taken
        else:
            self._taken.pop(key, None)

    def in_flight(self, key: str) -> int:
        return self._taken.get(key, 0)
