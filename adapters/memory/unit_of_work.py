"""The in-memory Unit of Work: serialised transactions with a real rollback."""

from __future__ import annotations

from types import TracebackType
from typing import Self

from adapters.memory.repositories import (
    InMemoryClientRepository,
    InMemoryMeetingRepository,
    InMemoryRefreshSessionRepository,
    InMemoryUserRepository,
)
from adapters.memory.store import InMemoryStore, Tables
from domain.ports import UnitOfWork, UnitsOfWork


class InMemoryUnitOfWork(UnitOfWork):
    """Works on a snapshot of the store's tables; ``commit`` publishes it atomically."""

    def __init__(self, store: InMemoryStore) -> None:
        self._store = store
        self._working: Tables | None = None
        self.committed = False
        self.users = InMemoryUserRepository(self._tables)
        self.clients = InMemoryClientRepository(self._tables)
        self.meetings = InMemoryMeetingRepository(self._tables)
        self.refresh_sessions = InMemoryRefreshSessionRepository(self._tables)

    def _tables(self) -> Tables:
        if self._working is None:
            raise RuntimeError("repositories are used outside their unit of work")
        return self._working

    async def __aenter__(self) -> Self:
        await self._store.lock.acquire()
        self._working = self._store.tables.snapshot()
        self.committed = False
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._working = None
        self._store.lock.release()

    async def commit(self) -> None:
        self._store.tables = self._tables().snapshot()
        self._store.commits += 1
        self.committed = True

    async def rollback(self) -> None:
        self._working = self._store.tables.snapshot()


class InMemoryUnitsOfWork(UnitsOfWork):
    """Units of work on one store; reading and writing ones are alike in memory."""

    def __init__(self, store: InMemoryStore) -> None:
        self._store = store

    def reading(self) -> InMemoryUnitOfWork:
        return InMemoryUnitOfWork(self._store)

    def writing(self) -> InMemoryUnitOfWork:
        return InMemoryUnitOfWork(self._store)
