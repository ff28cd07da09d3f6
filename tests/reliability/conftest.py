"""Fixtures for reliability tests; the machinery lives in ``reliability_support``."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import AbstractContextManager
from pathlib import Path

import pytest
from reliability_support import Launch, Server, TcpProxy, running
from sqlalchemy.engine import make_url


@pytest.fixture
def launch(fresh_postgres_database: str, tmp_path: Path) -> Launch:
    def start(
        extra_env: dict[str, str] | None = None,
        *,
        workers: int = 1,
        database_url: str | None = None,
    ) -> AbstractContextManager[Server]:
        url = database_url or fresh_postgres_database
        return running(url, tmp_path, dict(extra_env or {}), workers)

    return start


@pytest.fixture
def redis_url() -> str:
    url = os.environ.get("CLIENTBOOK_TEST_REDIS_URL")
    if not url:
        if os.environ.get("CLIENTBOOK_REQUIRE_REDIS") == "1":
            pytest.fail("CLIENTBOOK_REQUIRE_REDIS=1 but CLIENTBOOK_TEST_REDIS_URL is not set")
        pytest.skip("CLIENTBOOK_TEST_REDIS_URL is not set: multi-worker Redis case skipped")
    return url


@pytest.fixture
def db_proxy(fresh_postgres_database: str) -> Iterator[tuple[TcpProxy, str]]:
    """A proxy to the PostgreSQL server, and the test database's URL through it."""
    url = make_url(fresh_postgres_database)
    proxy = TcpProxy(url.host or "127.0.0.1", url.port or 5432)
    proxy.start()
    try:
        through = url.set(host="127.0.0.1", port=proxy.port)
        yield proxy, through.render_as_string(hide_password=False)
    finally:
        proxy.close()
