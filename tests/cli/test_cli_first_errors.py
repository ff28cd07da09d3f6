"""A newcomer's first mistakes: each gets one line that names the problem and what to do.

The program runs as installed: settings from the environment and ``./.env`` (the
``_isolated`` fixture clears the developer's own and works in a temporary directory).
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import Result
from sqlalchemy.engine import URL, make_url
from typer.testing import CliRunner

from entrypoints.cli.main import build_app
from entrypoints.http import server

SECRET = "a-first-errors-test-secret-long-enough-0123456789"


def clientbook(*args: str, **environment: str) -> Result:
    """One run of the program with ``CLIENTBOOK_<NAME>`` set from ``environment``."""
    variables = {f"CLIENTBOOK_{name.upper()}": value for name, value in environment.items()}
    return CliRunner().invoke(build_app(), list(args), env=variables)


def error_lines(result: Result) -> list[str]:
    return [line for line in result.stderr.splitlines() if line.startswith("Error: ")]


# -- configuration ------------------------------------------------------------------------


def test_a_missing_production_secret_is_one_line_naming_the_variable() -> None:
    result = clientbook("users", "list", env="production")
    assert result.exit_code == 2, result.output
    assert result.stderr.splitlines() == [
        "Error: CLIENTBOOK_SECRET_KEY (not set): production needs a secret key of at least "
        "32 characters; make one with: python -c 'import secrets; "
        "print(secrets.token_urlsafe(48))'"
    ]


def test_a_bad_value_says_it_came_from_the_environment() -> None:
    result = clientbook("users", "list", bcrypt_rounds="3")
    assert result.exit_code == 2
    assert error_lines(result) == [
        "Error: CLIENTBOOK_BCRYPT_ROUNDS (from the environment): should be greater than or "
        "equal to 4"
    ]


def test_a_bad_value_says_it_came_from_dotenv() -> None:
    Path(".env").write_text("# local settings\nCLIENTBOOK_LOG_FORMAT=xml\n", encoding="utf-8")
    result = clientbook("users", "list")
    assert result.exit_code == 2
    assert error_lines(result) == [
        "Error: CLIENTBOOK_LOG_FORMAT (from .env): should be 'console' or 'json'"
    ]


def test_every_bad_variable_gets_its_own_line_without_library_prefixes() -> None:
    result = clientbook("users", "list", env="staging", login_rate_limit="lots")
    assert result.exit_code == 2
    lines = error_lines(result)
    assert [line.split(" ", 2)[1] for line in lines] == [
        "CLIENTBOOK_ENV",
        "CLIENTBOOK_LOGIN_RATE_LIMIT",
    ]
    assert "Value error" not in result.stderr
    assert "configuration:" not in result.stderr


# -- unknown variables --------------------------------------------------------------------


def test_a_misspelt_variable_is_warned_about_with_the_closest_setting() -> None:
    result = clientbook(
        "db", "current", persistence="memory", secret_key=SECRET, databse_url="sqlite:///x.db"
    )
    assert result.exit_code == 0, result.output
    assert result.stderr.splitlines() == [
        "Warning: CLIENTBOOK_DATABSE_URL is not a setting and is ignored "
        "(did you mean CLIENTBOOK_DATABASE_URL?)"
    ]


def test_an_unknown_variable_in_dotenv_is_warned_about_too() -> None:
    Path(".env").write_text("export CLIENTBOOK_COLOUR=blue\n", encoding="utf-8")
    result = clientbook("db", "current", persistence="memory", secret_key=SECRET)
    assert result.exit_code == 0, result.output
    assert result.stderr.splitlines() == [
        "Warning: CLIENTBOOK_COLOUR is not a setting and is ignored"
    ]


# -- the database at start-up -------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_a_refused_connection_says_nothing_listens_there() -> None:
    port = free_port()
    url = f"postgresql://clientbook@127.0.0.1:{port}/book"
    result = clientbook("users", "list", database_url=url, secret_key=SECRET)
    assert result.exit_code == 1
    assert error_lines(result) == [
        f"Error: nothing accepts connections at 127.0.0.1:{port}: start PostgreSQL there, "
        "or fix the host and port in CLIENTBOOK_DATABASE_URL"
    ]


def test_an_unknown_host_says_so() -> None:
    url = "postgresql://clientbook@no-such-host.invalid/book"  # .invalid never resolves
    result = clientbook("db", "current", database_url=url, secret_key=SECRET)
    assert result.exit_code == 1
    assert error_lines(result) == [
        "Error: the database host 'no-such-host.invalid' is unknown: fix the host in "
        "CLIENTBOOK_DATABASE_URL"
    ]


def test_a_database_never_migrated_says_to_run_db_upgrade(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'empty.db'}"
    result = clientbook("users", "list", database_url=url, secret_key=SECRET)
    assert result.exit_code == 1
    assert error_lines(result) == [
        f"Error: the SQLite file {tmp_path / 'empty.db'} has no tables yet: run "
        "`clientbook db upgrade`"
    ]


@pytest.mark.parametrize("command", [["db", "current"], ["db", "upgrade"]])
def test_a_sqlite_file_in_a_missing_folder_is_one_line_and_nothing_else(
    tmp_path: Path, command: list[str]
) -> None:
    """Run as a process: a driver thread outliving the event loop would print a traceback
    after the error, where CliRunner would not see it."""
    database = tmp_path / "no-such-folder" / "clientbook.db"
    environment = {
        **os.environ,
        "CLIENTBOOK_DATABASE_URL": f"sqlite:///{database}",
        "CLIENTBOOK_SECRET_KEY": SECRET,
    }
    done = subprocess.run(
        [sys.executable, "-m", "entrypoints.cli", *command],
        capture_output=True,
        text=True,
        env=environment,
        cwd=tmp_path,
        timeout=60,
        check=False,
    )
    assert done.returncode == 1
    assert done.stderr.strip().splitlines() == [
        f"Error: cannot open the SQLite file {database}: create its folder (or fix "
        "CLIENTBOOK_DATABASE_URL), then run `clientbook db upgrade`"
    ]
    assert not database.parent.exists()


@pytest.mark.postgres
def test_a_missing_postgresql_database_says_how_to_create_it(postgres_server_url: str) -> None:
    url = make_url(postgres_server_url).set(database="clientbook_no_such_database")
    result = clientbook("users", "list", database_url=as_text(url), secret_key=SECRET)
    assert result.exit_code == 1
    [line] = error_lines(result)
    where = f"{url.host or 'localhost'}:{url.port or 5432}"
    host, port = where.split(":")
    assert line == (
        f"Error: database 'clientbook_no_such_database' on {where} does not exist: create "
        f"it (createdb -h {host} -p {port} clientbook_no_such_database), then run "
        "`clientbook db upgrade`"
    )


@pytest.mark.postgres
def test_a_refused_user_says_to_check_the_credentials(postgres_server_url: str) -> None:
    url = make_url(postgres_server_url).set(username="clientbook_no_such_role", password=None)
    result = clientbook("users", "list", database_url=as_text(url), secret_key=SECRET)
    assert result.exit_code == 1
    [line] = error_lines(result)
    assert "refused the user 'clientbook_no_such_role'" in line
    assert line.endswith("check the user and password in CLIENTBOOK_DATABASE_URL")


def as_text(url: URL) -> str:
    return url.render_as_string(hide_password=False)


# -- a busy port --------------------------------------------------------------------------


@pytest.fixture
def busy_port() -> Iterator[int]:
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        yield int(listener.getsockname()[1])


def test_a_busy_port_fails_before_claiming_to_serve(
    busy_port: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[dict[str, Any]] = []
    monkeypatch.setattr(server, "serve", lambda **kwargs: calls.append(kwargs))
    monkeypatch.setattr(os, "environ", dict(os.environ))
    result = clientbook("serve", "--port", str(busy_port), persistence="memory")
    assert result.exit_code == 1
    assert result.stderr.splitlines() == [
        f"Error: port {busy_port} on 127.0.0.1 is already in use (another server?): stop it, "
        "or choose another with --port"
    ]
    assert "Serving" not in result.output
    assert calls == []
