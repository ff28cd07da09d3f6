"""The caller's own account."""

from typing import Annotated

from fastapi import APIRouter

from application.auth import UpdateProfile
from container import Container
from entrypoints.http.problems import problems
from entrypoints.http.provide import Provide, inject
from entrypoints.http.rendering import ViewResponse
from entrypoints.http.routers import API_PREFIX
from entrypoints.http.routing import ApiRoute
from entrypoints.http.schemas.auth import ProfilePatch, UserOut
from entrypoints.http.security import CurrentUser

router = APIRouter(
    prefix=f"{API_PREFIX}/users",
    tags=["users"],
    responses=problems(401),
    route_class=ApiRoute,
)


@router.get("/me", response_model=UserOut, summary="Who am I")
async def me(user: CurrentUser) -> ViewResponse:
    return ViewResponse(user)


@router.patch(
    "/me",
    response_model=UserOut,
    summary="Update my name or password",
    description="A password change needs `current_password` and signs out every refresh session.",
    responses=problems(403, 422),
)
@inject
async def update_me(
    body: ProfilePatch,
    user: CurrentUser,
    update: Annotated[UpdateProfile, Provide[Container.update_profile]],
) -> ViewResponse:
    return ViewResponse(await update.execute(body.to_command(user.id)))
