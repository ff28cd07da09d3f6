"""Losing a race well: bounded retries of a compare-and-set, and ``If-Match`` checks.

Repositories store an aggregate only over the version that was read (see
``domain.ports``). A use case that loses runs again from a fresh read: the loser's
change is usually still valid on top of the winner's (two contacts added to one client),
and when it is not, the fresh read says so (the 51st contact, a password that no longer
matches). After ``ATTEMPTS`` losses in a row, ``ConcurrentUpdate`` reaches the caller
(409 ``concurrent_update``). Conditional requests are the caller's own compare-and-set:
``Precondition`` names the versions the caller read, and a mismatch is never retried.
"""

from __future__ import annotations

import asyncio
import random
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from typing import TypeVar

from domain.errors import ConcurrentUpdate, PreconditionFailed

T = TypeVar("T")

ATTEMPTS = 5
# Losers back off a few milliseconds, spread at random so they do not collide again.
BACKOFF_SECONDS = 0.005


async def retry_lost_races(attempt: Callable[[], Awaitable[T]], *, attempts: int = ATTEMPTS) -> T:
    """Await ``attempt()``; run it again (up to ``attempts`` in all) while it loses a race."""
    made = 1
    while True:
        try:
            return await attempt()
        except ConcurrentUpdate:
            if made >= attempts:
                raise
        await asyncio.sleep(random.uniform(0, BACKOFF_SECONDS * made))  # noqa: S311 - jitter
        made += 1


@dataclass(frozen=True, slots=True)
class Precondition:
    """The versions an ``If-Match`` accepts; ``ANY`` (``*``) accepts whatever exists."""

    versions: frozenset[int] | None

    @classmethod
    def matching(cls, versions: Iterable[int]) -> Precondition:
        return cls(frozenset(versions))

    def check(self, current: int) -> None:
        """Raise ``PreconditionFailed`` unless the stored ``current`` version is accepted."""
        if self.versions is not None and current not in self.versions:
            raise PreconditionFailed()


ANY = Precondition(None)
