"""The dashboard: this year's revenue by month, the next meetings, the totals."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from starlette.responses import Response

from application.overviews import BuildDashboard
from container import Container
from entrypoints.http.provide import provided
from entrypoints.web.charts import revenue_chart
from entrypoints.web.pages import render
from entrypoints.web.session import WebUser

router = APIRouter(include_in_schema=False, tags=["web"])


@router.get("/")
async def dashboard(
    request: Request,
    user: WebUser,
    build: Annotated[BuildDashboard, Depends(provided(Container.dashboard))],
) -> Response:
    board = await build.execute(user.id)
    return render(
        request,
        "dashboard.html",
        user=user,
        board=board,
        names=board.clients.names(),
        chart=revenue_chart(board.revenue, chart_id="dashboard-revenue"),
    )
