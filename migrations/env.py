"""Alembic environment: async engine, the adapter's MetaData, batch mode on SQLite.

The database URL comes from the caller (``adapters.sqlalchemy.migrations`` passes it as a
config attribute) or, for the ``alembic`` command, from ``CLIENTBOOK_DATABASE_URL``.
"""

from __future__ import annotations

import asyncio
import os
from logging.config import fileConfig

from alembic import context
from sqlalchemy import Connection
from sqlalchemy.ext.asyncio import create_async_engine
from sqlalchemy.pool import NullPool

from adapters.sqlalchemy.engine import async_database_url, dispose_engine, track_sqlite_workers
from adapters.sqlalchemy.migrations import run_coroutine
from adapters.sqlalchemy.schema import include_in_comparison
from adapters.sqlalchemy.tables import metadata

config = context.config
if config.config_file_name is not None and config.attributes.get("configure_logger", True):
    fileConfig(config.config_file_name, disable_existing_loggers=False)

database_url = async_database_url(
    config.attributes.get("database_url")
    or os.environ.get("CLIENTBOOK_DATABASE_URL")
    or "sqlite:///./clientbook.db"
)


def _configure(**options: object) -> None:
    context.configure(target_metadata=metadata, compare_type=True, **options)


def run_offline() -> None:
    _configure(
        url=database_url,
        literal_binds=True,
        render_as_batch=database_url.startswith("sqlite"),
    )
    with context.begin_transaction():
        context.run_migrations()


def _run_on(connection: Connection) -> None:
    # SQLite cannot ALTER most things in place: batch mode copies the table instead.
    _configure(
        connection=connection,
        render_as_batch=connection.dialect.name == "sqlite",
        include_object=include_in_comparison(connection.dialect.name),
    )
    with context.begin_transaction():
        context.run_migrations()


async def run_online() -> None:
    engine = track_sqlite_workers(create_async_engine(database_url, poolclass=NullPool))
    try:
        async with engine.connect() as connection:
            await connection.run_sync(_run_on)
            await connection.commit()
    finally:
        await dispose_engine(engine)


if context.is_offline_mode():
    run_offline()
else:
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        asyncio.run(run_online())
    else:
        run_coroutine(run_online)
