"""The revenue report as a picture: an SVG bar chart drawn on the server, and its table.

One call, for any page that shows a revenue report (the dashboard's year by month, the
report page by month or by client)::

    from entrypoints.web.charts import revenue_chart

    report = await build_revenue_report.execute(query)      # application's RevenueReportView
    chart = revenue_chart(report, chart_id="year-revenue")  # a RevenueChart

and in the Jinja2 template (autoescape on)::

    <figure class="chart">
      {{ chart.svg }}
      {{ chart.table }}   {# visible on the report page; on the dashboard, e.g. inside
                             <details><summary>Figures</summary>…</details> or a
                             visually-hidden class: it must stay in the accessibility tree #}
    </figure>

``chart.svg`` and ``chart.table`` are :class:`Html`: ``str`` subclasses with an
``__html__`` method, so Jinja2 (and markupsafe) insert them as they are, without
escaping them again. Every piece of text in them, client names included, has been
escaped here; nothing else in them comes from the user. They hold no ``style``
attribute and no script, so they pass a ``style-src 'self'; script-src 'self'`` CSP.

What the picture is:

- One horizontal bar per group: the label on the left (truncated to about
  :data:`LABEL_MAX_CELLS` characters with an ellipsis; the full label and the figures
  are in the row's ``<title>``, a tooltip on hover), the revenue written beside the bar,
  and a value axis below with "nice" ticks (0, 250, 500, …; ``1.5M`` for large amounts).
  Horizontal bars keep long names and months readable on a narrow screen.
- By client: the :data:`MAX_CLIENT_BARS` highest-earning groups (the report orders them
  by revenue) and, if there are more, one last "N others" bar with their sum, so the bars
  still add up to the total. The table lists the same rows as the bars: a book of a
  thousand clients would otherwise make a page of a thousand rows (every client's
  figures are the report's CSV download, the API's report and the CLI's).
- By month: every calendar month of the period, months without a meeting drawn as
  zero, when the period spans at most :data:`MAX_MONTH_BARS` months; for longer periods
  the months that have meetings, the oldest folded into one "Earlier" bar beyond
  :data:`MAX_MONTH_BARS` bars. The table lists the same months as the chart, unfolded.
- Without grouping: one "Total" bar. Without any meeting: a short "No meetings in this
  period" picture, and a table that says the same.

Colours are the page's: text and bars are ``currentColor`` (with opacity presentation
attributes as defaults), so light and dark schemes both work, and every part carries a
class the stylesheet can restyle (CSS rules win over presentation attributes)::

    .revenue-chart { max-width: 100%; height: auto; }          /* scales on phones */
    .revenue-chart__bar { fill: var(--accent); fill-opacity: 1; }
    .revenue-chart__bar--others { fill-opacity: .5; }
    .revenue-chart__grid { stroke: var(--muted); }
    .revenue-table__number { text-align: right; font-variant-numeric: tabular-nums; }

Accessibility: the ``<svg>`` has ``role="img"`` and ``aria-labelledby`` naming its
``<title>`` (what the chart shows) and ``<desc>`` (the total, the highest group, and that
the table holds the figures); the ``<table>`` has a ``<caption>``, header cells with
``scope`` and a totals row, so a screen reader gets every figure as text. Both ids derive
from ``chart_id``, which must therefore be unique on the page.

Money is ``Decimal`` throughout: labels, ticks and bar lengths are computed without
floating point.
"""

from __future__ import annotations

import html
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import ROUND_CEILING, ROUND_HALF_UP, Decimal

from application.views import RevenueReportView
from domain.reports import ReportGrouping, RevenueTotals

MAX_CLIENT_BARS = 10  # named clients drawn; the rest share one "N others" bar
MAX_MONTH_BARS = 36  # three years of months; a longer span folds its oldest months
LABEL_MAX_CELLS = 24  # a label longer than this is cut, with "…", full text in <title>

# Geometry, in SVG user units (one CSS pixel at the intrinsic size).
_WIDTH = 640
_PAD = 8
_FONT = 12
_CHAR = Decimal("7.2")  # a generous average advance for a 12px sans-serif character
_ROW = 24
_BAR = 16
_AXIS = 28
_TICK_TARGET = 5
_CENT = Decimal("0.01")
_ID = re.compile(r"[A-Za-z][A-Za-z0-9_-]{0,63}")
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")


class Html(str):
    """Markup that is already safe to insert: Jinja2 and markupsafe honour ``__html__``."""

    __slots__ = ()

    def __html__(self) -> str:
        return str(self)


@dataclass(frozen=True, slots=True)
class Bar:
    """One row of the chart (or of its table)."""

    label: str
    totals: RevenueTotals
    folded: int = 0  # how many groups this bar stands for when it sums several


@dataclass(frozen=True, slots=True)
class RevenueChart:
    """What :func:`revenue_chart` returns: both are safe markup for a template."""

    svg: Html
    table: Html
    bars: tuple[Bar, ...]  # what the SVG draws, in order (for tests and other renderers)


def revenue_chart(report: RevenueReportView, *, chart_id: str = "revenue-chart") -> RevenueChart:
    """Draw ``report`` (what ``BuildRevenueReport.execute`` returns) as SVG plus a table.

    ``chart_id`` prefixes the ids inside the markup (``{chart_id}-title``,
    ``{chart_id}-desc``, ``{chart_id}-table``): letters, digits, ``-`` and ``_``,
    starting with a letter, unique on the page. Raises ``ValueError`` otherwise.
    """
    if not _ID.fullmatch(chart_id):
        raise ValueError(f"chart_id must match {_ID.pattern}")
    rows = _rows(report)
    bars = _bars(report, rows)
    title = _title(report)
    if report.total.meetings == 0:
        svg = _empty_svg(chart_id, title)
    else:
        svg = _svg(chart_id, title, _desc(report, rows), bars)
    listed = bars if report.grouping is ReportGrouping.CLIENT else rows
    return RevenueChart(Html(svg), Html(_table(chart_id, title, report, listed)), tuple(bars))


# -- what to draw --------------------------------------------------------------------------


def _rows(report: RevenueReportView) -> list[Bar]:
    """Every group, as the table lists them (months of a short period filled with zeros)."""
    if report.total.meetings == 0:
        return []
    if report.grouping is None:
        return [Bar("Total", report.total)]
    rows = [Bar(group.label, group.totals) for group in report.groups]
    if report.grouping is ReportGrouping.MONTH:
        months = _months(report.period.start, report.period.end)
        present = {group.key: group.totals for group in report.groups}
        if months is not None and present.keys() <= set(months):
            rows = [Bar(month, present.get(month, RevenueTotals())) for month in months]
    return rows


def _bars(report: RevenueReportView, rows: list[Bar]) -> list[Bar]:
    if report.grouping is ReportGrouping.CLIENT and len(rows) > MAX_CLIENT_BARS:
        rest = rows[MAX_CLIENT_BARS:]
        return [*rows[:MAX_CLIENT_BARS], _fold(f"{len(rest):,} others", rest)]
    if report.grouping is ReportGrouping.MONTH and len(rows) > MAX_MONTH_BARS:
        cut = len(rows) - (MAX_MONTH_BARS - 1)
        earlier = rows[:cut]
        return [_fold(f"Earlier ({len(earlier):,} months)", earlier), *rows[cut:]]
    return rows


def _fold(label: str, rows: Sequence[Bar]) -> Bar:
    return Bar(label, RevenueTotals.sum(row.totals for row in rows), folded=len(rows))


def _months(start: datetime, end: datetime) -> list[str] | None:
    """``YYYY-MM`` of every UTC month that [start, end) touches; None beyond MAX_MONTH_BARS."""
    first, last = start.astimezone(UTC), (end - timedelta(microseconds=1)).astimezone(UTC)
    count = (last.year - first.year) * 12 + last.month - first.month + 1
    if count > MAX_MONTH_BARS:
        return None
    year, month, months = first.year, first.month, []
    for _ in range(count):
        months.append(f"{year:04d}-{month:02d}")
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return months


# -- numbers -------------------------------------------------------------------------------


def nice_ticks(maximum: Decimal, target: int = _TICK_TARGET) -> list[Decimal]:
    """Round axis values from 0 to at least ``maximum``: steps of 1, 2, 2.5 or 5 times 10^n.

    About ``target`` steps (at most 6 for the default), never finer than a cent; ``[0]``
    for zero.
    """
    if maximum <= 0:
        return [Decimal(0)]
    raw = maximum / target
    magnitude = Decimal(1).scaleb(raw.adjusted())
    step = magnitude * 10
    for factor in (Decimal(1), Decimal(2), Decimal("2.5"), Decimal(5)):
        candidate = factor * magnitude
        if candidate >= raw and candidate % _CENT == 0:  # no tick between two cents
            step = candidate
            break
    step = max(step, _CENT)
    count = int((maximum / step).to_integral_value(rounding=ROUND_CEILING))
    return [step * i for i in range(count + 1)]


def money(amount: Decimal) -> str:
    """``1,234.50``: how the web app and the CLI write amounts."""
    return f"{amount.quantize(_CENT, rounding=ROUND_HALF_UP):,.2f}"


def hours(minutes: int) -> str:
    return f"{(Decimal(minutes) / 60).quantize(Decimal('0.1'), rounding=ROUND_HALF_UP):,}"


_UNITS = (
    (Decimal(10) ** 12, "T"),
    (Decimal(10) ** 9, "B"),
    (Decimal(10) ** 6, "M"),
    (Decimal(10) ** 3, "k"),
)


def _tick_label(value: Decimal, ticks: Sequence[Decimal]) -> str:
    """Short axis labels: ``250``, ``2,500``, ``12.5k``, ``800M``, ``1.5B``, ``0.05``.

    Thousands are abbreviated once the axis reaches 10,000; each tick takes the largest
    unit it reaches, so an axis reads 0, 250M, 500M, 750M, 1B.
    """
    if ticks[-1] >= 10_000:
        for unit, suffix in _UNITS:
            if value >= unit:
                return f"{_plain(value / unit)}{suffix}"
    if value == value.to_integral_value():
        return f"{value.quantize(Decimal(1)):,}"
    return _plain(value)


def _plain(value: Decimal) -> str:
    """A decimal without exponent or trailing zeros: ``2.5``, ``100``, ``0.05``."""
    if value == value.to_integral_value():
        return str(value.quantize(Decimal(1)))
    return format(value.normalize(), "f")


def _n(value: Decimal | int) -> str:
    """An SVG coordinate: at most one decimal, no float on the way."""
    text = format(Decimal(value).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP), "f")
    return text.removesuffix(".0")


# -- text ----------------------------------------------------------------------------------


def _esc(text: str) -> str:
    """Text for markup: characters XML cannot hold replaced, then entity-escaped."""
    return html.escape(_NOT_XML.sub("\ufffd", text), quote=True)


def _cells(char: str) -> int:
    return 2 if unicodedata.east_asian_width(char) in "WF" else 1


def _width(text: str) -> int:
    return sum(_cells(char) for char in text)


def truncate(text: str, limit: int = LABEL_MAX_CELLS) -> str:
    """``text`` cut to ``limit`` cells (wide characters count two), ending with "…"."""
    if _width(text) <= limit:
        return text
    kept, used = [], 0
    for char in text:
        if used + _cells(char) > limit - 1:
            break
        kept.append(char)
        used += _cells(char)
    return "".join(kept).rstrip() + "…"


def _title(report: RevenueReportView) -> str:
    start, end = (
        moment.astimezone(UTC).strftime("%Y-%m-%d")
        for moment in (report.period.start, report.period.end)
    )
    what = {
        ReportGrouping.CLIENT: "Revenue by client",
        ReportGrouping.MONTH: "Revenue by month",
        None: "Revenue",
    }[report.grouping]
    return f"{what}, {start} to {end} (end excluded)"


def _desc(report: RevenueReportView, rows: Sequence[Bar]) -> str:
    total = report.total
    meetings = f"{total.meetings:,} meeting{'' if total.meetings == 1 else 's'}"
    text = f"Total {money(total.revenue)} from {meetings}."
    if report.grouping is not None and rows:
        best = max(rows, key=lambda row: row.totals.revenue)  # the first of equals
        text += f" Highest: {best.label}, {money(best.totals.revenue)}."
    return text + " The table of figures that goes with this chart lists every bar's values."


# -- markup --------------------------------------------------------------------------------


def _open_svg(chart_id: str, title: str, desc: str, height: int) -> list[str]:
    return [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="revenue-chart" id="{chart_id}"'
        f' viewBox="0 0 {_WIDTH} {height}" width="{_WIDTH}" height="{height}"'
        f' role="img" aria-labelledby="{chart_id}-title {chart_id}-desc"'
        f' font-size="{_FONT}" fill="currentColor">',
        f'<title id="{chart_id}-title">{_esc(title)}</title>',
        f'<desc id="{chart_id}-desc">{_esc(desc)}</desc>',
    ]


def _empty_svg(chart_id: str, title: str) -> str:
    message = "No meetings in this period."
    parts = _open_svg(chart_id, title, message, 48)
    parts.append(
        f'<text class="revenue-chart__empty" x="{_PAD}" y="24" dy="0.35em">{message}</text>'
    )
    parts.append("</svg>")
    return "".join(parts)


def _svg(chart_id: str, title: str, desc: str, bars: Sequence[Bar]) -> str:
    ticks = nice_ticks(max(bar.totals.revenue for bar in bars))
    scale_top = ticks[-1]
    labels = [truncate(bar.label) for bar in bars]
    values = [money(bar.totals.revenue) for bar in bars]
    label_w = _CHAR * max(_width(label) for label in labels) + 12
    value_w = _CHAR * max(len(value) for value in values) + 12
    plot_x = _PAD + label_w
    plot_w = _WIDTH - 2 * _PAD - label_w - value_w
    plot_h = len(bars) * _ROW
    height = _PAD + plot_h + _AXIS

    def x_of(amount: Decimal) -> Decimal:
        return plot_x if scale_top == 0 else plot_x + plot_w * amount / scale_top

    parts = _open_svg(chart_id, title, desc, height)
    parts.append(
        '<g class="revenue-chart__grid" stroke="currentColor" stroke-opacity="0.2"'
        ' stroke-width="1">'
    )
    parts.extend(
        f'<line x1="{_n(x_of(t))}" y1="{_PAD}" x2="{_n(x_of(t))}" y2="{_PAD + plot_h}"/>'
        for t in ticks
    )
    parts.append("</g>")
    axis_y = _PAD + plot_h
    parts.append(
        f'<g class="revenue-chart__axis" text-anchor="middle">'
        f'<line x1="{_n(plot_x)}" y1="{axis_y}" x2="{_n(plot_x + plot_w)}" y2="{axis_y}"'
        ' stroke="currentColor" stroke-opacity="0.6"/>'
    )
    parts.extend(
        f'<text x="{_n(x_of(t))}" y="{axis_y + 16}">{_esc(_tick_label(t, ticks))}</text>'
        for t in ticks
    )
    parts.append("</g>")
    parts.append('<g class="revenue-chart__bars">')
    for index, (bar, label, value) in enumerate(zip(bars, labels, values, strict=True)):
        middle = _PAD + index * _ROW + _ROW // 2
        length = x_of(bar.totals.revenue) - plot_x
        kind = (
            "revenue-chart__bar revenue-chart__bar--others"
            if bar.folded
            else ("revenue-chart__bar")
        )
        opacity = "0.45" if bar.folded else "0.75"
        count = bar.totals.meetings
        tooltip = (
            f"{bar.label}: {money(bar.totals.revenue)}, "
            f"{count:,} meeting{'' if count == 1 else 's'}"
        )
        parts.append(
            f'<g class="revenue-chart__row"><title>{_esc(tooltip)}</title>'
            f'<text class="revenue-chart__label" x="{_n(plot_x - 6)}" y="{middle}"'
            f' dy="0.35em" text-anchor="end">{_esc(label)}</text>'
            f'<rect class="{kind}" x="{_n(plot_x)}" y="{middle - _BAR // 2}"'
            f' width="{_n(length)}" height="{_BAR}" fill="currentColor"'
            f' fill-opacity="{opacity}"/>'
            f'<text class="revenue-chart__value" x="{_n(plot_x + length + 6)}" y="{middle}"'
            f' dy="0.35em">{_esc(value)}</text></g>'
        )
    parts.append("</g></svg>")
    return "".join(parts)


def _table(chart_id: str, title: str, report: RevenueReportView, rows: Sequence[Bar]) -> str:
    first = {ReportGrouping.CLIENT: "Client", ReportGrouping.MONTH: "Month", None: "Period"}
    num = ' class="revenue-table__number"'
    parts = [
        f'<table class="revenue-table" id="{chart_id}-table">',
        f"<caption>{_esc(title)}</caption>",
        f'<thead><tr><th scope="col">{first[report.grouping]}</th>'
        f'<th scope="col"{num}>Meetings</th><th scope="col"{num}>Hours</th>'
        f'<th scope="col"{num}>Revenue</th></tr></thead>',
    ]
    if report.grouping is not None:
        parts.append("<tbody>")
        if not rows:
            parts.append('<tr><td colspan="4">No meetings in this period.</td></tr>')
        for row in rows:
            parts.append(_table_row(row.label, row.totals, num))
        parts.append("</tbody>")
    total = report.total
    parts.append(f"<tfoot>{_table_row('Total', total, num)}</tfoot></table>")
    return "".join(parts)


def _table_row(label: str, totals: RevenueTotals, num: str) -> str:
    return (
        f'<tr><th scope="row">{_esc(label)}</th><td{num}>{totals.meetings:,}</td>'
        f"<td{num}>{hours(totals.minutes)}</td><td{num}>{money(totals.revenue)}</td></tr>"
    )
