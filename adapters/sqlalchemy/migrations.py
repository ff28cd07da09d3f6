"""Alembic, driven from code: what ``clientbook db …`` and ``clientbook serve`` call.

``AlembicMigrator`` is the ``Migrator`` port (async). The functions it calls are
**synchronous** and safe to call from anywhere (tests and fixtures use them): plain sync
code, or a coroutine on a running event loop (which it then blocks until done). Alembic's
``env.py`` drives an async engine through ``asyncio.run``, which cannot nest inside a
running loop, so the work always runs on a short-lived thread with its own loop.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable, Coroutine
from pathlib import Path
from typing import Any, TypeVar

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection
from sqlalchemy.ext.asyncio import create_async_engine
from sqlalchemy.pool import NullPool

from adapters.sqlalchemy.engine import (
    async_database_url,
    dispose_engine,
    require_sqlite_folder,
    track_sqlite_workers,
)
from adapters.sqlalchemy.errors import translate
from domain.ports import Migrator

T = TypeVar("T")

# The migrations live beside the packages in the source tree (repo root / migrations).
MIGRATIONS_DIR = Path(__file__).resolve().parents[2] / "migrations"


def in_fresh_thread(work: Callable[[], T]) -> T:
    """Run ``work`` on a new thread and return its result (or raise its error)."""
    outcome: dict[str, Any] = {}

    def target() -> None:
        try:
            outcome["value"] = work()
        except BaseException as error:
            outcome["error"] = error

    thread = threading.Thread(target=target, name="clientbook-migrations")
    thread.start()
    thread.join()
    if "error" in outcome:
        raise outcome["error"]
    return outcome["value"]  # type: ignore[no-any-return]


def run_coroutine(make: Callable[[], Coroutine[Any, Any, T]]) -> T:
    """``asyncio.run`` that also works when the caller is already inside an event loop."""
    return in_fresh_thread(lambda: asyncio.run(make()))


def alembic_config(database_url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    # Passed as an attribute, not an ini option: configparser would choke on '%' in URLs.
    config.attributes["database_url"] = async_database_url(database_url)
    return config


def _domain_errors(work: Callable[[], T]) -> T:
    try:
        return work()
    except Exception as error:
        translated = translate(error)
        if translated is error:
            raise
        raise translated from error


def upgrade_to_head(database_url: str) -> None:
    """Apply every pending migration; a no-op when the schema is current."""
    upgrade(database_url, "head")


def upgrade(database_url: str, revision: str) -> None:
    require_sqlite_folder(database_url)
    config = alembic_config(database_url)
    _domain_errors(lambda: in_fresh_thread(lambda: command.upgrade(config, revision)))


def downgrade(database_url: str, revision: str) -> None:
    require_sqlite_folder(database_url)
    config = alembic_config(database_url)
    _domain_errors(lambda: in_fresh_thread(lambda: command.downgrade(config, revision)))


def head_revision() -> str | None:
    return ScriptDirectory.from_config(alembic_config("sqlite://")).get_current_head()


def current_revision(database_url: str) -> str | None:
    """The revision the database is at, or ``None`` for an empty (unmigrated) database."""
    require_sqlite_folder(database_url)

    def read(conn: Connection) -> str | None:
        return MigrationContext.configure(conn).get_current_revision()

    async def fetch() -> str | None:
        engine = track_sqlite_workers(
            create_async_engine(async_database_url(database_url), poolclass=NullPool)
        )
        try:
            async with engine.connect() as conn:
                return await conn.run_sync(read)
        finally:
            await dispose_engine(engine)

    return _domain_errors(lambda: run_coroutine(fetch))


class AlembicMigrator(Migrator):
    """The ``Migrator`` the container hands the CLI: Alembic on this database, each call
    on a worker thread so that the event loop keeps running."""

    def __init__(self, database_url: str) -> None:
        self._url = database_url

    async def upgrade(self) -> str | None:
        await asyncio.to_thread(upgrade_to_head, self._url)
        return await self.current()

    async def current(self) -> str | None:
        return await asyncio.to_thread(current_revision, self._url)

    async def head(self) -> str | None:
        return await asyncio.to_thread(head_revision)
