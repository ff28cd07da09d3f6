"""Waiting for a pooled connection, first come, first served (issue 20, ADR 0024).

SQLAlchemy's asyncio pool hands connections out through an ``asyncio.Queue``. A
connection returned while requests wait wakes the first of them, but until that waiter
runs, any request reaching ``connect()`` takes the connection at once; the waiter finds
the queue empty and joins its *end*. Under a load above the pool that turns the wait
into a lottery: most requests barge in quickly and a few lose again and again, so the
tail grows to seconds while the median looks fine, and some reach the pool timeout
(503) behind requests that came later.

``ConnectionQueue`` sits in front of one engine's pool with as many slots as the pool
can lend (size plus overflow): a unit of work takes a slot, in arrival order, before it
asks the pool, so the pool always has a connection for it. ``asyncio.Semaphore``
(Python 3.11.1 and later) hands a released slot to the first waiter directly and lets no
newcomer past a queue. The wait for a slot is bounded by the pool timeout; running out
is ``StorageUnavailable`` with ``problem=BUSY``, which the HTTP edge answers with a 503
and ``Retry-After``.
"""

from __future__ import annotations

import asyncio
from weakref import WeakKeyDictionary

from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine
from sqlalchemy.pool import QueuePool

from domain.errors import StorageProblem, StorageUnavailable


class ConnectionQueue:
    """First come, first served access to ``engine``'s pool: ``slots`` at a time, a wait
    of at most ``timeout`` seconds for one."""

    def __init__(self, engine: AsyncEngine, slots: int, timeout: float) -> None:
        self.engine = engine
        self._slots = slots
        self._timeout = timeout
        # One semaphore per event loop (tests run several loops one after another).
        self._by_loop: WeakKeyDictionary[asyncio.AbstractEventLoop, asyncio.Semaphore] = (
            WeakKeyDictionary()
        )

    def _semaphore(self) -> asyncio.Semaphore:
        loop = asyncio.get_running_loop()
        semaphore = self._by_loop.get(loop)
        if semaphore is None:
            semaphore = self._by_loop[loop] = asyncio.Semaphore(self._slots)
        return semaphore

    async def connect(self) -> AsyncConnection:
        """A connection of the pool, after every unit of work that asked before; the
        caller gives it back with ``release``."""
        semaphore = self._semaphore()
        if semaphore.locked():
            try:
                async with asyncio.timeout(self._timeout):
                    await semaphore.acquire()
            except TimeoutError:
                raise StorageUnavailable(problem=StorageProblem.BUSY) from None
        else:
            await semaphore.acquire()  # a free slot: returns without suspending
        try:
            return await self.engine.connect()
        except BaseException:
            semaphore.release()
            raise

    async def release(self, conn: AsyncConnection) -> None:
        """Close ``conn`` (back to the pool, rolled back), then free its slot."""
        try:
            await conn.close()
        finally:
            self._semaphore().release()


def connection_queue(
    engine: AsyncEngine, max_overflow: int, timeout: float
) -> ConnectionQueue | None:
    """The queue for ``engine``, or ``None`` when its pool is not a queue pool (an
    in-memory SQLite database shares one connection: nothing to wait for)."""
    pool = engine.pool
    if not isinstance(pool, QueuePool):
        return None
    return ConnectionQueue(engine, pool.size() + max_overflow, timeout)
