"""``serve``: checks made before uvicorn starts, and what is handed to the runner."""

from __future__ import annotations

import os
import stat
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from entrypoints.cli.main import build_app
from entrypoints.http import server

from .conftest import make_factory


@pytest.fixture
def served(monkeypatch: pytest.MonkeyPatch) -> list[dict[str, Any]]:
    """Replace uvicorn with a recorder, and keep the variables ``serve`` exports local."""
    calls: list[dict[str, Any]] = []
    monkeypatch.setattr(server, "serve", lambda **kwargs: calls.append(kwargs))
    monkeypatch.setattr(os, "environ", dict(os.environ))
    return calls


def serve(overrides: dict[str, Any], *args: str) -> Any:
    app = build_app(make_factory({"env": "test", "bcrypt_rounds": 4, **overrides}))
    return CliRunner().invoke(app, ["serve", *args])


def test_serve_hands_host_port_and_workers_to_the_runner(
    served: list[dict[str, Any]],
) -> None:
    result = serve({"persistence": "memory"}, "--host", "0.0.0.0", "--port", "9001")  # noqa: S104
    assert result.exit_code == 0, result.output
    assert "Serving Clientbook on http://0.0.0.0:9001" in result.stderr
    assert served == [
        {"host": "0.0.0.0", "port": 9001, "workers": 1, "reload": False, "log_level": "info"}  # noqa: S104
    ]


def test_workers_share_one_secret_resolved_before_they_start(
    served: list[dict[str, Any]], tmp_path: Path
) -> None:
    key_file = tmp_path / "secret"
    result = serve(
        {"persistence": "memory", "secret_key_file": key_file}, "--reload", "--port", "8001"
    )
    assert result.exit_code == 0, result.output
    secret = key_file.read_text(encoding="utf-8")
    assert len(secret) >= 32
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert os.environ["CLIENTBOOK_SECRET_KEY"] == secret
    assert served[0]["reload"] is True


def test_workers_without_a_possible_shared_secret_are_refused(
    served: list[dict[str, Any]], tmp_path: Path
) -> None:
    unwritable = tmp_path / "no-such-dir" / "secret"
    result = serve(
        {"persistence": "sqlalchemy", "secret_key_file": unwritable,
         "database_url": f"sqlite:///{tmp_path / 'db.sqlite'}"},
        "--workers", "4",
    )  # fmt: skip
    assert result.exit_code == 2
    assert "--workers 4 needs one secret key shared by every worker process" in result.stderr
    assert "CLIENTBOOK_SECRET_KEY" in result.stderr
    assert served == []


def test_memory_storage_cannot_be_shared_by_workers(served: list[dict[str, Any]]) -> None:
    result = serve({"persistence": "memory"}, "--workers", "2")
    assert result.exit_code == 2
    assert "PERSISTENCE=memory" in result.stderr
    assert served == []


def test_reload_with_workers_is_a_usage_error(served: list[dict[str, Any]]) -> None:
    result = serve({"persistence": "memory"}, "--workers", "2", "--reload")
    assert result.exit_code == 2
    assert served == []
