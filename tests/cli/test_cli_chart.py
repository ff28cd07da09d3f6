"""``report revenue --chart``: the report as terminal bars, each with its figure."""

from __future__ import annotations

import io
from datetime import UTC, datetime
from decimal import Decimal

import pytest
from rich.cells import cell_len
from rich.console import Console

from application.views import RevenueReportView
from domain.queries import Period
from domain.reports import ReportGrouping, RevenueGroup, RevenueTotals
from entrypoints.cli.chart import RevenueBars

from .conftest import Cli
from .test_cli_book import add_client, add_meeting

PERIOD = ("--from", "2026-01-01", "--to", "2026-03-01")
LONG = "Globex International Holdings & Partners"


def _book(cli: Cli, user: str) -> None:
    add_client(cli, user, "Acme Corp")
    add_client(cli, user, LONG)
    add_client(cli, user, "[bold]Markup[/bold]")
    add_meeting(cli, user, "--client", "Acme Corp", "--at", "2026-01-10T09:00Z",
                "--minutes", "60", "--revenue", "100")  # fmt: skip
    add_meeting(cli, user, "--client", LONG, "--at", "2026-01-20T09:00Z",
                "--minutes", "120", "--revenue", "300.25")  # fmt: skip
    add_meeting(cli, user, "--client", "[bold]Markup[/bold]", "--at", "2026-02-03T09:00Z",
                "--minutes", "30", "--revenue", "50")  # fmt: skip
    add_meeting(cli, user, "--at", "2026-02-04T09:00Z", "--minutes", "45")


def _bars(output: str) -> dict[str, tuple[str, str]]:
    """label -> (bar, figure) for each one-line bar of the chart."""
    found = {}
    for line in output.splitlines():
        head, _, figure = line.rpartition(" ")
        label, _, bar = head.rpartition(" ")
        if bar.strip("█▏▎▍▌▋▊▉#") == "" and figure[:1].isdigit():
            found[label.strip()] = (bar, figure)
    return found


def test_chart_by_client_draws_a_bar_and_the_figure_for_each_client(cli: Cli, user: str) -> None:
    _book(cli, user)

    result = cli("report", "revenue", "--user", user, *PERIOD, "--by", "client", "--chart")

    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0] == "Revenue from 2026-01-01 to 2026-03-01 (end excluded), by client"
    assert lines[-1] == "Total 450.25 from 4 meetings"
    bars = _bars(result.stdout)
    assert bars[LONG][1] == "300.25"
    assert bars["Acme Corp"][1] == "100.00"
    assert bars["[bold]Markup[/bold]"][1] == "50.00"  # user text, not Rich markup
    assert bars["No client"] == ("", "0.00")
    assert len(bars[LONG][0]) > len(bars["Acme Corp"][0]) > len(bars["[bold]Markup[/bold]"][0])
    assert "\x1b" not in result.stdout  # not a terminal: no colour codes


def test_chart_by_month_and_without_grouping(cli: Cli, user: str) -> None:
    _book(cli, user)

    by_month = cli("report", "revenue", "--user", user, *PERIOD, "--by", "month", "--chart")
    total = cli("report", "revenue", "--user", user, *PERIOD, "--chart")
    empty = cli("report", "revenue", "--user", user, "--from", "2020-01-01", "--to",
                "2020-02-01", "--by", "month", "--chart")  # fmt: skip

    assert by_month.exit_code == total.exit_code == empty.exit_code == 0
    assert {label: figure for label, (_, figure) in _bars(by_month.stdout).items()} == {
        "2026-01": "400.25",
        "2026-02": "50.00",
    }
    assert _bars(total.stdout)["Total"][1] == "450.25"
    assert "No meetings in this period." in empty.stdout
    assert "Total 0.00 from 0 meetings" in empty.stdout


@pytest.mark.parametrize("columns", [40, 20])
def test_a_narrow_terminal_cuts_labels_never_figures(
    cli: Cli, user: str, monkeypatch: pytest.MonkeyPatch, columns: int
) -> None:
    _book(cli, user)
    monkeypatch.setenv("COLUMNS", str(columns))

    result = cli("report", "revenue", "--user", user, *PERIOD, "--by", "client", "--chart")

    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert all(cell_len(line) <= columns for line in lines)
    cut = next(line for line in lines if line.startswith("Globex"))
    assert "… " in cut if columns == 40 else cut.endswith("…")  # 20: the bar goes below
    for figure in ("300.25", "100.00", "50.00", "0.00"):
        assert any(line.endswith(" " + figure) or line == figure for line in lines)


def test_no_color_keeps_the_bars(cli: Cli, user: str, monkeypatch: pytest.MonkeyPatch) -> None:
    _book(cli, user)
    monkeypatch.setenv("FORCE_COLOR", "1")  # as if on a terminal

    coloured = cli("report", "revenue", "--user", user, *PERIOD, "--by", "client", "--chart")
    monkeypatch.setenv("NO_COLOR", "1")
    plain = cli("report", "revenue", "--user", user, *PERIOD, "--by", "client", "--chart")

    assert "\x1b[36m" in coloured.stdout  # the bars are cyan on a colour terminal
    assert "\x1b[36m" not in plain.stdout
    assert "█" in plain.stdout
    assert "300.25" in plain.stdout


def _report(*amounts: str) -> RevenueReportView:
    groups = [
        RevenueGroup(f"k{n}", f"Client {n}", RevenueTotals(Decimal(amount), 60, 1))
        for n, amount in enumerate(amounts)
    ]
    period = Period(datetime(2026, 1, 1, tzinfo=UTC), datetime(2027, 1, 1, tzinfo=UTC))
    total = RevenueTotals.sum(group.totals for group in groups)
    return RevenueReportView(period, ReportGrouping.CLIENT, total, groups)


def _render(report: RevenueReportView, width: int, encoding: str = "utf-8") -> list[str]:
    buffer = io.BytesIO()
    out = io.TextIOWrapper(buffer, encoding=encoding)
    Console(file=out, width=width, color_system=None).print(RevenueBars(report))
    out.flush()
    return buffer.getvalue().decode(encoding).splitlines()


def test_bars_are_proportional_in_eighths_and_a_small_amount_still_shows() -> None:
    lines = _render(_report("800", "400", "0.01", "0"), width=60)

    bars = _bars("\n".join(lines))
    room = len(bars["Client 0"][0])
    assert len(bars["Client 1"][0]) == room // 2
    assert bars["Client 2"][0] == "▏"  # a cent is still visible against 800
    assert bars["Client 3"][0] == ""
    assert all(cell_len(line) <= 60 for line in lines)


def test_huge_amounts_keep_every_digit_and_ascii_terminals_get_hashes() -> None:
    lines = _render(_report("999999999999.99", "1.50"), width=50, encoding="ascii")

    bars = _bars("\n".join(lines))
    assert bars["Client 0"][1] == "999,999,999,999.99"
    assert set(bars["Client 0"][0]) == {"#"}
    assert bars["Client 1"] == ("#", "1.50")
