"""What every route shares: problem details, request ids, CORS, health, OpenAPI, limits."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from dependency_injector import providers
from http_helpers import PASSWORD, Account, assert_problem, storage_independent

from container import Container
from domain.errors import DomainError, RateLimited, StorageUnavailable
from entrypoints.http.app import create_app
from entrypoints.http.problems import status_of


class BrokenReadiness:
    """Stands in for a use case that fails in a way nobody planned for."""

    async def execute(self) -> None:
        raise RuntimeError("SELECT password_hash FROM users -- secret-detail")


class UnreachableStorage:
    def __init__(self) -> None:
        self.closed = False

    async def ping(self) -> None:
        raise StorageUnavailable()

    async def close(self) -> None:
        self.closed = True


@storage_independent
async def test_unknown_route_is_a_problem(http: httpx.AsyncClient) -> None:
    assert_problem(await http.get("/api/v1/nothing-here"), 404, "not_found")
    assert_problem(await http.get("/nothing-here"), 404, "not_found")


@storage_independent
async def test_wrong_method_is_a_problem_with_allow(api: httpx.AsyncClient) -> None:
    response = await api.put("/clients")
    assert_problem(response, 405, "method_not_allowed")
    assert response.headers["allow"]


@storage_independent
@pytest.mark.parametrize(
    ("content", "content_type"),
    [
        (b'{"email": "ada@example.com", "password": ', "application/json"),
        (b"not json at all", "application/json"),
        (b"[1, 2, 3]", "application/json"),
        (b"", "application/json"),
    ],
)
async def test_unparsable_bodies_are_problems(
    api: httpx.AsyncClient, content: bytes, content_type: str
) -> None:
    response = await api.post(
        "/auth/register", content=content, headers={"Content-Type": content_type}
    )
    assert_problem(response, 422, "validation_error")


@storage_independent
async def test_a_crash_is_a_500_problem_with_the_request_id(
    container: Container, caplog: pytest.LogCaptureFixture
) -> None:
    container.check_readiness.override(providers.Object(BrokenReadiness()))
    app = create_app(container)
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=transport, base_url="http://testserver") as http,
    ):
        response = await http.get("/health/ready", headers={"X-Request-ID": "req-42"})
    container.check_readiness.reset_override()

    body = assert_problem(response, 500, "internal_error")
    assert body["request_id"] == "req-42"
    assert response.headers["x-request-id"] == "req-42"
    assert "secret-detail" not in response.text
    assert "Traceback" not in response.text
    logged = [r for r in caplog.records if r.levelname == "ERROR"]
    assert any("req-42" in r.getMessage() and r.exc_info for r in logged)


@storage_independent
async def test_request_ids_are_echoed_or_generated(http: httpx.AsyncClient) -> None:
    given = await http.get("/health", headers={"X-Request-ID": "abc-123"})
    assert given.headers["x-request-id"] == "abc-123"
    generated = await http.get("/health")
    assert len(generated.headers["x-request-id"]) == 32
    insane = await http.get("/health", headers={"X-Request-ID": "no spaces; or <html>"})
    assert insane.headers["x-request-id"] != "no spaces; or <html>"
    problem = await http.get("/api/v1/clients")
    assert problem.headers["x-request-id"]


@storage_independent
async def test_cors_allows_configured_origins_only(http: httpx.AsyncClient) -> None:
    preflight = await http.options(
        "/api/v1/clients",
        headers={
            "Origin": "https://app.example.com",
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "Authorization, Content-Type",
        },
    )
    assert preflight.status_code == 200
    assert preflight.headers["access-control-allow-origin"] == "https://app.example.com"
    other = await http.get("/health", headers={"Origin": "https://evil.example.com"})
    assert "access-control-allow-origin" not in other.headers


async def test_health_and_readiness(http: httpx.AsyncClient) -> None:
    live = await http.get("/health")
    assert (live.status_code, live.json()) == (200, {"status": "ok"})
    ready = await http.get("/health/ready")
    assert (ready.status_code, ready.json()) == (200, {"status": "ok", "database": "ok"})


async def test_readiness_is_503_when_storage_is_unreachable(container: Container) -> None:
    storage = UnreachableStorage()
    with container.storage.override(providers.Object(storage)):
        app = create_app(container)
        async with (
            app.router.lifespan_context(app),
            httpx.AsyncClient(
                transport=httpx.ASGITransport(app=app), base_url="http://testserver"
            ) as http,
        ):
            assert (await http.get("/health")).status_code == 200
            assert_problem(await http.get("/health/ready"), 503, "storage_unavailable")
        # The lifespan closes the storage on shutdown.
        assert storage.closed


@storage_independent
async def test_openapi_documents_routes_and_problems(http: httpx.AsyncClient) -> None:
    response = await http.get("/openapi.json")
    assert response.status_code == 200
    schema = response.json()
    paths = schema["paths"]
    assert {
        "/api/v1/auth/register",
        "/api/v1/auth/login",
        "/api/v1/auth/token",
        "/api/v1/auth/refresh",
        "/api/v1/auth/logout",
        "/api/v1/users/me",
        "/api/v1/clients",
        "/api/v1/clients/{client_id}",
        "/api/v1/clients/{client_id}/contacts",
        "/api/v1/clients/{client_id}/contacts/{contact_id}",
        "/api/v1/meetings",
        "/api/v1/meetings/export",
        "/api/v1/meetings/{meeting_id}",
        "/api/v1/reports/revenue",
        "/api/v1/admin/users",
        "/health",
        "/health/ready",
    } <= set(paths)
    for path, operations in paths.items():
        for method, operation in operations.items():
            assert operation.get("summary"), (method, path)
            assert operation.get("tags"), (method, path)
            for status, answer in operation["responses"].items():
                if status.startswith(("4", "5")):
                    assert answer["content"] == {
                        "application/problem+json": {
                            "schema": {"$ref": "#/components/schemas/Problem"}
                        }
                    }, (method, path, status)
    clients = paths["/api/v1/clients"]["post"]
    assert {"401", "409", "422"} <= set(clients["responses"])
    assert clients["security"] == [{"bearer": []}]
    assert "security" not in paths["/api/v1/auth/login"]["post"]
    security = schema["components"]["securitySchemes"]["bearer"]
    assert security["flows"]["password"]["tokenUrl"] == "/api/v1/auth/token"
    meeting_in = schema["components"]["schemas"]["MeetingIn"]
    assert meeting_in["additionalProperties"] is False
    assert meeting_in["examples"]
    meeting_out = schema["components"]["schemas"]["MeetingOut"]
    assert meeting_out["properties"]["revenue"]["type"] == "string"
    assert "HTTPValidationError" not in schema["components"]["schemas"]


@storage_independent
async def test_swagger_ui_is_served(http: httpx.AsyncClient) -> None:
    response = await http.get("/docs")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    assert "swagger-ui" in response.text
    assert "/openapi.json" in response.text


class TestRateLimit:
    @pytest.fixture
    def settings_overrides(self, settings_overrides: dict[str, Any]) -> dict[str, Any]:
        return {**settings_overrides, "login_rate_limit": "3/minute"}

    async def test_too_many_logins_are_429_with_retry_after(
        self, api: httpx.AsyncClient, ada: Account
    ) -> None:
        # ``ada`` logged in once already; two more attempts are allowed.
        for _ in range(2):
            response = await api.post(
                "/auth/login", json={"email": ada.email, "password": "wrong password"}
            )
            assert_problem(response, 401, "invalid_credentials")
        limited = await api.post("/auth/login", json={"email": ada.email, "password": PASSWORD})
        assert_problem(limited, 429, "rate_limited")
        assert 1 <= int(limited.headers["retry-after"]) <= 60
        form = await api.post("/auth/token", data={"username": ada.email, "password": PASSWORD})
        assert_problem(form, 429, "rate_limited")


class DownUnitOfWork:
    """A unit of work whose database has gone away."""

    async def __aenter__(self) -> DownUnitOfWork:
        raise StorageUnavailable()

    async def __aexit__(self, *exc: object) -> None:
        return None


class DownUnits:
    """Every unit of work it makes has lost its database."""

    def reading(self) -> DownUnitOfWork:
        return DownUnitOfWork()

    def writing(self) -> DownUnitOfWork:
        return DownUnitOfWork()


class ExportThatLosesTheDatabase:
    async def execute(self, meeting_filter: object) -> AsyncIterator[str]:
        yield "id,client_id,client_name,starts_at,duration_minutes,revenue,notes\r\n"
        raise StorageUnavailable()


@storage_independent
async def test_a_lost_database_is_a_503_problem(
    api: httpx.AsyncClient, ada: Account, container: Container
) -> None:
    # The service is up and has served a request before the database goes away.
    assert (await api.get("/clients", headers=ada.headers)).status_code == 200
    with container.units.override(providers.Object(DownUnits())):
        response = await api.get("/clients", headers=ada.headers)
        assert_problem(response, 503, "storage_unavailable")
        login = await api.post("/auth/login", json={"email": ada.email, "password": PASSWORD})
        assert_problem(login, 503, "storage_unavailable")
    # And the service recovers by itself once the database is back.
    assert (await api.get("/clients", headers=ada.headers)).status_code == 200


@storage_independent
async def test_an_export_that_fails_before_streaming_is_a_clean_503(
    api: httpx.AsyncClient, ada: Account, container: Container
) -> None:
    with container.export_meetings.override(providers.Object(ExportThatLosesTheDatabase())):
        response = await api.get("/meetings/export", headers=ada.headers)
    assert_problem(response, 503, "storage_unavailable")


def test_every_domain_error_has_a_status_in_the_table() -> None:
    """A new error family must be added to the table, not fall through to a bare 400."""
    import domain.errors as errors

    classes = [
        cls
        for cls in vars(errors).values()
        if isinstance(cls, type) and issubclass(cls, DomainError) and cls is not DomainError
    ]
    assert len(classes) > 20
    for cls in classes:
        error = cls(1) if cls is RateLimited else cls()
        assert status_of(error) in {401, 403, 404, 409, 412, 422, 429, 503}, cls
