"""Schemathesis, as an API consumer runs it, against a real server on PostgreSQL.

``st run --checks all --phases examples,coverage,fuzzing,stateful`` with the project's
``schemathesis.toml`` (bounded, derandomised generation; the links the document declares;
an administrator's token for ``/admin``), logged in as a registered user. The run must end
with no failure and no error; a schema-valid request refused under one of the rules the
schema cannot state is forgiven by ``schemathesis_rules.py``, which names each rule, and
the same rules are listed in docs/api.md.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import httpx
import pytest
from reliability_support import ROOT, SECRET, Launch
from schemathesis_rules import FORGIVEN_LOG, RULES

pytestmark = [pytest.mark.slow, pytest.mark.e2e, pytest.mark.postgres]

PHASES = "examples,coverage,fuzzing,stateful"
# Twice what the run takes on two busy cores: a stall fails the test instead of hanging CI.
RUN_SECONDS = 600


def _access_token(base_url: str, email: str, password: str) -> str:
    login = httpx.post(
        f"{base_url}/api/v1/auth/login", json={"email": email, "password": password}, timeout=30
    )
    assert login.status_code == 200, login.text
    return str(login.json()["access_token"])


def _create_admin(database_url: str, email: str, password: str) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CLIENTBOOK_")}
    env |= {
        "CLIENTBOOK_DATABASE_URL": database_url,
        "CLIENTBOOK_SECRET_KEY": SECRET,
        "CLIENTBOOK_BCRYPT_ROUNDS": "4",
        "PYTHONPATH": str(ROOT),
    }
    command = [sys.executable, "-m", "entrypoints.cli", "users", "create", email]
    command += ["--admin", "--password-stdin"]
    done = subprocess.run(
        command, input=password, text=True, capture_output=True, cwd=ROOT, env=env, timeout=60
    )
    assert done.returncode == 0, done.stderr


def test_schemathesis_finds_nothing(
    launch: Launch, fresh_postgres_database: str, tmp_path: Path
) -> None:
    # The contract is what is checked here, not the login and registration limits (they
    # have their own tests), nor token expiry in the middle of a run.
    extra = {"CLIENTBOOK_ACCESS_TOKEN_MINUTES": "60", "CLIENTBOOK_LOG_LEVEL": "WARNING"}
    with launch(extra) as server:
        user, admin = ("st@example.com", "st password"), ("root@example.com", "root password")
        registered = httpx.post(
            f"{server.base_url}/api/v1/auth/register",
            json={"email": user[0], "password": user[1]},
            timeout=30,
        )
        assert registered.status_code == 201, registered.text
        _create_admin(fresh_postgres_database, *admin)
        env = {
            **os.environ,
            "CLIENTBOOK_ST_TOKEN": _access_token(server.base_url, *user),
            "CLIENTBOOK_ST_ADMIN_TOKEN": _access_token(server.base_url, *admin),
            FORGIVEN_LOG: str(tmp_path / "forgiven.txt"),
        }
        command = [
            str(Path(sys.executable).with_name("st")),
            "--config-file",
            str(ROOT / "schemathesis.toml"),
            "run",
            f"{server.base_url}/openapi.json",
            "--checks",
            "all",
            "--phases",
            PHASES,
            "--no-color",
            "--report",
            "junit",
            "--report-dir",
            str(tmp_path / "report"),
        ]
        started = time.monotonic()
        run = subprocess.run(
            command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=RUN_SECONDS
        )
        elapsed = time.monotonic() - started
    output = run.stdout + run.stderr
    assert run.returncode == 0, f"schemathesis failed after {elapsed:.0f}s:\n{output}"
    summary = output[output.rfind("SUMMARY") :]
    for phase in ("Examples", "Coverage", "Fuzzing", "Stateful"):
        assert re.search(rf"✅ {phase}\b", summary), f"{phase} did not pass:\n{summary}"
    assert re.search(r"Tested: 2\d", summary), summary  # every operation, not a subset
    forgiven_log = tmp_path / "forgiven.txt"
    lines = forgiven_log.read_text().splitlines() if forgiven_log.exists() else []
    forgiven = "\n".join(f"{n:5d} {line}" for line, n in Counter(lines).most_common())
    # Shown with pytest -s or -rP: the run, and each rule's forgiven refusals.
    print(f"schemathesis ran {elapsed:.0f}s\n{summary}\nforgiven:\n{forgiven}")


def test_the_forgiven_rules_are_the_documented_ones() -> None:
    """docs/api.md lists, in its one list, each rule the Schemathesis hooks forgive."""
    api = (ROOT / "docs" / "api.md").read_text()
    section = api[api.index("Rules no schema can state") :]
    section = section[: section.index("\n## ")]
    for rule in RULES:
        for name in rule.names:
            assert f"`{name}`" in section, f"{name} is forgiven but not documented"
