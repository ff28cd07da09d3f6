"""The SQLAlchemy Unit of Work: one pooled connection, one transaction per entry.

Repositories run SQLAlchemy Core statements on the unit's ``AsyncConnection`` (no ORM
session: nothing to flush, no identity map to fill), never commit, and translate driver
errors into domain errors.
"""

from __future__ import annotations

import logging
from types import TracebackType
from typing import NoReturn, Self

from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from adapters.sqlalchemy import tables as _tables  # noqa: F401 - registers constraint names
from adapters.sqlalchemy.clients import SqlAlchemyClientRepository
from adapters.sqlalchemy.connection import Db
from adapters.sqlalchemy.errors import raise_translated
from adapters.sqlalchemy.meetings import SqlAlchemyMeetingRepository
from adapters.sqlalchemy.queue import ConnectionQueue, connection_queue
from adapters.sqlalchemy.refresh_sessions import SqlAlchemyRefreshSessionRepository
from adapters.sqlalchemy.users import SqlAlchemyUserRepository
from domain.ports import UnitOfWork, UnitsOfWork

log = logging.getLogger(__name__)


class SqlAlchemyUnitOfWork(UnitOfWork):
    """One pooled connection, one transaction per ``async with``.

    Without ``defer_begin`` (use cases that write) the transaction begins with the first
    statement, as usual. With it (use cases that read, on the engine of
    ``build_reading_engine``, whose PostgreSQL connections are in autocommit) a unit
    runs its reads as they come and begins its transaction at the first write (see
    ``Db``): a unit that only reads costs its SELECTs alone, without BEGIN and ROLLBACK.
    Either way, everything from the first write on is one transaction. (Given an engine
    not in autocommit, a deferring unit is still correct, only slower: the driver then
    begins a transaction for its reads, which the first write commits.)
    """

    def __init__(
        self,
        engine: AsyncEngine,
        *,
        defer_begin: bool = False,
        queue: ConnectionQueue | None = None,
    ) -> None:
        self._defer_begin = defer_begin and engine.dialect.name == "postgresql"
        self._engine = engine
        # With a queue (the service's units), the connection is asked for in turn.
        self._queue = queue if queue is not None and queue.engine is engine else None
        self._conn: AsyncConnection | None = None
        self._db = Db()
        self.users = SqlAlchemyUserRepository(self._db)
        self.clients = SqlAlchemyClientRepository(self._db)
        self.meetings = SqlAlchemyMeetingRepository(self._db)
        self.refresh_sessions = SqlAlchemyRefreshSessionRepository(self._db)

    async def __aenter__(self) -> Self:
        if self._conn is not None:
            raise RuntimeError("this unit of work is already in progress")
        try:
            if self._queue is not None:
                conn = await self._queue.connect()
            else:
                conn = await self._engine.connect()
        except Exception as error:
            _reraise(error)
        self._conn = conn
        self._db.bind(conn, defer_begin=self._defer_begin)
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        conn, self._conn = self._conn, None
        self._db.bind(None)
        if conn is None:
            return
        try:
            # Closing returns the connection to the pool, rolling back what was not committed.
            if self._queue is not None:
                await self._queue.release(conn)
            else:
                await conn.close()
        except Exception as error:
            if exc is not None:
                # Do not hide the error that ended the unit with one about cleaning up.
                log.warning("could not release a database connection: %r", error)
                return
            _reraise(error)

    async def commit(self) -> None:
        try:
            await self._connection().commit()
        except Exception as error:
            _reraise(error)

    async def rollback(self) -> None:
        try:
            await self._connection().rollback()
        except Exception as error:
            _reraise(error)

    def _connection(self) -> AsyncConnection:
        if self._conn is None:
            raise RuntimeError("the unit of work is not in progress")
        return self._conn


class SqlAlchemyUnitsOfWork(UnitsOfWork):
    """Units that write on ``engine``, a transaction from the first statement; units
    that read on ``reading_engine`` (``build_reading_engine``), beginning a transaction
    only at a first write.

    With ``pool_wait`` (the pool timeout, in seconds) every unit waits for its
    connection in a ``ConnectionQueue`` of its engine: first come, first served, for at
    most that long (``max_overflow`` as the engines were built with).
    """

    def __init__(
        self,
        engine: AsyncEngine,
        reading_engine: AsyncEngine,
        *,
        pool_wait: float | None = None,
        max_overflow: int = 0,
    ) -> None:
        self._engine = engine
        self._reading_engine = reading_engine
        self._queue: ConnectionQueue | None = None
        self._reading_queue: ConnectionQueue | None = None
        if pool_wait is not None:
            self._queue = connection_queue(engine, max_overflow, pool_wait)
            self._reading_queue = (
                self._queue
                if reading_engine is engine
                else connection_queue(reading_engine, max_overflow, pool_wait)
            )

    def reading(self) -> SqlAlchemyUnitOfWork:
        return SqlAlchemyUnitOfWork(
            self._reading_engine, defer_begin=True, queue=self._reading_queue
        )

    def writing(self) -> SqlAlchemyUnitOfWork:
        return SqlAlchemyUnitOfWork(self._engine, queue=self._queue)


def _reraise(error: Exception) -> NoReturn:
    raise_translated(error)
