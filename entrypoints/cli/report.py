"""``clientbook report revenue``: the revenue report as a table with a totals row, or bars."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Annotated

import typer

from domain.reports import ReportGrouping
from entrypoints.cli.help import Command, new_app
from entrypoints.cli.options import UserOption, bound_option
from entrypoints.cli.runtime import find_user, runtime

if TYPE_CHECKING:
    from rich.table import Table

    from application.views import RevenueReportView
    from container import Container
    from domain.reports import RevenueTotals


def build() -> typer.Typer:
    app = new_app("Reports on a user's book.")

    @app.command("revenue", cls=Command)
    def revenue(
        ctx: typer.Context,
        user: UserOption,
        start: Annotated[
            datetime,
            typer.Option(
                "--from",
                metavar="DATE",
                parser=bound_option,
                help="Start, inclusive: YYYY-MM-DD (00:00 UTC) or a date and time with an offset.",
            ),
        ],
        end: Annotated[
            datetime,
            typer.Option(
                "--to",
                metavar="DATE",
                parser=bound_option,
                help="End, exclusive: YYYY-MM-DD (00:00 UTC) or a date and time with an offset.",
            ),
        ],
        by: Annotated[
            ReportGrouping | None,
            typer.Option(
                "--by", metavar="client|month", help="Group by client or by UTC calendar month."
            ),
        ] = None,
        chart: Annotated[
            bool,
            typer.Option(
                "--chart", help="Draw horizontal bars, each with its revenue, instead of a table."
            ),
        ] = False,
    ) -> None:
        """Revenue, minutes and meetings for [--from, --to), in total or grouped."""
        from application.meetings import RevenueReportQuery
        from domain.queries import Period

        rt = runtime(ctx)

        async def work(container: Container) -> RevenueReportView:
            owner = await find_user(container, user)
            query = RevenueReportQuery(owner.id, Period(start, end), by)
            return await container.revenue_report().execute(query)

        report = rt.run(work)
        if chart:
            from entrypoints.cli.chart import RevenueBars

            rt.out.print(RevenueBars(report))
        else:
            rt.out.print(_table(report))

    return app


def _table(report: RevenueReportView) -> Table:
    from rich.table import Table

    from entrypoints.cli.render import day, money, plain

    period = report.period
    table = Table(
        title=f"Revenue from {day(period.start)} to {day(period.end)} (end excluded)",
        title_justify="left",
        show_footer=True,
    )
    first = {ReportGrouping.CLIENT: "Client", ReportGrouping.MONTH: "Month", None: ""}
    total = report.total
    table.add_column(first[report.grouping], footer="Total")
    table.add_column("Meetings", justify="right", footer=f"{total.meetings:,}")
    table.add_column("Hours", justify="right", footer=_hours(total))
    table.add_column("Revenue", justify="right", footer=money(total.revenue))
    for group in report.groups:
        totals = group.totals
        table.add_row(
            plain(group.label), f"{totals.meetings:,}", _hours(totals), money(totals.revenue)
        )
    return table


def _hours(totals: RevenueTotals) -> str:
    return f"{totals.minutes / 60:,.1f}"
