"""The revenue report (by month or client, for a chosen period) and the CSV import."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from starlette.datastructures import UploadFile
from starlette.responses import Response

from application.clients import ImportClients, ImportClientsCommand
from application.meetings import BuildRevenueReport, RevenueReportQuery
from container import Container
from domain.errors import InvalidInput
from domain.queries import Period
from domain.reports import ReportGrouping
from entrypoints.csv_clients import ClientCsv, UnreadableCsv
from entrypoints.http.provide import provided
from entrypoints.web.charts import revenue_chart
from entrypoints.web.pages import PERIOD_FIELDS, Submitted, errors_of, render
from entrypoints.web.routes.meetings import day
from entrypoints.web.session import WebUser

router = APIRouter(include_in_schema=False, tags=["web"])

GROUPINGS = {ReportGrouping.MONTH: "Month", ReportGrouping.CLIENT: "Client"}


@router.get("/reports/revenue")
async def revenue_page(
    request: Request,
    user: WebUser,
    build: Annotated[BuildRevenueReport, Depends(provided(Container.revenue_report))],
) -> Response:
    params = request.query_params
    year = datetime.now(UTC).year
    by = params.get("by", "")
    values = {
        "from": params.get("from") or f"{year}-01-01",
        "before": params.get("before") or f"{year + 1}-01-01",
        "by": by if by in {"month", "client"} else "month",
    }
    errors: dict[str, str] = {}
    start = day(values["from"], "from", errors)
    end = day(values["before"], "before", errors)
    chart = None
    if start is not None and end is not None:
        try:
            period = Period(start, end)
        except InvalidInput as error:
            errors.update(errors_of(error, PERIOD_FIELDS))
        else:
            report = await build.execute(
                RevenueReportQuery(user.id, period, ReportGrouping(values["by"]))
            )
            chart = revenue_chart(report, chart_id="revenue")
    return render(
        request,
        "report.html",
        user=user,
        chart=chart,
        values=values,
        groupings=GROUPINGS,
        errors=errors,
        status_code=422 if errors else 200,
    )


@router.get("/import")
async def import_page(request: Request, user: WebUser) -> Response:
    return render(request, "import.html", user=user, result=None)


@router.post("/import")
async def import_clients(
    request: Request,
    form: Submitted,
    user: WebUser,
    import_: Annotated[ImportClients, Depends(provided(Container.import_clients))],
) -> Response:
    upload = form.get("file")
    dry_run = form.get("dry_run") == "on"
    if not isinstance(upload, UploadFile) or not upload.filename:
        return render(
            request,
            "import.html",
            user=user,
            result=None,
            errors={"file": "Choose a CSV file to import."},
            status_code=422,
        )
    try:
        # The CLI's reader: the same columns, the same line numbers, the same reasons.
        with ClientCsv(upload.file) as source:
            report = await import_.execute(
                ImportClientsCommand(owner_id=user.id, drafts=source.drafts(), dry_run=dry_run)
            )
    except UnreadableCsv as error:
        return render(
            request,
            "import.html",
            user=user,
            result=None,
            errors={"file": error.message},
            status_code=422,
        )
    rejected = sorted([*source.problems, *report.rejected], key=lambda row: row.line)
    return render(
        request,
        "import.html",
        user=user,
        result={"rows": source.rows, "report": report, "rejected": rejected},
        status_code=200,
    )
