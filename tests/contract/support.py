"""Backends and builders shared by the contract tests."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID, uuid4

import pytest
from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine

from adapters.memory.store import InMemoryStore
from adapters.memory.unit_of_work import InMemoryUnitOfWork
from adapters.sqlalchemy.engine import (
    DatabaseConfig,
    build_engine,
    build_reading_engine,
    dispose_engine,
)
from adapters.sqlalchemy.unit_of_work import SqlAlchemyUnitOfWork
from domain.ports import UnitOfWork, UnitsOfWork
from domain.users import User

BACKENDS = ["memory", "sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]
SQL_BACKENDS = ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]

T0 = datetime(2024, 3, 1, 9, 0, tzinfo=UTC)


@dataclass
class Backend:
    name: str
    new_uow: Callable[[], UnitOfWork]
    engine: AsyncEngine | None = None
    statements: list[str] = field(default_factory=list)

    def units(self) -> UnitsOfWork:
        """For a use case: the same kind of unit, reading or writing."""
        return _Units(self.new_uow)

    @contextmanager
    def counting(self) -> Iterator[list[str]]:
        """Collect the SQL statements sent to the database inside the block."""
        assert self.engine is not None
        seen: list[str] = []

        def record(*args: Any) -> None:
            seen.append(args[2])

        event.listen(self.engine.sync_engine, "before_cursor_execute", record)
        try:
            yield seen
        finally:
            event.remove(self.engine.sync_engine, "before_cursor_execute", record)


class _Units(UnitsOfWork):
    def __init__(self, new_uow: Callable[[], UnitOfWork]) -> None:
        self._new_uow = new_uow

    def reading(self) -> UnitOfWork:
        return self._new_uow()

    def writing(self) -> UnitOfWork:
        return self._new_uow()


async def open_backend(kind: str, request: pytest.FixtureRequest) -> AsyncIterator[Backend]:
    if kind == "memory":
        store = InMemoryStore()
        yield Backend("memory", lambda: InMemoryUnitOfWork(store))
        return
    url = request.getfixturevalue("sqlite_url" if kind == "sqlite" else "postgres_url")
    # As a reading unit of the container's: reads in autocommit, a transaction from the first
    # write (every behaviour below holds for plain transactions as well).
    config = DatabaseConfig(url, pool_size=5, max_overflow=5)
    engine = build_engine(config)
    reading = build_reading_engine(config, engine)
    try:
        yield Backend(kind, lambda: SqlAlchemyUnitOfWork(reading, defer_begin=True), reading)
    finally:
        await dispose_engine(reading)
        if reading is not engine:
            await dispose_engine(engine)


def make_user(email: str | None = None, *, created_at: datetime = T0, **extra: Any) -> User:
    user_id = extra.pop("id", uuid4())
    return User(
        id=user_id,
        email=email or f"{user_id.hex[:12]}@example.com",
        full_name=extra.pop("full_name", "Ada Lovelace"),
        password_hash=extra.pop("password_hash", "$2b$04$hash"),
        is_admin=extra.pop("is_admin", False),
        is_active=extra.pop("is_active", True),
        created_at=created_at,
        updated_at=created_at,
    )


async def add_user(backend: Backend, email: str | None = None, **extra: Any) -> User:
    user = make_user(email, **extra)
    async with backend.new_uow() as uow:
        await uow.users.add(user)
        await uow.commit()
    return user


def later(minutes: int) -> datetime:
    return T0 + timedelta(minutes=minutes)


def ids_ascending(count: int) -> list[UUID]:
    return sorted(uuid4() for _ in range(count))
