"""Administration."""

from typing import Annotated

from fastapi import APIRouter, Depends, Query

from application.auth import ListUsers, ListUsersQuery
from container import Container
from domain.pagination import MAX_OFFSET, PageRequest
from entrypoints.http.problems import problems
from entrypoints.http.provide import provided
from entrypoints.http.rendering import ViewResponse
from entrypoints.http.routers import API_PREFIX
from entrypoints.http.schemas.auth import UserPage
from entrypoints.http.schemas.fields import WHOLE_NUMBER
from entrypoints.http.security import CurrentUser

router = APIRouter(
    prefix=f"{API_PREFIX}/admin",
    tags=["admin"],
    responses=problems(401, 403),
)


@router.get(
    "/users",
    response_model=UserPage,
    summary="List every account (administrators only)",
    responses=problems(422),
)
async def list_users(
    user: CurrentUser,
    list_users: Annotated[ListUsers, Depends(provided(Container.list_users))],
    limit: Annotated[int, Query(ge=1, le=100), WHOLE_NUMBER] = 20,
    offset: Annotated[int, Query(ge=0, le=MAX_OFFSET), WHOLE_NUMBER] = 0,
) -> ViewResponse:
    page = await list_users.execute(ListUsersQuery(user.id, PageRequest(limit, offset)))
    return ViewResponse(page)
