"""The caller's own account."""

from typing import Annotated

from fastapi import APIRouter, Depends

from application.auth import GetProfile, UpdateProfile
from container import Container
from entrypoints.http.conditional import ETAG_HEADER, IfMatch, tagged
from entrypoints.http.problems import problems
from entrypoints.http.provide import provided
from entrypoints.http.rendering import ViewResponse
from entrypoints.http.routers import API_PREFIX
from entrypoints.http.schemas.auth import ProfilePatch, UserOut
from entrypoints.http.security import CurrentUser

router = APIRouter(
    prefix=f"{API_PREFIX}/users",
    tags=["users"],
    responses=problems(401),
)


@router.get(
    "/me", response_model=UserOut, summary="Who am I", responses={200: {"headers": ETAG_HEADER}}
)
async def me(
    user: CurrentUser,
    get: Annotated[GetProfile, Depends(provided(Container.get_profile))],
) -> ViewResponse:
    return tagged(await get.execute(user.id))


@router.patch(
    "/me",
    response_model=UserOut,
    summary="Update my name or password",
    description="A password change needs `current_password` and signs out every refresh session.",
    responses={200: {"headers": ETAG_HEADER}, **problems(403, 409, 412, 422)},
)
async def update_me(
    body: ProfilePatch,
    user: CurrentUser,
    precondition: IfMatch,
    update: Annotated[UpdateProfile, Depends(provided(Container.update_profile))],
) -> ViewResponse:
    return tagged(await update.execute(body.to_command(user.id, precondition)))
