"""``CLIENTBOOK_OPENTELEMETRY``: FastAPI's spans for a configured provider, or nothing at all."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
import pytest
from http_helpers import SECRET
from opentelemetry import trace
from opentelemetry.trace import INVALID_SPAN_CONTEXT, NonRecordingSpan, NoOpTracer, Span

from config import load_settings
from container import Container
from entrypoints.http.app import create_app


class RecordingTracer(NoOpTracer):
    def __init__(self, names: list[str]) -> None:
        self.names = names

    def start_span(self, name: str, *args: Any, **kwargs: Any) -> Span:
        self.names.append(name)
        return NonRecordingSpan(INVALID_SPAN_CONTEXT)


class RecordingProvider(trace.TracerProvider):
    def __init__(self) -> None:
        self.names: list[str] = []

    def get_tracer(self, *args: Any, **kwargs: Any) -> trace.Tracer:
        return RecordingTracer(self.names)


@pytest.fixture(scope="module")
def provider() -> RecordingProvider:
    # The process-wide provider, as ``opentelemetry-instrument`` would set it. It can be
    # set once per process; every other test builds its app with telemetry off.
    recording = RecordingProvider()
    trace.set_tracer_provider(recording)
    return recording


async def spans_of_one_request(tmp_path: Path, provider: RecordingProvider, on: bool) -> list[str]:
    container = Container()
    settings = load_settings(
        env="test",
        persistence="memory",
        secret_key=SECRET,
        database_url=f"sqlite:///{tmp_path / 'unused.db'}",
        opentelemetry=on,
    )
    with container.settings.override(settings):
        app = create_app(container)
        async with app.router.lifespan_context(app):
            transport = httpx.ASGITransport(app=app)
            async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
                provider.names.clear()
                assert (await client.get("/health")).status_code == 200
                return list(provider.names)


async def test_with_opentelemetry_on_each_request_is_a_span(
    tmp_path: Path, provider: RecordingProvider
) -> None:
    assert await spans_of_one_request(tmp_path, provider, on=True)


async def test_by_default_no_request_looks_for_a_provider(
    tmp_path: Path, provider: RecordingProvider
) -> None:
    assert await spans_of_one_request(tmp_path, provider, on=False) == []
