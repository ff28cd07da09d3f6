"""``clients``, ``meetings``, ``report revenue``, ``export meetings`` and ``demo``."""

from __future__ import annotations

import csv
import io
from pathlib import Path

from application.meetings import EXPORT_HEADER

from .conftest import Cli


def add_client(cli: Cli, user: str, name: str, *extra: str) -> None:
    result = cli("clients", "add", name, "--user", user, *extra)
    assert result.exit_code == 0, result.output


def add_meeting(cli: Cli, user: str, *extra: str) -> None:
    result = cli("meetings", "add", "--user", user, *extra)
    assert result.exit_code == 0, result.output


def test_add_client_with_contacts_then_list(cli: Cli, user: str) -> None:
    result = cli(
        "clients", "add", "Acme Corp", "--user", user, "--company", "Acme Holdings",
        "--contact", "email:ops@acme.example", "--contact", "phone[work]:+44 20 7946 0123",
        "--contact", "other[site]:https://acme.example/contact",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "Added client Acme Corp with 3 contacts" in result.stdout

    listed = cli("clients", "list", "--user", user)
    assert listed.exit_code == 0
    assert "1 client" in listed.stdout
    for text in (
        "Acme Corp",
        "Acme Holdings",
        "email: ops@acme.example",
        "phone: +44 20 7946 0123 (work)",
        "other: https://acme.example/contact",
    ):
        assert text in listed.stdout


def test_list_searches_name_and_company_and_pages(cli: Cli, user: str) -> None:
    add_client(cli, user, "Zeta Labs")
    add_client(cli, user, "Beta Works", "--company", "Zetaworks Group")
    add_client(cli, user, "Gamma")
    found = cli("clients", "list", "--user", user, "--search", "ZETA")
    assert "1-2 of 2 clients" in found.stdout
    assert "Gamma" not in found.stdout
    page = cli("clients", "list", "--user", user, "--limit", "1", "--offset", "1")
    assert "2-2 of 3 clients" in page.stdout
    assert "Gamma" in page.stdout  # by name: Beta Works, Gamma, Zeta Labs
    assert "More with --offset 2" in page.stdout


def test_duplicate_client_name_any_case_exits_1(cli: Cli, user: str) -> None:
    add_client(cli, user, "Straße GmbH")
    result = cli("clients", "add", "STRASSE GMBH", "--user", user)
    assert result.exit_code == 1
    assert result.stderr == "Error: A client with this name already exists.\n"


def test_contacts_malformed_or_invalid(cli: Cli, user: str) -> None:
    malformed = cli("clients", "add", "Acme", "--user", user, "--contact", "ops@acme.example")
    assert malformed.exit_code == 2
    assert "kind:value" in malformed.output
    invalid = cli("clients", "add", "Acme", "--user", user, "--contact", "email:not-an-address")
    assert invalid.exit_code == 1
    assert "contacts.0.value: An email contact needs a valid address." in invalid.stderr
    unknown = cli("clients", "add", "Acme", "--user", user, "--contact", "fax:12345678")
    assert unknown.exit_code == 1
    assert "email, phone, other" in unknown.stderr
    assert "0 clients" in cli("clients", "list", "--user", user).stdout  # all or nothing


def test_meetings_add_and_list(cli: Cli, user: str) -> None:
    add_client(cli, user, "Acme Corp")
    added = cli(
        "meetings", "add", "--user", user, "--client", "acme corp",
        "--at", "2026-03-02T09:30+01:00", "--minutes", "90", "--revenue", "1250.5",
        "--notes", "Kick-off",
    )  # fmt: skip
    assert added.exit_code == 0, added.output
    assert "with Acme Corp at 2026-03-02 08:30 UTC, 90 min, revenue 1,250.50" in added.stdout
    add_meeting(cli, user, "--at", "2026-03-05T10:00Z", "--minutes", "30")

    listed = cli("meetings", "list", "--user", user)
    assert listed.exit_code == 0
    assert "1-2 of 2 meetings" in listed.stdout
    lines = listed.stdout.splitlines()
    newest = next(i for i, line in enumerate(lines) if "2026-03-05 10:00 UTC" in line)
    oldest = next(i for i, line in enumerate(lines) if "2026-03-02 08:30 UTC" in line)
    assert newest < oldest
    assert "Acme Corp" in lines[oldest]
    assert "1,250.50" in lines[oldest]
    assert "Kick-off" in lines[oldest]

    only = cli("meetings", "list", "--user", user, "--client", "ACME CORP")
    assert "1-1 of 1 meeting" in only.stdout
    window = cli("meetings", "list", "--user", user, "--from", "2026-03-03", "--to", "2026-04-01")
    assert "1-1 of 1 meeting" in window.stdout
    assert "2026-03-05" in window.stdout


def test_meeting_errors(cli: Cli, user: str) -> None:
    add_client(cli, user, "Acme Corp")
    unknown = cli(
        "meetings", "add", "--user", user, "--client", "Acme", "--at", "2026-03-02T09:30Z",
        "--minutes", "60",
    )  # fmt: skip
    assert unknown.exit_code == 1  # a substring is not the client's name
    assert unknown.stderr == "Error: No client named 'Acme'.\n"
    naive = cli("meetings", "add", "--user", user, "--at", "2026-03-02T09:30", "--minutes", "60")
    assert naive.exit_code == 2
    assert "no UTC offset" in naive.output
    bare_date = cli("meetings", "add", "--user", user, "--at", "2026-03-02", "--minutes", "60")
    assert bare_date.exit_code == 2
    too_long = cli("meetings", "add", "--user", user, "--at", "2026-03-02T09:30Z", "--minutes", "0")
    assert too_long.exit_code == 1
    assert "between 1 and 1440" in too_long.stderr
    revenue = cli(
        "meetings", "add", "--user", user, "--at", "2026-03-02T09:30Z", "--minutes", "60",
        "--revenue", "-5",
    )  # fmt: skip
    assert revenue.exit_code == 1
    assert "Revenue must be" in revenue.stderr
    assert "0 meetings" in cli("meetings", "list", "--user", user).stdout


def _book(cli: Cli, user: str) -> None:
    add_client(cli, user, "Acme Corp")
    add_client(cli, user, "Globex")
    add_meeting(cli, user, "--client", "Acme Corp", "--at", "2026-01-10T09:00Z",
                "--minutes", "60", "--revenue", "100")  # fmt: skip
    add_meeting(cli, user, "--client", "Globex", "--at", "2026-01-20T09:00Z",
                "--minutes", "120", "--revenue", "300.25")  # fmt: skip
    add_meeting(cli, user, "--client", "Acme Corp", "--at", "2026-02-03T09:00Z",
                "--minutes", "30", "--revenue", "50", "--notes", "=HYPERLINK(\"x\")")  # fmt: skip
    add_meeting(cli, user, "--at", "2026-02-04T09:00Z", "--minutes", "45")
    add_meeting(cli, user, "--at", "2026-03-01T00:00Z", "--minutes", "15", "--revenue", "999")


def _row(output: str, label: str) -> list[str]:
    line = next(line for line in output.splitlines() if f" {label} " in line)
    return [cell.strip() for cell in line.strip("│┃ ").split("│")]


def test_revenue_report_total_by_client_and_by_month(cli: Cli, user: str) -> None:
    _book(cli, user)
    period = ("--from", "2026-01-01", "--to", "2026-03-01")  # the 1 March meeting is out

    total = cli("report", "revenue", "--user", user, *period)
    assert total.exit_code == 0, total.output
    assert "Revenue from 2026-01-01 to 2026-03-01" in total.stdout
    assert _row(total.stdout, "Total") == ["Total", "4", "4.2", "450.25"]

    by_client = cli("report", "revenue", "--user", user, *period, "--by", "client")
    assert by_client.exit_code == 0
    assert _row(by_client.stdout, "Globex") == ["Globex", "1", "2.0", "300.25"]
    assert _row(by_client.stdout, "Acme Corp") == ["Acme Corp", "2", "1.5", "150.00"]
    assert _row(by_client.stdout, "No client") == ["No client", "1", "0.8", "0.00"]
    assert _row(by_client.stdout, "Total") == ["Total", "4", "4.2", "450.25"]

    by_month = cli("report", "revenue", "--user", user, *period, "--by", "month")
    assert _row(by_month.stdout, "2026-01") == ["2026-01", "2", "3.0", "400.25"]
    assert _row(by_month.stdout, "2026-02") == ["2026-02", "2", "1.2", "50.00"]
    assert _row(by_month.stdout, "Total") == ["Total", "4", "4.2", "450.25"]


def test_revenue_report_usage_and_domain_errors(cli: Cli, user: str) -> None:
    assert cli("report", "revenue", "--user", user, "--from", "2026-01-01").exit_code == 2
    bad_by = cli("report", "revenue", "--user", user, "--from", "2026-01-01", "--to",
                 "2026-02-01", "--by", "week")  # fmt: skip
    assert bad_by.exit_code == 2
    bad_date = cli(
        "report", "revenue", "--user", user, "--from", "2026-13-01", "--to", "2027-01-01"
    )
    assert bad_date.exit_code == 2
    backwards = cli(
        "report", "revenue", "--user", user, "--from", "2026-02-01", "--to", "2026-01-01"
    )
    assert backwards.exit_code == 1
    assert "The period must start before it ends." in backwards.stderr


def test_export_to_stdout_is_the_meetings_csv(cli: Cli, user: str) -> None:
    _book(cli, user)
    result = cli("export", "meetings", "--user", user)
    assert result.exit_code == 0, result.output
    assert result.stderr == ""
    assert result.stdout_bytes.count(b"\r\n") == 6
    rows = list(csv.reader(io.StringIO(result.stdout, newline="")))
    assert tuple(rows[0]) == EXPORT_HEADER
    assert [row[2] for row in rows[1:]] == ["Acme Corp", "Globex", "Acme Corp", "", ""]
    assert [row[5] for row in rows[1:]] == ["100.00", "300.25", "50.00", "0.00", "999.00"]
    assert rows[3][6] == '\'=HYPERLINK("x")'  # formulas are neutralised
    assert rows[1][3] == "2026-01-10T09:00:00Z"


def test_export_to_a_file_with_a_period(cli: Cli, user: str, tmp_path: Path) -> None:
    _book(cli, user)
    out = tmp_path / "exports" / "feb.csv"
    out.parent.mkdir()
    result = cli("export", "meetings", "--user", user, "--from", "2026-02-01", "--to",
                 "2026-03-01", "--out", str(out))  # fmt: skip
    assert result.exit_code == 0, result.output
    assert result.stdout == ""
    assert f"Exported 2 meetings to {out}" in result.stderr
    lines = out.read_text(encoding="utf-8").splitlines()
    assert len(lines) == 3
    assert all("2026-02-0" in line for line in lines[1:])
    assert sorted(p.name for p in out.parent.iterdir()) == ["feb.csv"]  # no partial file left


def test_export_refuses_a_backwards_period_without_writing(
    cli: Cli, user: str, tmp_path: Path
) -> None:
    out = tmp_path / "x.csv"
    result = cli("export", "meetings", "--user", user, "--from", "2026-02-01", "--to",
                 "2026-01-01", "--out", str(out))  # fmt: skip
    assert result.exit_code == 1
    assert not out.exists()


def test_demo_fills_a_book_and_can_run_again(cli: Cli, user: str) -> None:
    add_client(cli, user, "Someone Else")
    first = cli("demo", "--user", user, "--clients", "30", "--seed", "7")
    assert first.exit_code == 0, first.output
    assert "30 clients and" in first.stdout
    listed = cli("clients", "list", "--user", user, "--limit", "1000")
    assert "31 clients" in listed.stdout
    assert ".example" in listed.stdout
    meetings = cli("meetings", "list", "--user", user)
    total = int(meetings.stdout.split(" of ")[1].split(" meetings")[0].replace(",", ""))
    assert total >= 30 * 3

    again = cli("demo", "--user", user, "--clients", "30", "--seed", "7")
    assert again.exit_code == 0
    assert "0 clients and 0 meetings added (30 clients already there, skipped)" in again.stdout
    assert "31 clients" in cli("clients", "list", "--user", user).stdout

    report = cli("report", "revenue", "--user", user, "--from", "2000-01-01", "--to",
                 "2100-01-01", "--by", "month")  # fmt: skip
    assert report.exit_code == 0
    assert len([line for line in report.stdout.splitlines() if "-" in line[:12]]) >= 1


def test_user_text_is_shown_as_typed_never_as_markup(cli: Cli, user: str) -> None:
    name = "[bold]Brackets[/] & Co [/]"
    added = cli("clients", "add", name, "--user", user, "--notes", "[red]not red[/red]")
    assert added.exit_code == 0, added.output
    assert f"Added client {name} with 0 contacts" in added.stdout
    listed = cli("clients", "list", "--user", user)
    assert listed.exit_code == 0
    assert name in listed.stdout
    assert "[red]not red[/red]" in listed.stdout
    add_meeting(cli, user, "--client", name, "--at", "2026-01-05T10:00Z", "--minutes", "60",
                "--notes", "[/]")  # fmt: skip
    meetings = cli("meetings", "list", "--user", user)
    assert name in meetings.stdout
    report = cli("report", "revenue", "--user", user, "--from", "2026-01-01", "--to",
                 "2026-02-01", "--by", "client")  # fmt: skip
    assert name in report.stdout


def test_export_to_a_folder_that_does_not_exist_exits_1(
    cli: Cli, user: str, tmp_path: Path
) -> None:
    out = tmp_path / "missing" / "m.csv"
    result = cli("export", "meetings", "--user", user, "--out", str(out))
    assert result.exit_code == 1
    assert result.stderr.startswith(f"Error: cannot write {out}: ")
    assert "Traceback" not in result.output
