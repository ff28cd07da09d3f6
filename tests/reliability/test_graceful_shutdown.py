"""SIGTERM lets the request in flight finish: the server stops accepting, answers what it
is already serving, then exits cleanly."""

from __future__ import annotations

import asyncio
import signal
from collections.abc import AsyncIterator

import httpx
import pytest
from reliability_support import Launch

pytestmark = [pytest.mark.e2e, pytest.mark.postgres, pytest.mark.slow]

PASSWORD = "correct horse battery"


def test_sigterm_lets_the_request_in_flight_finish(launch: Launch) -> None:
    with launch({"CLIENTBOOK_GRACEFUL_SHUTDOWN_SECONDS": "20"}) as server:

        async def scenario() -> httpx.Response:
            signalled = asyncio.Event()

            async def slow_body() -> AsyncIterator[bytes]:
                # A client on a slow line: the body takes a few seconds to arrive, and
                # the server is told to stop while it is still coming in.
                yield b'{"email": "slow@example.com", '
                await asyncio.sleep(0.5)
                server.process.send_signal(signal.SIGTERM)
                signalled.set()
                for _ in range(15):
                    await asyncio.sleep(0.1)
                    yield b" " * 64
                yield f'"password": "{PASSWORD}"}}'.encode()

            async with httpx.AsyncClient(
                base_url=server.base_url, timeout=httpx.Timeout(30.0)
            ) as client:
                response = await client.post(
                    "/api/v1/auth/register",
                    content=slow_body(),
                    headers={"Content-Type": "application/json"},
                )
            assert signalled.is_set()
            return response

        response = asyncio.run(scenario())
        assert response.status_code == 201, response.text
        assert response.json()["email"] == "slow@example.com"
        # A clean stop: uvicorn re-raises the signal it handled once it has shut down.
        assert server.process.wait(timeout=20) in (0, -signal.SIGTERM)
        assert "Traceback" not in server.log_path.read_text()
        # Stopped for good: nobody listens any more.
        with pytest.raises(httpx.ConnectError):
            httpx.get(f"{server.base_url}/health", timeout=2)
