"""The revenue report."""

from typing import Annotated

from fastapi import APIRouter, Depends, Query

from application.meetings import BuildRevenueReport, RevenueReportQuery
from container import Container
from domain.queries import Period
from domain.reports import ReportGrouping
from entrypoints.http.problems import problems
from entrypoints.http.provide import provided
from entrypoints.http.rendering import ViewResponse
from entrypoints.http.routers import API_PREFIX
from entrypoints.http.schemas.fields import IsoDatetime
from entrypoints.http.schemas.meetings import ReportOut
from entrypoints.http.security import CurrentUser

router = APIRouter(
    prefix=f"{API_PREFIX}/reports",
    tags=["reports"],
    responses=problems(401),
)


@router.get(
    "/revenue",
    response_model=ReportOut,
    summary="Revenue, minutes and meetings over [from, to), optionally grouped",
    responses=problems(422, 429),
)
async def revenue_report(
    user: CurrentUser,
    build: Annotated[BuildRevenueReport, Depends(provided(Container.revenue_report))],
    starts_from: Annotated[IsoDatetime, Query(alias="from", description="Inclusive.")],
    starts_before: Annotated[IsoDatetime, Query(alias="to", description="Exclusive.")],
    group_by: ReportGrouping | None = None,
) -> ViewResponse:
    report = await build.execute(
        RevenueReportQuery(user.id, Period(starts_from, starts_before), group_by)
    )
    return ViewResponse(ReportOut.content(report))
