"""The body limit on a real uvicorn server: declared and chunked bodies alike."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
from reliability_support import Launch

pytestmark = [pytest.mark.e2e, pytest.mark.postgres, pytest.mark.slow]

LIMIT = 2048


def test_oversized_bodies_are_413_problems_and_the_server_carries_on(launch: Launch) -> None:
    with (
        launch({"CLIENTBOOK_MAX_BODY_BYTES": str(LIMIT)}) as server,
        httpx.Client(base_url=server.base_url, timeout=15) as client,
    ):
        json = {"Content-Type": "application/json"}
        declared = client.post("/api/v1/auth/register", content=b" " * (LIMIT * 2), headers=json)
        assert declared.status_code == 413
        assert declared.headers["content-type"] == "application/problem+json"
        assert declared.json()["code"] == "payload_too_large"

        def chunks() -> Iterator[bytes]:
            for _ in range(4):
                yield b" " * 1024

        streamed = client.post("/api/v1/auth/register", content=chunks(), headers=json)
        assert streamed.request.headers["transfer-encoding"] == "chunked"
        assert streamed.status_code == 413
        assert streamed.json()["code"] == "payload_too_large"

        fits = client.post(
            "/api/v1/auth/register",
            json={"email": "small@example.com", "password": "correct horse battery"},
        )
        assert fits.status_code == 201
        assert client.get("/health/ready").status_code == 200
