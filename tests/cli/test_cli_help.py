"""Help screens: plain (metavars, no Python types), and fast because nothing heavy loads.

Speed is checked by what ``--help`` imports, not by timing it: the container, the
adapters and the libraries behind them (SQLAlchemy, FastAPI, …) account for nearly all of
the program's start-up, and none of them may load for a help screen.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from entrypoints.cli.main import build_app

ROOT = Path(__file__).resolve().parents[2]
COMMANDS = [
    [],
    ["serve"],
    ["db"],
    ["db", "upgrade"],
    ["db", "current"],
    ["users", "create"],
    ["users", "list"],
    ["clients", "list"],
    ["clients", "add"],
    ["meetings", "add"],
    ["meetings", "list"],
    ["report", "revenue"],
    ["import", "clients"],
    ["export", "meetings"],
    ["demo"],
]
# Everything a command may need, and a help screen must not load.
HEAVY = [
    "container", "adapters", "application", "sqlalchemy", "alembic", "asyncpg", "aiosqlite",
    "fastapi", "starlette", "uvicorn", "pydantic_settings", "dependency_injector", "bcrypt",
    "jwt", "redis", "orjson", "rich", "asyncio",
]  # fmt: skip


@pytest.mark.parametrize("command", COMMANDS, ids=lambda c: " ".join(c) or "clientbook")
def test_help_shows_metavars_not_types(command: list[str]) -> None:
    result = CliRunner().invoke(build_app(), [*command, "--help"])
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("Usage: ")
    assert re.search(r"<\w[^>]*>", result.stdout) is None, result.stdout  # <str>, <bool>…
    assert "{" not in result.stdout, result.stdout  # {email}


def test_the_search_option_has_a_real_name() -> None:
    result = CliRunner().invoke(build_app(), ["clients", "list", "--help"])
    assert "-s, --search TEXT" in result.stdout
    assert "--q" not in result.stdout


@pytest.mark.parametrize("command", [[], ["clients", "list"], ["serve"]])
def test_help_loads_none_of_the_heavy_modules(command: list[str]) -> None:
    program = (
        "import json, sys\n"
        "from entrypoints.cli.main import run\n"
        f"sys.argv = ['clientbook', *{command!r}, '--help']\n"
        "try:\n"
        "    run()\n"
        "except SystemExit:\n"
        "    pass\n"
        "print(json.dumps(sorted(sys.modules)), file=sys.stderr)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", program], cwd=ROOT, capture_output=True, text=True, check=True
    )
    loaded = {name.split(".")[0] for name in json.loads(done.stderr.splitlines()[-1])}
    assert done.stdout.startswith("Usage: clientbook")
    assert sorted(loaded & set(HEAVY)) == []
