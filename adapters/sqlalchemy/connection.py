"""The connection a unit of work lends its repositories, with errors translated."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any
from uuid import UUID

from sqlalchemy import CursorResult, Executable
from sqlalchemy.ext.asyncio import AsyncConnection

from adapters.sqlalchemy.errors import translate
from domain.errors import DomainError


class Db:
    """Per-transaction state shared by the repositories of one unit of work."""

    __slots__ = ("_conn", "loaded_contacts")

    def __init__(self) -> None:
        self._conn: AsyncConnection | None = None
        # Contact ids (in stored order) of clients loaded in this transaction, so that
        # ``ClientRepository.update`` can diff contacts without reading them again.
        self.loaded_contacts: dict[UUID, list[UUID]] = {}

    def bind(self, conn: AsyncConnection | None) -> None:
        self._conn = conn
        self.loaded_contacts = {}

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
        try:
            return await self.conn.execute(statement, params)
        except DomainError:
            raise
        except Exception as error:
            translated = translate(error)
            if translated is error:
                raise
            raise translated from error
