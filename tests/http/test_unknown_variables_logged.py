"""The app built from the environment (any server's factory path) warns about
``CLIENTBOOK_*`` variables that are no setting, as it starts: bare uvicorn included."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from container import Container
from entrypoints.http.app import create_app

SECRET = "an-unknown-variables-test-secret-long-enough-0123456789"


@pytest.fixture(autouse=True)
def environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.chdir(tmp_path)  # no developer's .env
    monkeypatch.setenv("CLIENTBOOK_PERSISTENCE", "memory")
    monkeypatch.setenv("CLIENTBOOK_SECRET_KEY", SECRET)
    monkeypatch.setenv("CLIENTBOOK_DATABSE_URL", "sqlite:///typo.db")


async def test_a_misspelt_variable_is_logged_once_at_startup(
    caplog: pytest.LogCaptureFixture,
) -> None:
    app = create_app()
    with caplog.at_level(logging.WARNING, logger="clientbook.config"):
        async with app.router.lifespan_context(app):
            pass
    assert [record.getMessage() for record in caplog.records] == [
        "CLIENTBOOK_DATABSE_URL is not a setting and is ignored "
        "(did you mean CLIENTBOOK_DATABASE_URL?)"
    ]


async def test_an_app_given_its_container_leaves_the_environment_alone(
    caplog: pytest.LogCaptureFixture,
) -> None:
    app = create_app(Container())
    with caplog.at_level(logging.WARNING, logger="clientbook.config"):
        async with app.router.lifespan_context(app):
            pass
    assert caplog.records == []
