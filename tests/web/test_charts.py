"""The revenue chart of the web app: SVG and table markup from a report view, no I/O."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from datetime import UTC, datetime
from decimal import Decimal
from itertools import pairwise

import pytest
from hypothesis import given
from hypothesis import strategies as st
from jinja2 import Environment

from application.views import RevenueReportView
from domain.queries import Period
from domain.reports import NO_CLIENT_LABEL, ReportGrouping, RevenueGroup, RevenueTotals
from entrypoints.web.charts import (
    LABEL_MAX_CELLS,
    MAX_CLIENT_BARS,
    MAX_MONTH_BARS,
    Html,
    RevenueChart,
    nice_ticks,
    revenue_chart,
)

SVG = "{http://www.w3.org/2000/svg}"
YEAR = Period(datetime(2026, 1, 1, tzinfo=UTC), datetime(2027, 1, 1, tzinfo=UTC))


def view(
    grouping: ReportGrouping | None, groups: list[RevenueGroup], period: Period = YEAR
) -> RevenueReportView:
    total = RevenueTotals.sum(group.totals for group in groups)
    return RevenueReportView(period, grouping, total, groups if grouping else [])


def client(name: str, revenue: str, meetings: int = 1, key: str | None = "k") -> RevenueGroup:
    return RevenueGroup(
        key and f"{key}-{name}", name, RevenueTotals(Decimal(revenue), 60, meetings)
    )


def month(key: str, revenue: str, meetings: int = 1) -> RevenueGroup:
    return RevenueGroup(key, key, RevenueTotals(Decimal(revenue), 30 * meetings, meetings))


def parse(markup: str) -> ET.Element:
    """Well-formed XML, or the test fails: what a browser and a screen reader get."""
    return ET.fromstring(markup)  # noqa: S314 - our own output, not untrusted input


def rows(chart: RevenueChart) -> list[ET.Element]:
    return parse(chart.svg).findall(f"{SVG}g[@class='revenue-chart__bars']/{SVG}g")


def texts(row: ET.Element, cls: str) -> str:
    return "".join(row.find(f"{SVG}text[@class='{cls}']").itertext())  # type: ignore[union-attr]


def table(chart: RevenueChart) -> list[list[str]]:
    return [["".join(cell.itertext()) for cell in tr] for tr in parse(chart.table).iter("tr")]


def bar_widths(chart: RevenueChart) -> list[Decimal]:
    return [Decimal(rect.get("width", "")) for rect in parse(chart.svg).iter(f"{SVG}rect")]


def test_a_year_by_month_draws_twelve_bars_with_the_empty_months_at_zero() -> None:
    report = view(
        ReportGrouping.MONTH,
        [month("2026-01", "400.25", 2), month("2026-02", "50"), month("2026-11", "1200")],
    )

    chart = revenue_chart(report, chart_id="year")

    drawn = rows(chart)
    assert [texts(row, "revenue-chart__label") for row in drawn] == [
        f"2026-{m:02d}" for m in range(1, 13)
    ]
    values = [texts(row, "revenue-chart__value") for row in drawn]
    assert values[:3] == ["400.25", "50.00", "0.00"]
    assert values[10] == "1,200.00"
    widths = bar_widths(chart)
    assert widths[2] == 0
    assert widths[10] == max(widths)
    assert widths[0] > widths[1] > 0
    assert table(chart)[1] == ["2026-01", "2", "1.0", "400.25"]
    assert table(chart)[3] == ["2026-03", "0", "0.0", "0.00"]
    assert table(chart)[-1] == ["Total", "4", "2.0", "1,650.25"]
    assert len(table(chart)) == 1 + 12 + 1


def test_the_svg_is_an_accessible_image_and_the_table_carries_the_figures() -> None:
    report = view(ReportGrouping.CLIENT, [client("Globex", "300.25"), client("Acme", "150")])

    chart = revenue_chart(report, chart_id="report-chart")

    svg = parse(chart.svg)
    assert svg.get("role") == "img"
    assert svg.get("aria-labelledby") == "report-chart-title report-chart-desc"
    title, desc = svg.find(f"{SVG}title"), svg.find(f"{SVG}desc")
    assert title is not None
    assert desc is not None
    assert title.get("id") == "report-chart-title"
    assert title.text == "Revenue by client, 2026-01-01 to 2027-01-01 (end excluded)"
    assert desc.get("id") == "report-chart-desc"
    assert desc.text is not None
    assert "Total 450.25 from 2 meetings. Highest: Globex, 300.25." in desc.text
    html_table = parse(chart.table)
    assert html_table.get("id") == "report-chart-table"
    caption = html_table.find("caption")
    assert caption is not None
    assert caption.text == title.text
    assert [th.get("scope") for th in html_table.iter("th")] == ["col"] * 4 + ["row"] * 3
    assert table(chart) == [
        ["Client", "Meetings", "Hours", "Revenue"],
        ["Globex", "1", "1.0", "300.25"],
        ["Acme", "1", "1.0", "150.00"],
        ["Total", "2", "2.0", "450.25"],
    ]


def test_the_markup_passes_a_strict_csp_and_follows_the_page_colours() -> None:
    report = view(ReportGrouping.CLIENT, [client("Globex", "300.25"), client("Acme", "150")])

    chart = revenue_chart(report)

    for markup in (chart.svg, chart.table):
        assert "style" not in markup
        assert "script" not in markup
        assert not re.search(r"\son\w+=", markup)  # no event handler attributes
        assert not re.search(r"#[0-9a-fA-F]{3,6}\b|rgb\(", markup)  # no fixed colour
    colours = {
        value
        for element in parse(chart.svg).iter()
        for name, value in element.attrib.items()
        if name in ("fill", "stroke")
    }
    assert colours == {"currentColor"}
    classes = {element.get("class") for element in parse(chart.svg).iter()} - {None}
    assert {"revenue-chart", "revenue-chart__bar", "revenue-chart__label"} <= classes


def test_the_markup_is_safe_to_insert_in_a_template() -> None:
    report = view(ReportGrouping.CLIENT, [client("<b>Tom & Jerry</b>", "10")])
    chart = revenue_chart(report)
    assert isinstance(chart.svg, Html)
    assert isinstance(chart.table, Html)

    page = Environment(autoescape=True).from_string("{{ chart.svg }}{{ chart.table }}")

    assert page.render(chart=chart) == chart.svg + chart.table  # inserted, not escaped twice
    assert "&lt;b&gt;Tom &amp; Jerry&lt;/b&gt;" in chart.table


@pytest.mark.parametrize(
    "name",
    [
        "<script>alert(1)</script>",
        "Tom & Jerry",
        "\"quoted\" 'single'",
        "</title><svg onload=alert(1)>",
        "&amp; already an entity",
        "bell\x07and\x1bescape",
    ],
)
def test_client_names_are_escaped_everywhere(name: str) -> None:
    report = view(ReportGrouping.CLIENT, [client(name, "10"), client("Other", "5")])

    chart = revenue_chart(report)

    for markup in (chart.svg, chart.table):
        if "<" in name:
            assert name not in markup
        assert "<script" not in markup
        assert "onload" not in markup or "&lt;svg onload" in markup
        parse(markup)  # an unescaped "<" or "&" would break the document
    shown = name.replace("\x07", "\ufffd").replace("\x1b", "\ufffd")
    first = rows(chart)[0]
    tooltip = first.find(f"{SVG}title")
    assert tooltip is not None
    assert tooltip.text == f"{shown}: 10.00, 1 meeting"
    assert table(chart)[1][0] == shown
    if len(shown) <= LABEL_MAX_CELLS:
        assert texts(first, "revenue-chart__label") == shown


def test_a_long_name_is_cut_with_an_ellipsis_and_kept_whole_in_the_tooltip() -> None:
    long = "Globex International Holdings & Partners, Ltd."
    wide = "株式会社とても長い名前の会社です本当に"  # 19 characters, 38 cells
    report = view(ReportGrouping.CLIENT, [client(long, "20"), client(wide, "10")])

    chart = revenue_chart(report)

    first, second = rows(chart)
    label = texts(first, "revenue-chart__label")
    assert label.endswith("…")
    assert long.startswith(label[:-1])
    assert len(label) <= LABEL_MAX_CELLS
    assert first.find(f"{SVG}title").text.startswith(long + ":")  # type: ignore[union-attr]
    cut = texts(second, "revenue-chart__label")
    assert cut.endswith("…")
    assert 2 * (len(cut) - 1) + 1 <= LABEL_MAX_CELLS
    assert table(chart)[1][0] == long
    assert table(chart)[2][0] == wide


def test_fifty_clients_draw_the_top_ten_and_one_bar_for_the_others() -> None:
    groups = [client(f"Client {n:02d}", f"{1000 - n}.50") for n in range(49)]
    groups.append(client(NO_CLIENT_LABEL, "1", key=None))
    report = view(ReportGrouping.CLIENT, groups)

    chart = revenue_chart(report)

    drawn = rows(chart)
    assert len(drawn) == MAX_CLIENT_BARS + 1
    labels = [texts(row, "revenue-chart__label") for row in drawn]
    assert labels[:MAX_CLIENT_BARS] == [f"Client {n:02d}" for n in range(MAX_CLIENT_BARS)]
    assert labels[-1] == "40 others"
    others = sum((g.totals.revenue for g in groups[MAX_CLIENT_BARS:]), Decimal(0))
    assert texts(drawn[-1], "revenue-chart__value") == f"{others:,.2f}"
    assert sum((bar.totals.revenue for bar in chart.bars), Decimal(0)) == report.total.revenue
    assert chart.bars[-1].folded == 40
    # The table lists the bars' figures (every client's are the report's CSV download).
    listed = table(chart)
    assert len(listed) == 1 + MAX_CLIENT_BARS + 1 + 1
    assert listed[-2] == ["40 others", "40", "40.0", f"{others:,.2f}"]
    assert listed[1][0] == "Client 00"
    assert "revenue-chart__bar--others" in chart.svg


def test_a_long_period_by_month_folds_its_oldest_months() -> None:
    period = Period(datetime(2020, 1, 1, tzinfo=UTC), datetime(2026, 1, 1, tzinfo=UTC))
    groups = [month(f"{y}-{m:02d}", "1") for y in range(2020, 2026) for m in (1, 6)]
    groups += [month(f"2025-{m:02d}", "2") for m in (2, 3, 4, 5, 7, 8, 9, 10, 11, 12)]
    groups.sort(key=lambda g: g.key or "")
    groups += [month(f"2024-{m:02d}", "3") for m in (2, 3, 4, 5, 7, 8, 9, 10, 11, 12)]
    groups += [month(f"2023-{m:02d}", "3") for m in (2, 3, 4, 5, 7, 8, 9, 10, 11, 12)]
    groups.sort(key=lambda g: g.key or "")
    report = view(ReportGrouping.MONTH, groups, period)  # 72 months, 42 of them with meetings

    chart = revenue_chart(report)

    assert len(chart.bars) == MAX_MONTH_BARS
    assert chart.bars[0].label == "Earlier (7 months)"
    assert chart.bars[0].folded == 7
    assert [bar.label for bar in chart.bars[1:]] == [g.label for g in groups[7:]]
    assert sum((bar.totals.revenue for bar in chart.bars), Decimal(0)) == report.total.revenue
    assert len(table(chart)) == 1 + len(groups) + 1


def test_no_meeting_draws_a_message_instead_of_bars() -> None:
    for grouping in (ReportGrouping.MONTH, ReportGrouping.CLIENT, None):
        chart = revenue_chart(view(grouping, []))

        svg = parse(chart.svg)
        assert svg.get("role") == "img"
        assert svg.find(f"{SVG}rect") is None
        assert "No meetings in this period." in chart.svg
        assert chart.bars == ()
        if grouping is not None:
            assert ["No meetings in this period."] in table(chart)
        assert table(chart)[-1] == ["Total", "0", "0.0", "0.00"]


def test_meetings_without_revenue_draw_empty_bars_on_a_zero_axis() -> None:
    report = view(ReportGrouping.CLIENT, [client("Acme", "0", 3), client("Globex", "0.00")])

    chart = revenue_chart(report)

    assert bar_widths(chart) == [0, 0]
    assert [texts(row, "revenue-chart__value") for row in rows(chart)] == ["0.00", "0.00"]
    ticks = parse(chart.svg).findall(f"{SVG}g[@class='revenue-chart__axis']/{SVG}text")
    assert [tick.text for tick in ticks] == ["0"]


def test_one_bar_fills_the_plot_and_an_ungrouped_report_is_one_total_bar() -> None:
    one = revenue_chart(view(ReportGrouping.CLIENT, [client("Acme", "80")]))
    total = revenue_chart(view(None, [client("Acme", "60"), client("Globex", "20")]))

    for chart in (one, total):
        assert len(rows(chart)) == 1
        assert texts(rows(chart)[0], "revenue-chart__value") == "80.00"
        ticks = parse(chart.svg).findall(f"{SVG}g[@class='revenue-chart__axis']/{SVG}text")
        assert [tick.text for tick in ticks] == ["0", "20", "40", "60", "80"]
    assert texts(rows(total)[0], "revenue-chart__label") == "Total"
    assert table(total) == [
        ["Period", "Meetings", "Hours", "Revenue"],
        ["Total", "2", "2.0", "80.00"],
    ]


def test_huge_and_tiny_amounts_keep_every_digit_and_stay_inside_the_picture() -> None:
    huge = [client(f"Big {n}", "999999999999.99", 1000) for n in range(3)]  # 1e9 a meeting
    tiny = [client("Small", "0.01"), client("Smaller", "0.00")]
    for groups, axis in (
        (huge, ["0", "200B", "400B", "600B", "800B", "1T"]),
        (tiny, ["0", "0.01"]),
    ):
        chart = revenue_chart(view(ReportGrouping.CLIENT, groups))

        svg = parse(chart.svg)
        ticks = svg.findall(f"{SVG}g[@class='revenue-chart__axis']/{SVG}text")
        assert [tick.text for tick in ticks] == axis
        width = Decimal(svg.get("viewBox", "").split()[2])
        for row in rows(chart):
            value = row.find(f"{SVG}text[@class='revenue-chart__value']")
            assert value is not None
            assert value.text is not None
            assert Decimal(value.get("x", "")) + Decimal("7.2") * len(value.text) <= width
    assert texts(rows(revenue_chart(view(ReportGrouping.CLIENT, huge)))[0],
                 "revenue-chart__value") == "999,999,999,999.99"  # fmt: skip


def test_amounts_add_up_exactly() -> None:
    report = view(ReportGrouping.CLIENT, [client("A", "0.10"), client("B", "0.20")])
    assert table(revenue_chart(report))[-1][-1] == "0.30"  # 0.1 + 0.2 in binary is not


def test_ids_must_be_safe_tokens() -> None:
    report = view(ReportGrouping.MONTH, [month("2026-03", "10")])
    for bad in ("", "1chart", 'x" onload="alert(1)', "a b", "x" * 65):
        with pytest.raises(ValueError, match="chart_id"):
            revenue_chart(report, chart_id=bad)


@given(st.decimals(min_value=Decimal("0.01"), max_value=Decimal("1e15"), places=2))
def test_ticks_are_round_steps_from_zero_past_the_maximum(maximum: Decimal) -> None:
    ticks = nice_ticks(maximum)

    step = ticks[1]
    assert ticks[0] == 0
    assert ticks[-1] >= maximum > ticks[-2]
    assert all(b - a == step for a, b in pairwise(ticks))
    assert 2 <= len(ticks) <= 7
    assert step % Decimal("0.01") == 0
    mantissa = step.scaleb(-step.adjusted()).normalize()
    assert mantissa in {Decimal(1), Decimal(2), Decimal("2.5"), Decimal(5)}
