"""The uvicorn options the runner passes: graceful shutdown, our own access log."""

from __future__ import annotations

from typing import Any

import pytest

from entrypoints.http import server


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
