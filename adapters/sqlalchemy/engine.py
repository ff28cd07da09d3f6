"""Engines built from configuration: pooling, timeouts and the SQLite pragmas.

Nothing here runs at import time; the container calls ``build_engine`` once per process.
"""

from __future__ import annotations

import asyncio
import threading
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any
from weakref import WeakKeyDictionary

from sqlalchemy import event
from sqlalchemy.engine import URL, Engine, make_url
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine
from sqlalchemy.pool import StaticPool

from domain.errors import StorageProblem, StorageUnavailable

_ASYNC_DRIVERS = (
    ("sqlite://", "sqlite+aiosqlite://"),
    ("postgresql://", "postgresql+asyncpg://"),
    ("postgres://", "postgresql+asyncpg://"),
)


def async_database_url(url: str | URL) -> str:
    """Give a plain ``sqlite://`` or ``postgresql://`` URL the async driver we run on."""
    text = url.render_as_string(hide_password=False) if isinstance(url, URL) else url.strip()
    for plain, driver in _ASYNC_DRIVERS:
        if text.startswith(plain):
            return driver + text[len(plain) :]
    return text


@dataclass(frozen=True, slots=True)
class DatabaseConfig:
    url: str
    pool_size: int = 10
    max_overflow: int = 0
    pool_timeout: float = 5.0
    connect_timeout: float = 5.0
    command_timeout: float = 30.0
    # PostgreSQL's statement_timeout, in seconds, on every connection (0: none).
    statement_timeout: float = 10.0
    # Off: a ping per checkout is a round trip per unit of work; see ADR 0002.
    pool_pre_ping: bool = False
    echo: bool = False


# aiosqlite closes a connection by queueing the close on the connection's worker thread
# and returning at once; the thread then reports back to the event loop. If the loop is
# gone by then, the thread dies with "Event loop is closed". So engines remember those
# threads, and ``dispose_engine`` waits for them while the loop still runs.
_sqlite_workers: WeakKeyDictionary[Engine, list[threading.Thread]] = WeakKeyDictionary()


_WORKER_JOIN_SECONDS = 5.0


async def dispose_engine(engine: AsyncEngine) -> None:
    """Close every pooled connection, and let SQLite's worker threads finish cleanly."""
    await engine.dispose()
    threads = _sqlite_workers.get(engine.sync_engine, [])
    finishing = [t for t in threads if t.is_alive()]
    threads.clear()
    if finishing:
        await asyncio.to_thread(_join_all, finishing)


def _join_all(threads: list[threading.Thread]) -> None:
    for thread in threads:
        thread.join(_WORKER_JOIN_SECONDS)


def require_sqlite_folder(database_url: str) -> None:
    """Refuse a SQLite file whose folder does not exist, before any driver is involved.

    aiosqlite would fail to open it on its worker thread, and that thread outlives a
    short-lived event loop (``clientbook db …``, ``serve``'s migration check) to die with a
    traceback of its own after the clear error has been printed.
    """
    url = make_url(async_database_url(database_url))
    if url.get_backend_name() != "sqlite" or _is_memory_sqlite(url):
        return
    if url.database is not None and not Path(url.database).parent.is_dir():
        raise StorageUnavailable(problem=StorageProblem.MISSING_DATABASE)


def _is_memory_sqlite(url: URL) -> bool:
    return url.get_backend_name() == "sqlite" and url.database in (None, "", ":memory:")


def build_engine(config: DatabaseConfig, *, autocommit: bool = False) -> AsyncEngine:
    """An engine and its pool; with ``autocommit`` (PostgreSQL), every connection it
    opens is put in autocommit once, as it is opened (see ``build_reading_engine``)."""
    url = make_url(async_database_url(config.url))
    options: dict[str, Any] = {
        "echo": config.echo,
        "pool_pre_ping": config.pool_pre_ping,
        # Errors (and their logged tracebacks) never quote the statement's parameters,
        # which include password hashes and refresh-token hashes.
        "hide_parameters": True,
    }
    if _is_memory_sqlite(url):
        # One shared connection, or every checkout would see its own empty database.
        options["poolclass"] = StaticPool
    else:
        options.update(
            pool_size=config.pool_size,
            max_overflow=config.max_overflow,
            pool_timeout=config.pool_timeout,
        )
    backend = url.get_backend_name()
    if backend == "sqlite":
        # sqlite3's `timeout` is the busy timeout: writers queue instead of failing.
        options["connect_args"] = {"timeout": config.pool_timeout}
        engine = create_async_engine(url, **options)
        _configure_sqlite(engine, busy_timeout_ms=int(config.pool_timeout * 1000))
        return engine
    if backend == "postgresql":
        options["connect_args"] = {
            "timeout": config.connect_timeout,
            "command_timeout": config.command_timeout,
            # The server cancels a statement running longer (lock waits included) with
            # SQLSTATE 57014, which the adapter answers as ``QueryTimedOut``; the
            # connection stays usable. ``command_timeout`` remains the client's backstop.
            "server_settings": {
                "statement_timeout": str(round(config.statement_timeout * 1000)),
                # What the text codec of timestamps below reads: ISO 8601 in UTC.
                "TimeZone": "UTC",
                "DateStyle": "ISO",
            },
        }
        if autocommit:
            options["isolation_level"] = "AUTOCOMMIT"
        engine = create_async_engine(url, **options)
        event.listen(engine.sync_engine, "connect", _read_timestamps_as_text)
        return engine
    return create_async_engine(url, **options)


# asyncpg decodes a binary ``timestamptz`` with a ``timedelta`` built and added to its
# epoch per value: a fifth of the instructions of a page of 50 meetings. PostgreSQL's ISO
# text, parsed by ``datetime.fromisoformat`` (C, given as the decoder itself so no Python
# frame runs per value), costs a fraction of that. With the session pinned to UTC above,
# every value comes back with ``tzinfo`` ``datetime.UTC``, as the binary codec gives it
# (``UtcDateTime`` relies on that). ADR 0028.
def _timestamp_to_text(value: datetime) -> str:
    return value.isoformat()


def _read_timestamps_as_text(dbapi_connection: Any, _record: Any) -> None:
    # SQLAlchemy's documented way to reach the asyncpg connection from a pool event.
    dbapi_connection.run_async(
        lambda connection: connection.set_type_codec(
            "timestamptz",
            schema="pg_catalog",
            encoder=_timestamp_to_text,
            decoder=datetime.fromisoformat,
            format="text",
        )
    )


def build_reading_engine(config: DatabaseConfig, engine: AsyncEngine) -> AsyncEngine:
    """The engine of the units of work that read (``SqlAlchemyUnitOfWork(defer_begin=True)``).

    On PostgreSQL, a pool of its own whose connections are in autocommit from the moment
    they are opened, so a read costs its SELECTs alone: no BEGIN and ROLLBACK round trips,
    and nothing switched per checkout. (A view of ``engine`` with
    ``execution_options(isolation_level="AUTOCOMMIT")`` shares its pool but sets the level
    on every checkout and restores it on every return, through an event and two
    validations; ADR 0002.)
    Anywhere else, ``engine`` itself: SQLite's driver begins lazily anyway, and an
    in-memory database must stay one connection.
    """
    if engine.dialect.name != "postgresql":
        return engine
    return build_engine(config, autocommit=True)


def track_sqlite_workers(engine: AsyncEngine) -> AsyncEngine:
    """Remember the worker thread of every aiosqlite connection the engine closes."""
    if engine.dialect.name != "sqlite" or engine.sync_engine in _sqlite_workers:
        return engine
    workers = _sqlite_workers.setdefault(engine.sync_engine, [])

    @event.listens_for(engine.sync_engine, "close")
    def _on_close(dbapi_connection: Any, _record: Any) -> None:
        thread = getattr(getattr(dbapi_connection, "_connection", None), "_thread", None)
        if isinstance(thread, threading.Thread):
            workers.append(thread)

    return engine


def _configure_sqlite(engine: AsyncEngine, *, busy_timeout_ms: int) -> None:
    track_sqlite_workers(engine)

    @event.listens_for(engine.sync_engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        cursor = dbapi_connection.cursor()
        try:
            # Off by default in SQLite: without it ON DELETE CASCADE / SET NULL never fire.
            cursor.execute("PRAGMA foreign_keys=ON")
            # WAL lets readers run while one writer writes; NORMAL sync is safe under WAL.
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.execute(f"PRAGMA busy_timeout={busy_timeout_ms:d}")
        finally:
            cursor.close()
