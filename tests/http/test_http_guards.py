"""Body size limit, security headers, and the limiter released at shutdown."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from http_helpers import PASSWORD, assert_problem, storage_independent

from container import Container
from entrypoints.http.app import create_app

LIMIT = 4096


@pytest.fixture
def settings_overrides(settings_overrides: dict[str, Any]) -> dict[str, Any]:
    return {**settings_overrides, "max_body_bytes": LIMIT}


def _register_body(size: int) -> bytes:
    filler = "x" * max(0, size - 80)
    return (
        f'{{"email": "big@example.com", "password": "{PASSWORD}", "full_name": "{filler}"}}'
    ).encode()


@storage_independent
async def test_a_declared_oversized_body_is_refused_before_it_is_read(
    api: httpx.AsyncClient,
) -> None:
    response = await api.post(
        "/auth/register",
        content=_register_body(LIMIT + 1),
        headers={"Content-Type": "application/json"},
    )
    body = assert_problem(response, 413, "payload_too_large")
    assert str(LIMIT) in body["detail"]


@storage_independent
async def test_a_streamed_body_is_counted_as_it_arrives(api: httpx.AsyncClient) -> None:
    chunks_sent = 0

    async def chunks() -> AsyncIterator[bytes]:
        nonlocal chunks_sent
        for _ in range(64):  # 64 KiB in all, sent without a Content-Length
            chunks_sent += 1
            yield b" " * 1024

    response = await api.post(
        "/auth/register", content=chunks(), headers={"Content-Type": "application/json"}
    )
    assert "content-length" not in response.request.headers
    assert response.request.headers["transfer-encoding"] == "chunked"
    assert_problem(response, 413, "payload_too_large")


@storage_independent
async def test_a_body_within_the_limit_is_served(api: httpx.AsyncClient) -> None:
    response = await api.post(
        "/auth/register",
        content=_register_body(LIMIT - 200),
        headers={"Content-Type": "application/json"},
    )
    assert response.status_code == 422  # read and validated: the name is too long


@storage_independent
async def test_a_malformed_content_length_is_a_400_problem(api: httpx.AsyncClient) -> None:
    response = await api.post(
        "/auth/login",
        content=b"{}",
        headers={"Content-Type": "application/json", "Content-Length": "2x"},
    )
    assert_problem(response, 400)


HARDENING = {
    "x-content-type-options": "nosniff",
    "x-frame-options": "DENY",
    "referrer-policy": "no-referrer",
}


@storage_independent
@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/health"),
        ("GET", "/api/v1/users/me"),  # 401
        ("GET", "/nowhere"),  # 404
        ("DELETE", "/api/v1/auth/login"),  # 405
        ("POST", "/api/v1/auth/login"),  # 422
    ],
)
async def test_every_answer_carries_the_security_headers(
    http: httpx.AsyncClient, method: str, path: str
) -> None:
    response = await http.request(method, path, json={})
    for header, value in HARDENING.items():
        assert response.headers[header] == value, (path, header)
    assert "frame-ancestors 'none'" in response.headers["content-security-policy"]
    assert "default-src 'none'" in response.headers["content-security-policy"]
    assert response.headers["cache-control"] == "no-store"


@storage_independent
async def test_tokens_are_never_cacheable(api: httpx.AsyncClient, make_user: Any) -> None:
    await make_user("cache@example.com")
    login = await api.post("/auth/login", json={"email": "cache@example.com", "password": PASSWORD})
    assert login.status_code == 200
    assert login.headers["cache-control"] == "no-store"


@storage_independent
@pytest.mark.parametrize("page", ["/docs", "/redoc"])
async def test_the_docs_load_every_asset_from_this_server(
    http: httpx.AsyncClient, page: str
) -> None:
    docs = await http.get(page)
    assert docs.status_code == 200
    policy = docs.headers["content-security-policy"]
    assert "http" not in policy  # no other host may serve the page anything
    assets = re.findall(r"""(?:src|href)=["']([^"']+)["']""", docs.text)
    assert assets
    for asset in assets:
        assert asset.startswith("/docs/assets/"), asset
        served = await http.get(asset)
        assert served.status_code == 200, asset
        assert len(served.content) > 1000
    assert "frame-ancestors 'none'" in policy
    assert docs.headers["x-content-type-options"] == "nosniff"
    schema = await http.get("/openapi.json")
    assert schema.headers["x-frame-options"] == "DENY"


class ClosingLimiter:
    """A rate limiter that records being closed (like the Redis one)."""

    def __init__(self) -> None:
        self.closed = False

    async def hit(self, key: str) -> int | None:
        return None

    async def close(self) -> None:
        self.closed = True


@storage_independent
async def test_the_rate_limiter_is_closed_at_shutdown(container: Container) -> None:
    limiter = ClosingLimiter()
    with container.login_rate_limiter.override(limiter):
        app = create_app(container)
        async with app.router.lifespan_context(app):
            assert not limiter.closed
        assert limiter.closed
