"""Liveness and readiness, at the root for load balancers and orchestrators."""

from typing import Annotated

from fastapi import APIRouter, Depends
from pydantic import BaseModel, Field

from application.health import CheckReadiness
from container import Container
from entrypoints.http.problems import problems
from entrypoints.http.provide import provided

router = APIRouter(prefix="/health", tags=["health"])


class Liveness(BaseModel):
    status: str = Field(examples=["ok"])


class Readiness(Liveness):
    database: str = Field(examples=["ok"])


_ALIVE = Liveness(status="ok")
_READY = Readiness(status="ok", database="ok")


# HEAD wherever GET is, as RFC 9110 expects and load balancers like to probe: one route
# per method, so each operation has its own id in the OpenAPI document.
@router.get("", response_model=Liveness, summary="The process answers (touches nothing)")
@router.head("", response_model=Liveness, summary="The process answers (touches nothing)")
async def live() -> Liveness:
    return _ALIVE


@router.get(
    "/ready",
    response_model=Readiness,
    summary="The database answers too",
    responses=problems(503),
)
@router.head(
    "/ready",
    response_model=Readiness,
    summary="The database answers too",
    responses=problems(503),
)
async def ready(
    check: Annotated[CheckReadiness, Depends(provided(Container.check_readiness))],
) -> Readiness:
    await check.execute()
    return _READY
