"""A typed client generated from the live ``/openapi.json`` drives a real server unchanged.

``openapi-python-client`` writes a Python package from the document a running server
publishes (``--fail-on-warning``: a schema the generator has to skip a part of fails the
test); the test imports that package as generated and walks a small journey through it
against PostgreSQL: register, log in, add a client with contacts, schedule a meeting,
read the revenue report, then a 404 and a 422. Both clients are built with
``raise_on_unexpected_status=True``, so a status the document does not declare fails too.

The generator does not run in the project's environment (its pins on Typer and others
would fight ours): it lives in a virtual environment of its own, built from
``tests/e2e/generator/generator.lock`` (pinned and hash-checked) under
``.venv-generator/<hash of the lock>/`` and reused while the lock is unchanged. The
generated code needs only ``httpx`` and ``attrs`` from the project's dev dependencies.
``make lock-generator`` moves the generator to its newest release (docs/api.md).
"""

from __future__ import annotations

import fcntl
import hashlib
import importlib
import os
import shutil
import subprocess
import sys
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from types import ModuleType
from typing import Any
from uuid import UUID

import httpx
import pytest

pytestmark = [pytest.mark.e2e, pytest.mark.postgres, pytest.mark.slow]

Serve = Callable[[int], AbstractContextManager[str]]

ROOT = Path(__file__).resolve().parents[2]
LOCK = Path(__file__).with_name("generator") / "generator.lock"
CACHE = ROOT / ".venv-generator"
PACKAGE = "clientbook_client"
PASSWORD = "generated clients read the schema"
INSTALL_SECONDS = 600


def _generator_venv() -> Path:
    """The generator's own environment, built once per version of the lock.

    A file lock keeps two test runs from building it at once; the ``complete`` marker is
    written last, so an environment left half-built by a killed run is rebuilt.
    """
    digest = hashlib.sha256(LOCK.read_bytes()).hexdigest()[:16]
    venv = CACHE / digest
    CACHE.mkdir(exist_ok=True)
    with (CACHE / ".lock").open("w") as guard:
        fcntl.flock(guard, fcntl.LOCK_EX)
        if (venv / "complete").exists():
            return venv
        for stale in CACHE.iterdir():
            if stale.is_dir():
                shutil.rmtree(stale)
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=120)
        installed = subprocess.run(
            [
                str(venv / "bin" / "python"),
                "-m",
                "pip",
                "install",
                "--quiet",
                "--disable-pip-version-check",
                "--require-hashes",
                "--no-deps",
                "-r",
                str(LOCK),
            ],
            capture_output=True,
            text=True,
            timeout=INSTALL_SECONDS,
            check=False,
        )
        if installed.returncode != 0:
            pytest.fail(f"installing {LOCK.name} failed:\n{installed.stdout}{installed.stderr}")
        (venv / "complete").write_text(digest)
    return venv


def _generate(venv: Path, base_url: str, into: Path) -> None:
    document = into / "openapi.json"
    document.write_bytes(httpx.get(f"{base_url}/openapi.json", timeout=10).content)
    generated = subprocess.run(
        [
            str(venv / "bin" / "openapi-python-client"),
            "generate",
            "--path",
            str(document),
            "--meta",
            "none",
            "--output-path",
            str(into / PACKAGE),
            "--fail-on-warning",
        ],
        # Its post-generation hooks run the ruff of its own environment.
        env={**os.environ, "PATH": f"{venv / 'bin'}{os.pathsep}{os.environ.get('PATH', '')}"},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    if generated.returncode != 0 or "Warning" in generated.stdout + generated.stderr:
        pytest.fail(f"openapi-python-client refused the document:\n{generated.stdout}"
                    f"{generated.stderr}")  # fmt: skip


def _imported(into: Path) -> Iterator[ModuleType]:
    sys.path.insert(0, str(into))
    try:
        yield importlib.import_module(PACKAGE)
    finally:
        sys.path.remove(str(into))
        for name in [name for name in sys.modules if name.partition(".")[0] == PACKAGE]:
            del sys.modules[name]


@pytest.fixture
def served(serve: Serve) -> Iterator[str]:
    with serve(1) as base_url:
        yield base_url


@pytest.fixture
def generated(served: str, tmp_path: Path) -> Iterator[ModuleType]:
    """The client package generated from the running server's document, importable."""
    _generate(_generator_venv(), served, tmp_path)
    yield from _imported(tmp_path)


def _call(module: str) -> Any:
    """An operation module of the generated package (``api/<tag>/<operation>.py``)."""
    return importlib.import_module(f"{PACKAGE}.api.{module}")


def test_a_generated_client_drives_the_api(served: str, generated: ModuleType) -> None:
    models: Any = importlib.import_module(f"{PACKAGE}.models")
    anonymous = generated.Client(base_url=served, raise_on_unexpected_status=True)

    registered = _call("auth.register_api_v1_auth_register_post").sync_detailed(
        client=anonymous,
        body=models.RegisterIn(email="gen@example.com", password=PASSWORD, full_name="Gen"),
    )
    assert registered.status_code == 201, registered.content
    assert registered.parsed.email == "gen@example.com"
    assert isinstance(registered.parsed.created_at, datetime)

    tokens = _call("auth.login_api_v1_auth_login_post").sync_detailed(
        client=anonymous, body=models.LoginIn(email="gen@example.com", password=PASSWORD)
    )
    assert tokens.status_code == 200, tokens.content
    assert tokens.parsed.token_type == "bearer"
    user = generated.AuthenticatedClient(
        base_url=served, token=tokens.parsed.access_token, raise_on_unexpected_status=True
    )

    added = _call("clients.add_client_api_v1_clients_post").sync_detailed(
        client=user,
        body=models.ClientIn(
            name="Analytical Engines",
            company="Babbage & Co",
            contacts=[
                models.EmailContactIn(kind="email", value="charles@example.com", label="work"),
                models.PhoneContactIn(kind="phone", value="+44 20 7946 0958"),
            ],
        ),
    )
    assert added.status_code == 201, added.content
    client = added.parsed
    assert isinstance(client.id, UUID)
    assert [(c.kind, c.value) for c in client.contacts] == [
        ("email", "charles@example.com"),
        ("phone", "+44 20 7946 0958"),
    ]

    listed = _call("clients.list_clients_api_v1_clients_get").sync_detailed(
        client=user, q="engines", sort=models.ClientSort.NAME_DESC, limit=10
    )
    assert listed.status_code == 200, listed.content
    assert listed.parsed.total == 1
    assert [c.id for c in listed.parsed.items] == [client.id]

    schedule = _call("meetings.schedule_meeting_api_v1_meetings_post")
    starts = datetime(2026, 3, 2, 9, 30, tzinfo=timezone(timedelta(hours=1)))
    meeting = schedule.sync_detailed(
        client=user,
        body=models.MeetingIn(
            starts_at=starts, duration_minutes=90, client_id=client.id, revenue="1250.50"
        ),
    )
    assert meeting.status_code == 201, meeting.content
    assert meeting.parsed.revenue == "1250.50"
    assert meeting.parsed.starts_at == starts
    assert meeting.parsed.client_id == client.id

    report = _call("reports.revenue_report_api_v1_reports_revenue_get").sync_detailed(
        client=user,
        from_=datetime(2026, 1, 1, tzinfo=UTC),
        to=datetime(2027, 1, 1, tzinfo=UTC),
        group_by=models.ReportGrouping.CLIENT,
    )
    assert report.status_code == 200, report.content
    assert report.parsed.total.revenue == "1250.50"
    assert report.parsed.total.minutes == 90
    assert [(g.key, g.label) for g in report.parsed.groups] == [
        (str(client.id), "Analytical Engines")
    ]

    missing = _call("meetings.get_meeting_api_v1_meetings_meeting_id_get").sync_detailed(
        client=user, meeting_id=client.id
    )
    assert missing.status_code == 404
    assert missing.parsed.code == "meeting_not_found"

    invalid = schedule.sync_detailed(
        client=user, body=models.MeetingIn(starts_at=starts, duration_minutes=0, revenue="-1")
    )
    assert invalid.status_code == 422
    assert invalid.parsed.code == "validation_error"
    assert sorted(error.type_ for error in invalid.parsed.errors) == [
        "invalid_duration",
        "invalid_revenue",
    ]
