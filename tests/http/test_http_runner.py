"""``python -m entrypoints.http`` is ``clientbook serve``: it refuses to start, with a
reason, when it cannot serve."""

from __future__ import annotations

import pytest

from entrypoints.http.__main__ import main


def test_a_bad_setting_stops_startup_naming_the_variable(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("CLIENTBOOK_ENV", "production")
    monkeypatch.delenv("CLIENTBOOK_SECRET_KEY", raising=False)
    assert main(["--port", "0"]) == 2
    assert capsys.readouterr().err.startswith("Error: CLIENTBOOK_SECRET_KEY (not set): ")


def test_an_unreachable_database_stops_startup_with_one_line(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("CLIENTBOOK_ENV", "test")
    monkeypatch.setenv("CLIENTBOOK_SECRET_KEY", "s" * 40)
    monkeypatch.setenv("CLIENTBOOK_DATABASE_URL", "postgresql://nobody@127.0.0.1:1/none")
    monkeypatch.setenv("CLIENTBOOK_DB_CONNECT_TIMEOUT", "2")
    assert main(["--port", "0"]) == 1
    err = capsys.readouterr().err
    assert err.startswith("Error: nothing accepts connections at 127.0.0.1:1")
    assert "Traceback" not in err


def test_in_memory_storage_cannot_be_shared_by_workers(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("CLIENTBOOK_PERSISTENCE", "memory")
    monkeypatch.setenv("CLIENTBOOK_SECRET_KEY", "s" * 40)
    assert main(["--workers", "2"]) == 2
    assert "use --workers 1 or a database" in capsys.readouterr().err
