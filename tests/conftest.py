"""Database fixtures shared by every test folder.

- ``sqlite_url``: a fresh, migrated SQLite file for one test (a copy of a template
  migrated once per session, so each test pays a file copy, not a migration).
- ``postgres_url``: the URL of this run's own migrated PostgreSQL database, emptied
  before the test. The database (``clientbook_test_<random>``) is created from the
  server named by ``CLIENTBOOK_TEST_POSTGRES_URL`` (its database serves as maintenance
  database) and dropped when the session ends.
- ``postgres_server_url``: that maintenance URL, for tests that create databases of
  their own (``fresh_postgres_database`` does it for you).
- ``storage_settings``: the settings of an app under test on the folder's
  ``storage_kind`` (``memory``, ``sqlite`` or ``postgresql``), for its
  ``settings_overrides`` to extend (tests/http, tests/web).

Without ``CLIENTBOOK_TEST_POSTGRES_URL`` PostgreSQL tests are skipped with a reason,
unless ``CLIENTBOOK_REQUIRE_POSTGRES=1`` (set by ``.ci/run``) turns the skip into a
failure.
"""

from __future__ import annotations

import asyncio
import os
import secrets
import shutil
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import asyncpg
import pytest
from sqlalchemy.engine import make_url

from adapters.sqlalchemy.engine import async_database_url
from adapters.sqlalchemy.migrations import in_fresh_thread, upgrade_to_head
from adapters.sqlalchemy.tables import metadata

POSTGRES_ENV = "CLIENTBOOK_TEST_POSTGRES_URL"
REQUIRE_ENV = "CLIENTBOOK_REQUIRE_POSTGRES"
# Read once at start-up: tests that scrub CLIENTBOOK_* variables (settings isolation)
# must not turn a session-wide PostgreSQL fixture into a cached skip.
_POSTGRES_URL = os.environ.get(POSTGRES_ENV)
_POSTGRES_REQUIRED = os.environ.get(REQUIRE_ENV) == "1"


def _skip_or_fail(reason: str) -> None:
    if _POSTGRES_REQUIRED:
        pytest.fail(f"{REQUIRE_ENV}=1 but {reason}", pytrace=False)
    pytest.skip(reason)


def asyncpg_dsn(url: str, database: str | None = None) -> str:
    """A libpq-style DSN for asyncpg itself, from a SQLAlchemy URL."""
    parsed = make_url(url).set(drivername="postgresql")
    if database is not None:
        parsed = parsed.set(database=database)
    return parsed.render_as_string(hide_password=False)


def with_database(url: str, database: str) -> str:
    return make_url(url).set(database=database).render_as_string(hide_password=False)


def _admin(url: str, *statements: str) -> None:
    """Run statements outside a transaction (CREATE/DROP DATABASE need that)."""

    async def run() -> None:
        conn = await asyncpg.connect(asyncpg_dsn(url), timeout=5)
        try:
            for statement in statements:
                await conn.execute(statement)
        finally:
            await conn.close()

    # On its own thread and loop, so it never disturbs the test's event loop.
    in_fresh_thread(lambda: asyncio.run(run()))


@pytest.fixture(scope="session")
def postgres_server_url() -> str:
    url = _POSTGRES_URL
    if not url:
        _skip_or_fail(f"{POSTGRES_ENV} is not set: PostgreSQL cases skipped")
        raise AssertionError("unreachable")
    url = async_database_url(url)
    try:
        _admin(url, "SELECT 1")
    except (OSError, asyncpg.PostgresError, TimeoutError) as error:
        _skip_or_fail(f"PostgreSQL at {POSTGRES_ENV} is unreachable: {error!r}")
    return url


@contextmanager
def _throwaway_database(server_url: str) -> Iterator[str]:
    name = f"clientbook_test_{secrets.token_hex(6)}"
    _admin(server_url, f'CREATE DATABASE "{name}"')
    try:
        yield with_database(server_url, name)
    finally:
        _admin(server_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def fresh_postgres_database(postgres_server_url: str) -> Iterator[str]:
    """An empty (unmigrated) database of its own for one test, dropped afterwards."""
    with _throwaway_database(postgres_server_url) as url:
        yield url


@pytest.fixture(scope="session")
def _postgres_session_database(postgres_server_url: str) -> Iterator[str]:
    with _throwaway_database(postgres_server_url) as url:
        upgrade_to_head(url)
        yield url


@pytest.fixture
def postgres_url(_postgres_session_database: str) -> str:
    """The run's migrated PostgreSQL database, with every table emptied for this test."""
    tables = ", ".join(f'"{t.name}"' for t in metadata.sorted_tables)
    _admin(_postgres_session_database, f"TRUNCATE {tables} CASCADE")
    return _postgres_session_database


@pytest.fixture(scope="session")
def _sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("sqlite-template") / "template.db"
    upgrade_to_head(f"sqlite:///{path}")
    return path


@pytest.fixture
def sqlite_url(_sqlite_template: Path, tmp_path: Path) -> str:
    """A fresh, migrated SQLite database file for one test."""
    path = tmp_path / "clientbook.db"
    shutil.copyfile(_sqlite_template, path)
    return f"sqlite+aiosqlite:///{path}"


@pytest.fixture
def database_url_for(request: pytest.FixtureRequest) -> Callable[[str], str]:
    """``"sqlite"`` or ``"postgresql"`` -> a fresh migrated database URL of that kind."""

    def pick(kind: str) -> str:
        fixture = {"sqlite": "sqlite_url", "postgresql": "postgres_url"}[kind]
        url: str = request.getfixturevalue(fixture)
        return url

    return pick


@pytest.fixture
def storage_settings(
    storage_kind: str, tmp_path: Path, database_url_for: Callable[[str], str]
) -> dict[str, Any]:
    """An app under test on ``storage_kind``: fast hashing, no rate limits, and a hashing
    queue no test fills (concurrency tests hash at once on purpose, from one address)."""
    if storage_kind == "memory":
        persistence, url = "memory", f"sqlite:///{tmp_path / 'unused.db'}"
    else:
        persistence, url = "sqlalchemy", database_url_for(storage_kind)
    return {
        "env": "test",
        "persistence": persistence,
        "bcrypt_rounds": 4,
        "database_url": url,
        "login_rate_limit": "off",
        "register_rate_limit": "off",
        "bcrypt_queue": 1000,
        "bcrypt_queue_per_address": 1000,
    }
