"""Users read moments ago, kept for a few seconds: the identity cache behind ``IdentifyUser``.

Every authenticated request resolves its token to a user, and checks the user is still
active. Without a cache that is one more query per request (ADR 0006,
docs/performance.md). A short time-to-live
bounds how stale an entry can be: another worker may notice a deactivation or a rename
that late; this worker's own changes ``forget`` the entry at once.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import replace
from uuid import UUID

from domain.ports import RecentUsers
from domain.users import User


class TtlRecentUsers(RecentUsers):
    """In-process, per worker; bounded in size (the oldest entries go first)."""

    def __init__(
        self,
        ttl_seconds: float,
        max_entries: int = 10_000,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._ttl = ttl_seconds
        self._max = max_entries
        self._clock = clock
        self._entries: dict[UUID, tuple[float, User]] = {}

    def get(self, user_id: UUID) -> User | None:
        entry = self._entries.get(user_id)
        if entry is None:
            return None
        expires, user = entry
        if self._clock() >= expires:
            self._entries.pop(user_id, None)
            return None
        return replace(user)  # a copy: callers may change what they get

    def put(self, user: User) -> None:
        if self._ttl <= 0:
            return
        self._entries.pop(user.id, None)  # re-inserted last: dicts keep insertion order
        while len(self._entries) >= self._max:
            del self._entries[next(iter(self._entries))]
        self._entries[user.id] = (self._clock() + self._ttl, replace(user))

    def forget(self, user_id: UUID) -> None:
        self._entries.pop(user_id, None)
