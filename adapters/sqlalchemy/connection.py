"""The connection a unit of work lends its repositories, with errors translated."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any
from uuid import UUID

from sqlalchemy import Connection, CursorResult, Executable, text
from sqlalchemy.ext.asyncio import AsyncConnection

from adapters.sqlalchemy.errors import raise_translated


class Db:
    """Per-transaction state shared by the repositories of one unit of work.

    With ``defer_begin`` the connection starts in autocommit and the transaction begins
    at the first write (INSERT/UPDATE/DELETE) or stream: a unit that only reads then
    costs its SELECTs alone, without a BEGIN and a ROLLBACK round trip. Under READ
    COMMITTED (PostgreSQL's default) a read sees the same data either way, since every
    statement takes a fresh snapshot; everything from the first write on is one
    transaction. (SQLite's driver already begins lazily, before the first write.)
    """

    __slots__ = ("_conn", "_custom_plans", "_deferred", "loaded_contacts")

    def __init__(self) -> None:
        self._conn: AsyncConnection | None = None
        self._deferred = False
        self._custom_plans = False
        # Contact ids (in stored order) of clients loaded in this transaction, so that
        # ``ClientRepository.update`` can diff contacts without reading them again.
        self.loaded_contacts: dict[UUID, list[UUID]] = {}

    def bind(self, conn: AsyncConnection | None, *, defer_begin: bool = False) -> None:
        self._conn = conn
        self._deferred = defer_begin
        self._custom_plans = False
        self.loaded_contacts = {}

    async def plan_for_growing_tables(self) -> None:
        """Have PostgreSQL plan each statement for the data as it is now.

        A bulk write grows a table inside one transaction, where statistics never catch
        up: after five executions PostgreSQL may switch a prepared statement to a generic
        plan made while the table was nearly empty (a scan instead of the unique index),
        and each later batch gets slower. Planning per execution keeps every batch fast.
        Only for the rest of this transaction, and only once one is open: statements
        outside bulk work keep their cached plans.
        """
        conn = self.conn
        if self._custom_plans or self._deferred or conn.dialect.name != "postgresql":
            return
        await self.execute(text("SET LOCAL plan_cache_mode = force_custom_plan"))
        self._custom_plans = True

    async def begin(self) -> None:
        """Leave autocommit, so that what follows runs in one transaction."""
        if not self._deferred:
            return
        self._deferred = False
        conn = self.conn
        try:
            await conn.run_sync(_leave_autocommit)
        except Exception as error:
            raise_translated(error)

    @property
    def conn(self) -> AsyncConnection:
        if self._conn is None:
            raise RuntimeError("repositories are used outside their unit of work")
        return self._conn

    async def execute(
        self,
        statement: Executable,
        params: Mapping[str, Any] | Sequence[Mapping[str, Any]] | None = None,
    ) -> CursorResult[Any]:
        if self._deferred and statement.is_dml:
            await self.begin()
        conn = self.conn
        try:
            return await conn.execute(statement, params)
        except Exception as error:
            raise_translated(error)


def _leave_autocommit(conn: Connection) -> None:
    # Ends SQLAlchemy's bookkeeping transaction (nothing to commit on the server: the
    # reads ran in autocommit), then switches to the server's own isolation level (the
    # pool puts the connection back in autocommit when it is returned); both in one pass
    # through the asyncio bridge.
    conn.commit()
    conn.execution_options(isolation_level=conn.default_isolation_level)
