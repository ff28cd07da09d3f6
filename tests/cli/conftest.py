"""Command-line fixtures: the real program, run in-process with Typer's ``CliRunner``.

``cli("clients", "list", "--user", EMAIL)`` runs one command and returns Click's result.
Each test gets its own storage, parametrised over the backends:

- ``memory``: one container for the whole test (in-memory data lives in the container,
  like in one process), handed to the program through ``build_app``'s factory;
- ``sqlite`` and ``postgresql``: a fresh migrated database (root ``conftest.py``) and a
  fresh container per command, exactly like separate runs of the program.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, Protocol

import pytest
from click.testing import Result
from typer.testing import CliRunner

from config import load_settings
from container import Container
from entrypoints.cli.main import build_app

PASSWORD = "correct horse battery"
EMAIL = "ada@example.com"
SECRET = "a-cli-test-signing-secret-long-enough-for-hmac-0123456789"
KEEP = ("CLIENTBOOK_TEST_", "CLIENTBOOK_REQUIRE_")  # test infrastructure, not settings
BACKENDS = ["memory", "sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]


class Cli(Protocol):
    def __call__(self, *args: str, input: str | None = None) -> Result: ...


def make_factory(overrides: dict[str, Any]) -> Callable[[], Container]:
    def factory() -> Container:
        container = Container()
        container.settings.override(load_settings(**overrides))
        return container

    return factory


@pytest.fixture(autouse=True)
def _isolated(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """No CLIENTBOOK_* variable or ./.env from the developer's machine leaks in."""
    for name in list(os.environ):
        if name.startswith("CLIENTBOOK_") and not name.startswith(KEEP):
            monkeypatch.delenv(name)
    monkeypatch.setenv("COLUMNS", "200")  # Rich's width off a terminal: wide tables
    monkeypatch.chdir(tmp_path)


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def settings_overrides(
    backend: str, tmp_path: Path, database_url_for: Callable[[str], str]
) -> dict[str, Any]:
    memory = backend == "memory"
    return {
        "env": "test",
        "persistence": "memory" if memory else "sqlalchemy",
        "database_url": f"sqlite:///{tmp_path / 'unused.db'}"
        if memory
        else database_url_for(backend),
        "secret_key": SECRET,
        "bcrypt_rounds": 4,
        "login_rate_limit": "off",
        "register_rate_limit": "off",
    }


@pytest.fixture
def make_container(
    backend: str, settings_overrides: dict[str, Any]
) -> Iterator[Callable[[], Container]]:
    if backend == "memory":
        shared = make_factory(settings_overrides)()
        yield lambda: shared
        shared.reset_singletons()
    else:
        yield make_factory(settings_overrides)


@pytest.fixture
def cli(make_container: Callable[[], Container]) -> Cli:
    app = build_app(make_container)
    runner = CliRunner()

    def invoke(*args: str, input: str | None = None) -> Result:
        return runner.invoke(app, list(args), input=input)

    return invoke


@pytest.fixture
def user(cli: Cli) -> str:
    """A registered user's email."""
    created = cli("users", "create", EMAIL, "--password-stdin", input=PASSWORD + "\n")
    assert created.exit_code == 0, created.output
    return EMAIL
