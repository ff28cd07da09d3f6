"""The database as a whole, for operations: readiness probe and shutdown."""

from __future__ import annotations

import asyncio

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from adapters.sqlalchemy.engine import dispose_engine
from adapters.sqlalchemy.errors import raise_translated
from domain.errors import StorageProblem, StorageUnavailable
from domain.ports import Storage


class SqlAlchemyStorage(Storage):
    """The readiness probe borrows a connection from every pool — ``engine``'s and
    ``others``' (the reading engine's, where there is one) — and runs ``SELECT 1`` on it,
    within ``ping_timeout`` in all: a pool that cannot lend one (every connection held,
    the database gone) makes the service not ready, as it is for the requests that need
    that pool. Closing disposes every engine."""

    def __init__(
        self, engine: AsyncEngine, *others: AsyncEngine, ping_timeout: float = 2.0
    ) -> None:
        self._engines = list(dict.fromkeys((engine, *others)))  # each once, in order
        self._ping_timeout = ping_timeout

    async def ping(self) -> None:
        try:
            async with asyncio.timeout(self._ping_timeout):
                for engine in self._engines:
                    async with engine.connect() as conn:
                        await conn.execute(text("SELECT 1"))
        except TimeoutError as error:
            raise StorageUnavailable(problem=StorageProblem.TIMEOUT) from error
        except Exception as error:
            raise_translated(error)

    async def close(self) -> None:
        for engine in self._engines:
            await dispose_engine(engine)
