"""Migrations: they apply to empty databases, match the table definitions exactly,
and every revision goes up, down and up again (the "stairway")."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, inspect
from sqlalchemy.ext.asyncio import create_async_engine
from sqlalchemy.pool import NullPool

from adapters.sqlalchemy.engine import async_database_url, dispose_engine, track_sqlite_workers
from adapters.sqlalchemy.migrations import (
    AlembicMigrator,
    alembic_config,
    current_revision,
    downgrade,
    head_revision,
    run_coroutine,
    upgrade,
    upgrade_to_head,
)
from adapters.sqlalchemy.schema import include_in_comparison
from adapters.sqlalchemy.tables import metadata

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def empty_database(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'empty.db'}"
    url: str = request.getfixturevalue("fresh_postgres_database")
    return url


def _inspect(url: str, look: Callable[[Connection], object]) -> object:
    async def run() -> object:
        engine = track_sqlite_workers(
            create_async_engine(async_database_url(url), poolclass=NullPool)
        )
        try:
            async with engine.connect() as conn:
                return await conn.run_sync(look)
        finally:
            await dispose_engine(engine)

    return run_coroutine(run)


def _tables(url: str) -> set[str]:
    names = _inspect(url, lambda conn: set(inspect(conn).get_table_names()))
    assert isinstance(names, set)
    return names - {"alembic_version"}


def test_upgrade_head_creates_the_whole_schema(empty_database: str) -> None:
    assert current_revision(empty_database) is None
    upgrade_to_head(empty_database)
    assert _tables(empty_database) == set(metadata.tables)
    assert current_revision(empty_database) == head_revision()
    upgrade_to_head(empty_database)  # already current: nothing to do
    assert current_revision(empty_database) == head_revision()


def test_migrations_and_table_definitions_never_drift(empty_database: str) -> None:
    upgrade_to_head(empty_database)
    diff = _inspect(
        empty_database,
        lambda conn: compare_metadata(
            MigrationContext.configure(
                conn,
                opts={
                    "compare_type": True,
                    "include_object": include_in_comparison(conn.dialect.name),
                },
            ),
            metadata,
        ),
    )
    assert diff == []


@pytest.mark.postgres
def test_postgresql_gets_the_covering_and_trigram_indexes(fresh_postgres_database: str) -> None:
    upgrade_to_head(fresh_postgres_database)

    def definitions(conn: Connection) -> dict[str, str]:
        rows = conn.exec_driver_sql("SELECT indexname, indexdef FROM pg_indexes")
        return {str(row[0]): str(row[1]) for row in rows}

    found = _inspect(fresh_postgres_database, definitions)
    assert isinstance(found, dict)
    assert found["ix_meetings_owner_id_starts_at_id"].endswith(
        "(owner_id, starts_at, id) INCLUDE (client_id, revenue_cents, duration_minutes)"
    )
    for column in ("name_key", "company_key"):
        assert f"USING gin ({column} gin_trgm_ops)" in found[f"ix_clients_{column}_trgm"]


def test_stairway_every_revision_up_down_up(empty_database: str) -> None:
    script = ScriptDirectory.from_config(alembic_config(empty_database))
    revisions = list(reversed(list(script.walk_revisions())))
    assert revisions, "no migrations found"
    for revision in revisions:
        upgrade(empty_database, revision.revision)
        downgrade(empty_database, revision.down_revision or "base")
        upgrade(empty_database, revision.revision)
    assert current_revision(empty_database) == head_revision()
    downgrade(empty_database, "base")
    assert _tables(empty_database) == set()


async def test_the_migrator_port_runs_inside_an_event_loop(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'from-loop.db'}"
    migrator = AlembicMigrator(url)
    assert await migrator.current() is None
    assert await migrator.upgrade() == await migrator.head() == head_revision()
    assert await migrator.current() == head_revision()
    assert await migrator.upgrade() == head_revision()  # nothing pending: a no-op


def test_the_alembic_command_works_from_the_repository_root(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    env = {**os.environ, "CLIENTBOOK_DATABASE_URL": url}
    done = subprocess.run(
        [sys.executable, "-m", "alembic", "upgrade", "head"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert current_revision(url) == head_revision()
