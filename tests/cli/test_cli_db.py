"""``db upgrade`` / ``db current`` on real, empty databases; ``serve`` migrates first."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from entrypoints.cli.main import build_app
from entrypoints.http import server

from .conftest import PASSWORD, make_factory


def program(database_url: str, persistence: str = "sqlalchemy") -> Any:
    settings = {"env": "test", "persistence": persistence, "bcrypt_rounds": 4,
                "database_url": database_url, "secret_key": "s" * 40}  # fmt: skip
    app = build_app(make_factory(settings))
    runner = CliRunner()
    return lambda *args, input=None: runner.invoke(app, list(args), input=input)


def _migrate_an_empty_database(url: str) -> None:
    cli = program(url)
    before = cli("db", "current")
    assert before.exit_code == 0, before.output
    assert "No migration applied yet" in before.stdout

    upgraded = cli("db", "upgrade")
    assert upgraded.exit_code == 0, upgraded.output
    assert "Database is up to date" in upgraded.stdout
    assert cli("db", "upgrade").exit_code == 0  # nothing pending: a no-op

    current = cli("db", "current")
    assert current.exit_code == 0
    assert current.stdout.strip().endswith("(up to date)")
    created = cli("users", "create", "ada@example.com", "--password-stdin", input=PASSWORD)
    assert created.exit_code == 0, created.output


def test_db_upgrade_and_current_on_a_new_sqlite_file(tmp_path: Path) -> None:
    _migrate_an_empty_database(f"sqlite:///{tmp_path / 'new.db'}")


@pytest.mark.postgres
def test_db_upgrade_and_current_on_a_new_postgresql_database(
    fresh_postgres_database: str,
) -> None:
    _migrate_an_empty_database(fresh_postgres_database)


def test_in_memory_storage_has_nothing_to_migrate(tmp_path: Path) -> None:
    cli = program(f"sqlite:///{tmp_path / 'unused.db'}", persistence="memory")
    upgraded = cli("db", "upgrade")
    assert upgraded.exit_code == 0
    assert "nothing to migrate" in upgraded.stdout
    assert cli("db", "current").exit_code == 0


def test_an_unreachable_database_exits_1_without_a_traceback() -> None:
    cli = program("postgresql://clientbook@127.0.0.1:1/nowhere")
    for args in (("users", "list"), ("db", "current"), ("clients", "list", "-u", "a@b.example")):
        result = cli(*args)
        assert result.exit_code == 1, result.output
        assert result.stderr.startswith("Error: "), result.stderr
        assert "nothing accepts connections at 127.0.0.1:1" in result.stderr
        assert "Traceback" not in result.output


def test_serve_migrates_before_serving(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    calls: list[dict[str, Any]] = []
    monkeypatch.setattr(server, "serve", lambda **kwargs: calls.append(kwargs))
    monkeypatch.setattr(os, "environ", dict(os.environ))
    cli = program(f"sqlite:///{tmp_path / 'served.db'}")
    result = cli("serve", "--workers", "2")
    assert result.exit_code == 0, result.output
    assert calls[0]["workers"] == 2
    assert os.environ["CLIENTBOOK_SECRET_KEY"] == "s" * 40
    assert cli("db", "current").stdout.strip().endswith("(up to date)")
