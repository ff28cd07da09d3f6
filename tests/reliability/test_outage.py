"""The database goes away and comes back (through a proxy the test controls): requests
get quick 503 problems, readiness says 503 while liveness stays 200, and the service
recovers by itself with every committed row still there."""

from __future__ import annotations

import time

import httpx
import pytest
from reliability_support import Launch, TcpProxy

pytestmark = [pytest.mark.e2e, pytest.mark.postgres, pytest.mark.slow]

PASSWORD = "correct horse battery"
# A request during the outage waits for one connection attempt (1 s) at most; the
# client allows far more, so an answer that does not come means a hang.
CLIENT_TIMEOUT = 15.0
RECOVERY_SECONDS = 30.0


def test_an_outage_is_survived_without_a_restart(
    launch: Launch, db_proxy: tuple[TcpProxy, str]
) -> None:
    proxy, url = db_proxy
    env = {"CLIENTBOOK_DB_CONNECT_TIMEOUT": "1", "CLIENTBOOK_DB_POOL_TIMEOUT": "1"}
    with (
        launch(env, database_url=url) as server,
        httpx.Client(base_url=server.base_url, timeout=CLIENT_TIMEOUT) as client,
    ):
        email = "steady@example.com"
        assert client.post(
            "/api/v1/auth/register", json={"email": email, "password": PASSWORD}
        ).is_success
        login = client.post("/api/v1/auth/login", json={"email": email, "password": PASSWORD})
        bearer = {"Authorization": f"Bearer {login.json()['access_token']}"}
        names = [f"Client {i}" for i in range(10)]
        for name in names:
            assert client.post("/api/v1/clients", json={"name": name}, headers=bearer).is_success

        proxy.cut()
        for attempt in range(6):
            started = time.monotonic()
            if attempt % 2:
                response = client.get("/api/v1/clients", headers=bearer)
            else:
                response = client.post("/api/v1/clients", json={"name": "Lost"}, headers=bearer)
            elapsed = time.monotonic() - started
            assert response.status_code == 503, response.text
            assert response.headers["content-type"] == "application/problem+json"
            assert response.json()["code"] == "storage_unavailable"
            assert "Traceback" not in response.text
            assert elapsed < 10, elapsed  # bounded by the connect timeout, not a hang
        assert client.get("/health/ready").status_code == 503
        assert client.get("/health").status_code == 200
        login_during = client.post(
            "/api/v1/auth/login", json={"email": email, "password": PASSWORD}
        )
        assert login_during.status_code == 503

        proxy.restore()
        deadline = time.monotonic() + RECOVERY_SECONDS
        while client.get("/health/ready").status_code != 200:
            assert time.monotonic() < deadline, "the service did not recover by itself"
            time.sleep(0.2)
        # Requests work again on the same process: no restart, nothing lost.
        for _ in range(3):
            listing = client.get("/api/v1/clients", params={"limit": 100}, headers=bearer)
            assert listing.status_code == 200, listing.text
        assert sorted(c["name"] for c in listing.json()["items"]) == sorted(names)
        assert client.post("/api/v1/clients", json={"name": "After"}, headers=bearer).is_success
        relogin = client.post("/api/v1/auth/login", json={"email": email, "password": PASSWORD})
        assert relogin.status_code == 200
        assert server.process.poll() is None
