"""``clientbook serve --workers 2`` on PostgreSQL and Redis: one truth for every worker.

Which worker answered is read from the server's own access log: each request carries an
``X-Request-ID`` of ours, and the JSON log line with that id names the worker's pid.
Every request goes over a fresh connection, so the kernel hands it to either worker.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
import redis
from reliability_support import Launch, Server

pytestmark = [pytest.mark.e2e, pytest.mark.postgres, pytest.mark.redis, pytest.mark.slow]

PASSWORD = "correct horse battery"
LIMIT = 5
MAX_ATTEMPTS = 80  # fresh connections tried before concluding a worker never answers


@pytest.fixture
def clean_redis(redis_url: str) -> Iterator[str]:
    """Forget earlier login counts, so that this test's count starts at zero."""
    client = redis.Redis.from_url(redis_url)

    def forget() -> None:
        # Keys are digests of "login:…" (adapters.ratelimit.keys): the limiter's prefix.
        for key in client.scan_iter("clientbook:rl:*"):
            client.delete(key)

    forget()
    try:
        yield redis_url
    finally:
        forget()
        client.close()


def _call(server: Server, method: str, path: str, **kwargs: Any) -> tuple[str, httpx.Response]:
    rid = uuid.uuid4().hex
    headers = {**kwargs.pop("headers", {}), "X-Request-ID": rid}
    with httpx.Client(base_url=server.base_url, timeout=15) as client:  # a fresh connection
        response = client.request(method, path, headers=headers, **kwargs)
    assert response.headers["x-request-id"] == rid
    return rid, response


def test_two_workers_share_tokens_and_the_login_rate_limit(
    launch: Launch, clean_redis: str
) -> None:
    env = {"CLIENTBOOK_REDIS_URL": clean_redis, "CLIENTBOOK_LOGIN_RATE_LIMIT": f"{LIMIT}/minute"}
    with launch(env, workers=2) as server:
        email = "shared@example.com"
        _, registered = _call(
            server, "POST", "/api/v1/auth/register", json={"email": email, "password": PASSWORD}
        )
        assert registered.status_code == 201
        login_rid, login = _call(
            server, "POST", "/api/v1/auth/login", json={"email": email, "password": PASSWORD}
        )
        assert login.status_code == 200
        bearer = {"Authorization": f"Bearer {login.json()['access_token']}"}

        # A token minted by one worker is honoured by the other.
        me_rids: list[str] = []
        for _ in range(MAX_ATTEMPTS):
            rid, me = _call(server, "GET", "/api/v1/users/me", headers=bearer)
            assert me.status_code == 200, me.text
            me_rids.append(rid)
            pids = server.worker_pids([login_rid, *me_rids])
            if len(set(pids.values())) == 2:
                break
        pids = server.worker_pids([login_rid, *me_rids])
        minted_by = pids[login_rid]
        assert any(pids[rid] != minted_by for rid in me_rids), "one worker answered everything"

        # The login limit is counted once for all workers: the first login above and the
        # next four attempts are let through, every attempt after that is a 429 (with
        # Retry-After) whichever worker answers - until both have refused at least once.
        allowed = [login_rid]
        refused: list[str] = []
        for _ in range(MAX_ATTEMPTS):
            rid, attempt = _call(
                server,
                "POST",
                "/api/v1/auth/login",
                json={"email": email, "password": "a wrong password"},
            )
            if len(allowed) < LIMIT:
                assert attempt.status_code == 401, attempt.text
                allowed.append(rid)
                continue
            assert attempt.status_code == 429, attempt.text
            assert int(attempt.headers["retry-after"]) >= 1
            refused.append(rid)
            if len(set(server.worker_pids(refused).values())) == 2:
                break
        refusing_workers = set(server.worker_pids(refused).values())
        assert len(refusing_workers) == 2, "the 429s all came from one worker"
        assert refusing_workers == set(pids.values())
