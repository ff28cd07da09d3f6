"""The revenue report (by month or client, for a chosen period) and the CSV import."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Request
from starlette.datastructures import UploadFile
from starlette.responses import Response

from application.clients import ImportClients, ImportClientsCommand
from application.meetings import BuildRevenueReport, RevenueReportQuery, spreadsheet_safe
from application.views import UserView
from container import Container
from domain.errors import InvalidInput
from domain.queries import Period
from domain.reports import ReportGrouping, RevenueTotals
from entrypoints.csv_clients import ClientCsv, UnreadableCsv
from entrypoints.http.provide import provided
from entrypoints.web.charts import revenue_chart
from entrypoints.web.pages import PERIOD_FIELDS, Submitted, errors_of, render
from entrypoints.web.routes.meetings import day
from entrypoints.web.session import WebUser

router = APIRouter(include_in_schema=False, tags=["web"])

GROUPINGS = {ReportGrouping.MONTH: "Month", ReportGrouping.CLIENT: "Client"}


def _chosen(request: Request, user: UserView) -> tuple[dict[str, str], dict[str, str], Any]:
    """The form's values, its errors, and the report it asks for (``None`` if refused)."""
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
    if start is None or end is None:
        return values, errors, None
    try:
        period = Period(start, end)
    except InvalidInput as error:
        errors.update(errors_of(error, PERIOD_FIELDS))
        return values, errors, None
    return values, errors, RevenueReportQuery(user.id, period, ReportGrouping(values["by"]))


def _report_page(
    request: Request, user: UserView, values: dict[str, str], errors: dict[str, str], chart: Any
) -> Response:
    return render(
        request,
        "report.html",
        user=user,
        chart=chart,
        values=values,
        groupings=GROUPINGS,
        download=f"/reports/revenue.csv?{urlencode(values)}",
        errors=errors,
        status_code=422 if errors else 200,
    )


@router.get("/reports/revenue")
async def revenue_page(
    request: Request,
    user: WebUser,
    build: Annotated[BuildRevenueReport, Depends(provided(Container.revenue_report))],
) -> Response:
    values, errors, query = _chosen(request, user)
    chart = None
    if query is not None:
        chart = revenue_chart(await build.execute(query), chart_id="revenue")
    return _report_page(request, user, values, errors, chart)


@router.get("/reports/revenue.csv")
async def revenue_download(
    request: Request,
    user: WebUser,
    build: Annotated[BuildRevenueReport, Depends(provided(Container.revenue_report))],
) -> Response:
    """Every group's figures (the page's table stops at the chart's bars by client)."""
    values, errors, query = _chosen(request, user)
    if query is None:
        return _report_page(request, user, values, errors, None)
    report = await build.execute(query)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(("key", "label", "meetings", "minutes", "revenue"))
    writer.writerows(
        _csv_row(group.key or "", group.label, group.totals) for group in report.groups
    )
    writer.writerow(_csv_row("", "Total", report.total))
    name = f"revenue-by-{values['by']}-{values['from']}-{values['before']}.csv"
    return Response(
        out.getvalue(),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


def _csv_row(key: str, label: str, totals: RevenueTotals) -> tuple[str, str, int, int, str]:
    return key, spreadsheet_safe(label), totals.meetings, totals.minutes, f"{totals.revenue:.2f}"


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
