"""The uvicorn options the runner passes: graceful shutdown, our own access log; the
garbage collector's thresholds a serving process sets."""

from __future__ import annotations

import gc
from typing import Any

import pytest

from entrypoints.http import server
from entrypoints.http.app import create_app, tune_garbage_collector


def test_the_runner_waits_for_requests_in_flight_on_shutdown(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    for key in ("CLIENTBOOK_LOG_FORMAT", "CLIENTBOOK_LOG_LEVEL"):
        monkeypatch.delenv(key, raising=False)
    monkeypatch.setenv("CLIENTBOOK_GRACEFUL_SHUTDOWN_SECONDS", "12")
    calls: list[dict[str, Any]] = []
    monkeypatch.setattr(server.uvicorn, "run", lambda *a, **kw: calls.append(kw))
    server.serve(workers=2)
    [options] = calls
    assert options["timeout_graceful_shutdown"] == 12
    assert options["workers"] == 2
    # Uvicorn's own access line carries the raw query string; ours has the route template.
    assert options["access_log"] is False
    assert options["server_header"] is False


@pytest.fixture
def restore_gc_thresholds() -> Any:
    saved = gc.get_threshold()
    yield
    gc.set_threshold(*saved)


@pytest.mark.usefixtures("restore_gc_thresholds")
def test_a_serving_process_collects_its_young_garbage_less_often() -> None:
    gc.set_threshold(700, 10, 10)
    tune_garbage_collector(20_000)
    assert gc.get_threshold() == (20_000, 50, 100)
    gc.set_threshold(700, 10, 10)
    tune_garbage_collector(0)  # off: the interpreter's own thresholds stay
    assert gc.get_threshold() == (700, 10, 10)


@pytest.mark.usefixtures("restore_gc_thresholds")
async def test_the_app_tunes_the_collector_when_it_starts(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("CLIENTBOOK_PERSISTENCE", "memory")
    monkeypatch.setenv("CLIENTBOOK_GC_GEN0_THRESHOLD", "12345")
    app = create_app()
    async with app.router.lifespan_context(app):
        assert gc.get_threshold()[0] == 12_345
