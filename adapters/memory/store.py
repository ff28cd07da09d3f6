"""The in-memory database behind the in-memory repositories."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from uuid import UUID

from domain.clients import Client
from domain.meetings import Meeting
from domain.ports import Storage
from domain.users import RefreshSession, User


@dataclass(slots=True)
class Tables:
    users: dict[UUID, User] = field(default_factory=dict)
    clients: dict[UUID, Client] = field(default_factory=dict)
    meetings: dict[UUID, Meeting] = field(default_factory=dict)
    refresh_sessions: dict[UUID, RefreshSession] = field(default_factory=dict)

    def snapshot(self) -> Tables:
        # Shallow copies suffice: stored entities are replaced on write, never mutated.
        return Tables(
            dict(self.users),
            dict(self.clients),
            dict(self.meetings),
            dict(self.refresh_sessions),
        )


class InMemoryStore:
    """Shared state of one in-memory "database".

    Transactions are serialised by a lock (one unit of work at a time), which gives the
    in-memory adapter the isolation a real database gives: no lost updates, and a
    rollback restores exactly the state the transaction started from.
    """

    def __init__(self) -> None:
        self.tables = Tables()
        self.lock = asyncio.Lock()
        self.commits = 0


class InMemoryStorage(Storage):
    """Always reachable; nothing to release."""

    def __init__(self, store: InMemoryStore) -> None:
        self._store = store

    async def ping(self) -> None:
        return None

    async def close(self) -> None:
        return None
