"""``ApiRoute``: the caller is resolved once, first, and outside FastAPI's graph."""

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
from entrypoints.http.routing import ApiRoute
from entrypoints.http.security import CurrentUser, current_user

pytestmark = storage_independent


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


async def test_the_caller_is_resolved_once_per_request(
    api: httpx.AsyncClient, ada: Account, resolutions: type[CountingIdentifyUser]
) -> None:
    created = await api.post("/clients", json={"name": "Acme"}, headers=ada.headers)
    assert created.status_code == 201
    client_id = created.json()["id"]
    meeting = {"client_id": client_id, "starts_at": "2026-03-01T10:00:00Z", "duration_minutes": 30}
    calls = [
        api.get(f"/clients/{client_id}", headers=ada.headers),
        api.post("/meetings", json=meeting, headers=ada.headers),
        # The caller is asked for by the shared meeting filter, one level down.
        api.get("/meetings", headers=ada.headers),
        api.get("/meetings/export", headers=ada.headers),
        api.get("/users/me", headers=ada.headers),
    ]
    for call in calls:
        before = resolutions.calls
        response = await call
        assert response.status_code in {200, 201}, response.text
        assert resolutions.calls == before + 1, response.request.url


async def test_without_a_token_nothing_else_of_the_request_is_looked_at(
    api: httpx.AsyncClient, ada: Account
) -> None:
    body, json_type = b'{"name": ', {"content-type": "application/json"}
    assert_problem(await api.post("/clients", content=body, headers=json_type), 401)
    assert_problem(await api.get("/clients/not-a-uuid"), 401)
    assert_problem(await api.get("/meetings", params={"from": "yesterday"}), 401)
    # With a token, the same requests are judged on their content.
    invalid = await api.post("/clients", content=body, headers={**json_type, **ada.headers})
    assert_problem(invalid, 422, "validation_error")
    assert_problem(await api.get("/clients/not-a-uuid", headers=ada.headers), 422)


async def test_the_documented_graph_keeps_the_bearer_scheme(app: FastAPI) -> None:
    secured = [
        route
        for route in app.routes
        if isinstance(route, ApiRoute)
        and any(sub.call is current_user for sub in route.dependant.dependencies)
    ]
    assert len(secured) >= 15
    schema = app.openapi()
    for route in secured:
        for method in route.methods:
            operation = schema["paths"][route.path][method.lower()]
            assert operation["security"] == [{"bearer": []}], (method, route.path)


def _extra_routes(prefix: str = "") -> APIRouter:
    """Shapes no production route has (yet), each of which must still be served right."""
    router = APIRouter(prefix=prefix, route_class=ApiRoute)

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
async def test_other_shapes_of_routes_still_get_their_caller(
    app: FastAPI, api: httpx.AsyncClient, ada: Account, mount: str
) -> None:
    if mount == "flat":  # as ``create_app`` serves its routes
        app.router.routes[0:0] = _extra_routes("/api/v1/extra").routes
    else:  # through FastAPI's included routers, which build handlers of their own
        app.include_router(_extra_routes(), prefix="/api/v1/extra")
    for path in ("/extra/sync", "/extra/guarded", "/extra/twice"):
        assert_problem(await api.get(path), 401)
        response = await api.get(path, headers=ada.headers)
        assert response.status_code == 200, (path, response.text)
    assert (await api.get("/extra/sync", headers=ada.headers)).json() == {"email": ada.email}
    twice = await api.get("/extra/twice", headers=ada.headers)
    assert twice.json() == {"email": ada.email, "same": "True"}
