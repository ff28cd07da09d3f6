"""``users``, configuration errors and the exit-code contract."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from dependency_injector import providers
from typer.testing import CliRunner

from domain.errors import StorageUnavailable
from entrypoints.cli.main import build_app

from .conftest import EMAIL, PASSWORD, Cli, make_factory


def test_help_lists_every_command_group(cli: Cli) -> None:
    result = cli("--help")
    assert result.exit_code == 0
    for command in ("serve", "db", "users", "clients", "meetings", "report", "import", "export"):
        assert command in result.output


def test_create_user_from_stdin_then_list(cli: Cli) -> None:
    created = cli(
        "users", "create", " Ada@Example.com ", "--full-name", "Ada Lovelace", "--admin",
        "--password-stdin", input=PASSWORD + "\n",
    )  # fmt: skip
    assert created.exit_code == 0, created.output
    assert "Created administrator ada@example.com" in created.stdout
    cli("users", "create", "bob@example.com", "--password-stdin", input=PASSWORD + "\n")

    listed = cli("users", "list")
    assert listed.exit_code == 0
    assert "2 users" in listed.stdout
    lines = listed.stdout.splitlines()
    ada = next(line for line in lines if "ada@example.com" in line)
    bob = next(line for line in lines if "bob@example.com" in line)
    assert "Ada Lovelace" in ada
    assert "admin" in ada
    assert "user" in bob
    assert lines.index(ada) < lines.index(bob)  # oldest first


def test_create_user_prompts_twice_for_a_hidden_password(cli: Cli) -> None:
    result = cli("users", "create", EMAIL, input=f"{PASSWORD}\n{PASSWORD}\n")
    assert result.exit_code == 0, result.output
    assert PASSWORD not in result.output  # hidden input is not echoed
    assert "Repeat for confirmation" in result.output
    assert "Created user ada@example.com" in result.stdout


def test_mismatched_confirmation_asks_again(cli: Cli) -> None:
    result = cli(
        "users", "create", EMAIL, input=f"{PASSWORD}\nother-password\n{PASSWORD}\n{PASSWORD}\n"
    )
    assert result.exit_code == 0, result.output
    assert "do not match" in result.output
    assert "Created user" in result.stdout


def test_duplicate_email_is_a_domain_error(cli: Cli, user: str) -> None:
    result = cli("users", "create", user.upper(), "--password-stdin", input=PASSWORD + "\n")
    assert result.exit_code == 1
    assert result.stderr.strip() == "Error: An account with this email already exists."
    assert "Traceback" not in result.output


def test_password_rules_are_domain_errors(cli: Cli) -> None:
    short = cli("users", "create", EMAIL, "--password-stdin", input="short\n")
    assert short.exit_code == 1
    assert "at least 8 bytes" in short.stderr
    long = cli("users", "create", EMAIL, "--password-stdin", input="é" * 40 + "\n")
    assert long.exit_code == 1
    assert "at most 72 bytes" in long.stderr
    assert "1 user" not in cli("users", "list").stdout


def test_invalid_email_fails_before_the_password_prompt(cli: Cli) -> None:
    result = cli("users", "create", "not-an-email", input="")
    assert result.exit_code == 1
    assert "email address is not valid" in result.stderr
    assert "Password" not in result.output


def test_empty_password_on_stdin_is_a_usage_error(cli: Cli) -> None:
    result = cli("users", "create", EMAIL, "--password-stdin", input="\n")
    assert result.exit_code == 2
    assert "no password" in result.output


def test_unknown_user_exits_1_with_one_line(cli: Cli) -> None:
    result = cli("clients", "list", "--user", "nobody@example.com")
    assert result.exit_code == 1
    assert result.stderr == "Error: No user with email 'nobody@example.com'.\n"
    assert result.stdout == ""


def test_usage_errors_exit_2(cli: Cli, user: str) -> None:
    assert cli("clients", "list").exit_code == 2  # --user is required
    assert cli("users", "frobnicate").exit_code == 2
    assert cli("clients", "list", "--user", user, "--limit", "0").exit_code == 2


def test_a_bad_setting_exits_2_naming_the_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CLIENTBOOK_BCRYPT_ROUNDS", "2")
    result = CliRunner().invoke(build_app(), ["users", "list"])
    assert result.exit_code == 2
    assert "CLIENTBOOK_BCRYPT_ROUNDS" in result.stderr
    assert "Traceback" not in result.output


class _DatabaseDown:
    async def execute(self, email: str) -> None:
        raise StorageUnavailable()


def test_an_unreachable_database_is_one_clear_line() -> None:
    container = make_factory({"env": "test", "persistence": "memory", "bcrypt_rounds": 4})()
    container.find_user_by_email.override(providers.Object(_DatabaseDown()))
    result = CliRunner().invoke(build_app(lambda: container), ["meetings", "list", "-u", EMAIL])
    assert result.exit_code == 1
    assert result.stderr == (
        "Error: The database is unavailable; try again shortly. "
        "(check CLIENTBOOK_DATABASE_URL, and that `clientbook db upgrade` has run)\n"
    )


def test_python_dash_m_runs_the_same_program(tmp_path: Path) -> None:
    env = {**os.environ, "CLIENTBOOK_PERSISTENCE": "memory", "CLIENTBOOK_ENV": "test"}
    result = subprocess.run(
        [sys.executable, "-m", "entrypoints.cli", "users", "list"],
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
        check=False,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert "0 users" in result.stdout
    usage = subprocess.run(
        [sys.executable, "-m", "entrypoints.cli", "clients", "list"],
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
        check=False,
        timeout=60,
    )
    assert usage.returncode == 2
    assert "--user" in usage.stderr
