"""Engines built from configuration: pooling, timeouts and the SQLite pragmas.

Nothing here runs at import time; the container calls ``build_engine`` once per process.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import URL, make_url
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine
from sqlalchemy.pool import StaticPool

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
    max_overflow: int = 10
    pool_timeout: float = 5.0
    connect_timeout: float = 5.0
    command_timeout: float = 30.0
    # Off: a ping per checkout is a round trip per unit of work; see ADR 0002.
    pool_pre_ping: bool = False
    echo: bool = False


def _is_memory_sqlite(url: URL) -> bool:
    return url.get_backend_name() == "sqlite" and url.database in (None, "", ":memory:")


def build_engine(config: DatabaseConfig) -> AsyncEngine:
    url = make_url(async_database_url(config.url))
    options: dict[str, Any] = {"echo": config.echo, "pool_pre_ping": config.pool_pre_ping}
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
        }
    return create_async_engine(url, **options)


def _configure_sqlite(engine: AsyncEngine, *, busy_timeout_ms: int) -> None:
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
