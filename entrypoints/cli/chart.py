"""``report revenue --chart``: the revenue report as horizontal bars in the terminal.

Each group is one line, ``label ██████▍ 1,234.50``: the bar's length is the revenue
relative to the largest group, drawn in eighths of a cell, and the exact figure follows
the bar as text, so the chart reads the same without colour (``NO_COLOR``, a pipe, a file).
The layout follows the width Rich gives it: labels take at most a third of the line and
are cut with "…"; below :data:`MIN_BAR` cells of room the bar goes on its own line
under the label. A terminal that cannot show Unicode blocks gets ``#`` bars.
Every group is drawn (the terminal scrolls); the web chart is the one that folds.
"""

from __future__ import annotations

from collections.abc import Iterator
from decimal import ROUND_HALF_UP, Decimal
from typing import TYPE_CHECKING

from rich.cells import cell_len
from rich.text import Text

from domain.reports import ReportGrouping, RevenueTotals
from entrypoints.cli.render import count, day, money

if TYPE_CHECKING:
    from rich.console import Console, ConsoleOptions

    from application.views import RevenueReportView

MIN_BAR = 10  # cells: below this, label and bar take a line each
LABEL_SHARE = 3  # a label takes at most 1/3 of the line
_EIGHTHS = " ▏▎▍▌▋▊▉"
_FULL = "█"


class RevenueBars:
    """A Rich renderable: ``console.print(RevenueBars(report))``."""

    def __init__(self, report: RevenueReportView) -> None:
        self._report = report
        if report.total.meetings == 0:
            self._rows: list[tuple[str, RevenueTotals]] = []
        elif report.grouping is None:
            self._rows = [("Total", report.total)]
        else:
            self._rows = [(group.label, group.totals) for group in report.groups]

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> Iterator[Text]:
        width = max(options.max_width, 1)
        yield Text(_heading(self._report), style="bold", overflow="fold")
        if not self._rows:
            yield Text("No meetings in this period.")
        else:
            yield from self._lines(width, ascii_only=options.ascii_only)
        total = self._report.total
        yield Text(
            f"Total {money(total.revenue)} from {count(total.meetings, 'meeting')}",
            style="bold",
            overflow="fold",
        )

    def _lines(self, width: int, *, ascii_only: bool) -> Iterator[Text]:
        values = [money(totals.revenue) for _, totals in self._rows]
        value_w = max(len(value) for value in values)
        label_w = min(max(cell_len(label) for label, _ in self._rows), width // LABEL_SHARE)
        label_w = max(label_w, 1)
        room = width - label_w - value_w - 2  # "label bar value": two spaces
        stacked = room < MIN_BAR
        if stacked:  # label on its own line, then bar and figure
            label_w, room = width, max(width - value_w - 1, 0)
        top = max(totals.revenue for _, totals in self._rows)
        for (label, totals), value in zip(self._rows, values, strict=True):
            name = Text(label, overflow="ellipsis", no_wrap=True)
            name.truncate(label_w, overflow="ellipsis", pad=not stacked)
            bar = Text(_bar(totals.revenue, top, room, ascii_only=ascii_only), style="cyan")
            # A figure is never cropped: on a very narrow terminal it folds instead.
            line = Text.assemble(bar, " " if bar or not stacked else "", value, overflow="fold")
            if stacked:
                yield name
                yield line
            else:
                yield Text.assemble(name, " ", line, overflow="fold")


def _bar(amount: Decimal, top: Decimal, cells: int, *, ascii_only: bool) -> str:
    """``amount`` as a bar of at most ``cells`` cells; at least a sliver when above zero."""
    if top <= 0 or cells <= 0:
        return ""
    steps = 1 if ascii_only else 8
    length = int((amount * cells * steps / top).quantize(Decimal(1), rounding=ROUND_HALF_UP))
    if amount > 0:
        length = max(length, 1)
    if ascii_only:
        return "#" * length
    whole, part = divmod(length, 8)
    return _FULL * whole + (_EIGHTHS[part] if part else "")


def _heading(report: RevenueReportView) -> str:
    by = {ReportGrouping.CLIENT: ", by client", ReportGrouping.MONTH: ", by month", None: ""}
    period = report.period
    return (
        f"Revenue from {day(period.start)} to {day(period.end)} (end excluded){by[report.grouping]}"
    )
