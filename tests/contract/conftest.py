"""The storage backends every repository contract test runs against."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from .support import BACKENDS, SQL_BACKENDS, Backend, open_backend


@pytest.fixture(params=BACKENDS)
async def backend(request: pytest.FixtureRequest) -> AsyncIterator[Backend]:
    async for made in open_backend(request.param, request):
        yield made


@pytest.fixture(params=SQL_BACKENDS)
async def sql_backend(request: pytest.FixtureRequest) -> AsyncIterator[Backend]:
    async for made in open_backend(request.param, request):
        yield made
