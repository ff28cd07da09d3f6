"""The caller (``CurrentUser``): resolved once per request by FastAPI, however it is mounted."""

# No ``from __future__ import annotations``: routes below name local functions, which FastAPI
# could not find from a string annotation.

from typing import Annotated

import httpx
import pytest
from dependency_injector import providers
from fastapi import APIRouter, Depends, FastAPI
from http_helpers import Account, assert_problem, storage_independent

from application.auth import IdentifyUser
from application.views import UserView
from container import Container
from entrypoints.http.routers import clients, meetings, users
from entrypoints.http.security import CurrentUser, current_user

pytestmark = storage_independent

PUBLIC = {
    "/api/v1/auth/register",
    "/api/v1/auth/login",
    "/api/v1/auth/token",
    "/api/v1/auth/refresh",
}


class CountingIdentifyUser(IdentifyUser):
    """The real use case, counting how often a request resolves its caller."""

    calls = 0

    async def execute(self, access_token: str) -> UserView:
        CountingIdentifyUser.calls += 1
        return await super().execute(access_token)


@pytest.fixture
def resolutions(container: Container) -> type[CountingIdentifyUser]:
    CountingIdentifyUser.calls = 0
    counting = providers.Singleton(
        CountingIdentifyUser,
        units=container.units,
        issuer=container.access_tokens,
        recent=container.recent_users,
    )
    container.identify_user.override(counting)
    return CountingIdentifyUser


async def _each_resolves_the_caller_once(
    api: httpx.AsyncClient, ada: Account, counter: type[CountingIdentifyUser], prefix: str
) -> None:
    created = await api.post(f"{prefix}/clients", json={"name": "Acme"}, headers=ada.headers)
    assert created.status_code == 201, created.text
    client_id = created.json()["id"]
    meeting = {"client_id": client_id, "starts_at": "2026-03-01T10:00:00Z", "duration_minutes": 30}
    calls = [
        api.get(f"{prefix}/clients/{client_id}", headers=ada.headers),
        api.post(f"{prefix}/meetings", json=meeting, headers=ada.headers),
        # The caller is asked for by the route and by the shared meeting filter, one
        # level down: FastAPI's per-request cache resolves it once for both.
        api.get(f"{prefix}/meetings", headers=ada.headers),
        api.get(f"{prefix}/meetings/export", headers=ada.headers),
        api.get(f"{prefix}/users/me", headers=ada.headers),
    ]
    for call in calls:
        before = counter.calls
        response = await call
        assert response.status_code in {200, 201}, response.text
        assert counter.calls == before + 1, response.request.url


async def test_the_caller_is_resolved_once_per_request(
    api: httpx.AsyncClient, ada: Account, resolutions: type[CountingIdentifyUser]
) -> None:
    await _each_resolves_the_caller_once(api, ada, resolutions, prefix="")


async def test_routes_mounted_with_include_router_resolve_the_caller_once(
    app: FastAPI, api: httpx.AsyncClient, ada: Account, resolutions: type[CountingIdentifyUser]
) -> None:
    for module in (clients, meetings, users):
        app.include_router(module.router, prefix="/mounted")
    await _each_resolves_the_caller_once(
        api, ada, resolutions, prefix="http://testserver/mounted/api/v1"
    )


async def test_without_a_token_the_request_is_refused(api: httpx.AsyncClient, ada: Account) -> None:
    assert_problem(await api.post("/clients", json={"name": ""}), 401)
    assert_problem(await api.get("/meetings", params={"from": "yesterday"}), 401)
    # With a token, the same requests are judged on their content.
    assert_problem(await api.post("/clients", json={"name": ""}, headers=ada.headers), 422)
    assert_problem(await api.get("/meetings", params={"from": "y"}, headers=ada.headers), 422)


async def test_every_operation_but_the_public_ones_documents_the_bearer_scheme(
    app: FastAPI,
) -> None:
    paths = app.openapi()["paths"]
    secured = 0
    for path, operations in paths.items():
        if not path.startswith("/api/v1/"):
            continue
        for method, operation in operations.items():
            if path in PUBLIC:
                assert "security" not in operation, (method, path)
            else:
                assert operation["security"] == [{"bearer": []}], (method, path)
                secured += 1
    assert secured >= 15


def _extra_routes(prefix: str = "") -> APIRouter:
    """Shapes no production route has (yet), each of which must still be served right."""
    router = APIRouter(prefix=prefix)

    @router.get("/sync")
    def sync_endpoint(user: CurrentUser) -> dict[str, str]:
        return {"email": user.email}

    @router.get("/guarded", dependencies=[Depends(current_user)])
    async def guarded() -> dict[str, bool]:
        return {"ok": True}

    async def email_of(user: CurrentUser) -> str:
        return user.email

    @router.get("/twice")
    async def twice(user: CurrentUser, email: Annotated[str, Depends(email_of)]) -> dict[str, str]:
        return {"email": email, "same": str(user.email == email)}

    return router


@pytest.mark.parametrize("mount", ["flat", "included"])
async def test_other_shapes_of_routes_get_their_caller_once(
    app: FastAPI,
    api: httpx.AsyncClient,
    ada: Account,
    resolutions: type[CountingIdentifyUser],
    mount: str,
) -> None:
    if mount == "flat":  # as ``create_app`` serves its routes
        app.router.routes[0:0] = _extra_routes("/api/v1/extra").routes
    else:
        app.include_router(_extra_routes(), prefix="/api/v1/extra")
    for path in ("/extra/sync", "/extra/guarded", "/extra/twice"):
        assert_problem(await api.get(path), 401)
        before = resolutions.calls
        response = await api.get(path, headers=ada.headers)
        assert response.status_code == 200, (path, response.text)
        assert resolutions.calls == before + 1, path
    assert (await api.get("/extra/sync", headers=ada.headers)).json() == {"email": ada.email}
    twice = await api.get("/extra/twice", headers=ada.headers)
    assert twice.json() == {"email": ada.email, "same": "True"}
