"""``import clients``: good, bad and mixed files, dry runs, and a large file."""

from __future__ import annotations

import random
import time
import tracemalloc
from pathlib import Path

from entrypoints.csv_clients import ClientCsv

from .conftest import Cli

GOOD = (
    "name,company,notes,contacts\r\n"
    "Acme Corp,Acme Holdings,Pays on time,email:ops@acme.example;phone[work]:+44 20 7946 0123\r\n"
    'Globex,,"Two lines\nof notes",other[site]:https://globex.example/a\\;b\r\n'
    "Initech,Initech LLC,,\r\n"
)


def write(tmp_path: Path, text: str, *, name: str = "clients.csv", bom: bool = False) -> str:
    path = tmp_path / name
    path.write_bytes(("\ufeff" if bom else "").encode("utf-8") + text.encode("utf-8"))
    return str(path)


def client_total(cli: Cli, user: str) -> int:
    first_line = cli("clients", "list", "--user", user, "--limit", "1").stdout.splitlines()[0]
    return int(first_line.split()[-2].replace(",", ""))


def test_import_a_good_file_with_a_bom(cli: Cli, user: str, tmp_path: Path) -> None:
    result = cli("import", "clients", write(tmp_path, GOOD, bom=True), "--user", user)
    assert result.exit_code == 0, result.output
    assert "3 rows read: 3 imported, 0 rejected." in result.stdout
    listed = cli("clients", "list", "--user", user)
    assert "3 clients" in listed.stdout
    assert "phone: +44 20 7946 0123 (work)" in listed.stdout
    assert "other: https://globex.example/a;b (site)" in listed.stdout  # \; is a semicolon
    assert "Acme Holdings" in listed.stdout


def test_columns_in_any_order_and_case(cli: Cli, user: str, tmp_path: Path) -> None:
    text = "Contacts, NAME\r\nemail:a@b.example,Solo\r\n,Bare\r\n"
    result = cli("import", "clients", write(tmp_path, text), "--user", user)
    assert result.exit_code == 0, result.output
    assert "2 imported" in result.stdout
    assert "email: a@b.example" in cli("clients", "list", "--user", user).stdout


def test_mixed_file_reports_each_bad_row_by_line(cli: Cli, user: str, tmp_path: Path) -> None:
    assert cli("clients", "add", "Existing Co", "--user", user).exit_code == 0
    text = (
        "name,company,notes,contacts\n"  # line 1
        "Good One,,,email:one@good.example\n"  # 2
        ",No Name Inc,,\n"  # 3: empty name
        "Bad Mail,,,email:nope\n"  # 4: invalid email contact
        '"Multi","Line","note\nspanning\nthree lines",\n'  # 5-7: fine
        "Bad Cell,,,ops@acme.example\n"  # 8: malformed contacts cell
        "good one,,,\n"  # 9: duplicate of line 2 (any case)
        "existing co,,,\n"  # 10: already in the book
        "Too,Many,Cells,,here\n"  # 11: five cells
        "\n"  # 12: blank, ignored
        "Fax,,,fax:12345678\n"  # 13: unknown kind
        "Good Two,,,phone:+1 (555) 0100\n"  # 14
    )
    result = cli("import", "clients", write(tmp_path, text), "--user", user)
    assert result.exit_code == 0, result.output
    reported = [line for line in result.stdout.splitlines() if line.startswith("line ")]
    assert reported == [
        "line 3: name: The name must be 1 to 200 characters long.",
        "line 4: contacts.0.value: An email contact needs a valid address.",
        "line 8: contacts: 'ops@acme.example' is not kind:value or kind[label]:value",
        "line 9: duplicate of an earlier row: 'good one'",
        "line 10: a client named 'existing co' already exists",
        "line 11: 5 cells, but the header names only 4 columns",
        "line 13: contacts.0.kind: Contact kind must be one of: email, phone, other.",
    ]
    assert "10 rows read: 3 imported, 7 rejected." in result.stdout
    assert client_total(cli, user) == 4


def test_dry_run_checks_everything_and_saves_nothing(cli: Cli, user: str, tmp_path: Path) -> None:
    text = GOOD + "Acme Corp,,,\r\n"
    result = cli("import", "clients", write(tmp_path, text), "--user", user, "--dry-run")
    assert result.exit_code == 0, result.output
    assert "line 6: duplicate of an earlier row: 'Acme Corp'" in result.stdout
    assert "3 would be imported (dry run: nothing was saved), 1 rejected" in result.stdout
    assert client_total(cli, user) == 0


def test_a_file_whose_rows_are_all_rejected_exits_1(cli: Cli, user: str, tmp_path: Path) -> None:
    text = "name,contacts\n,email:a@b.example\nX,email:bad\n"
    result = cli("import", "clients", write(tmp_path, text), "--user", user)
    assert result.exit_code == 1
    assert "2 rows read: 0 imported, 2 rejected." in result.stdout
    assert client_total(cli, user) == 0


def test_a_header_only_file_imports_nothing_successfully(
    cli: Cli, user: str, tmp_path: Path
) -> None:
    result = cli("import", "clients", write(tmp_path, "name\n"), "--user", user)
    assert result.exit_code == 0
    assert "0 rows read: 0 imported, 0 rejected." in result.stdout


def test_unusable_files_exit_1_and_import_nothing(cli: Cli, user: str, tmp_path: Path) -> None:
    cases = {
        "": "the file is empty",
        "company,notes\nAcme,x\n": "line 1: the header must name a 'name' column",
        "name,compnay\nAcme,x\n": "line 1: unknown column 'compnay'",
        "name,name\nAcme,x\n": "line 1: a column is named twice",
    }
    for index, (text, message) in enumerate(cases.items()):
        result = cli(
            "import", "clients", write(tmp_path, text, name=f"{index}.csv"), "--user", user
        )
        assert result.exit_code == 1, text
        assert message in result.stderr
        assert "Traceback" not in result.output
    # Rows before a decoding error are not kept either: one transaction, rolled back.
    path = tmp_path / "latin1.csv"
    path.write_bytes(b"name\nFine\nCaf\xe9 Rouge\n")
    latin1 = cli("import", "clients", str(path), "--user", user)
    assert latin1.exit_code == 1
    assert "line 3: the file is not valid UTF-8; nothing was imported" in latin1.stderr
    assert client_total(cli, user) == 0


def test_missing_file_and_unknown_user(cli: Cli, user: str, tmp_path: Path) -> None:
    assert cli("import", "clients", str(tmp_path / "nope.csv"), "--user", user).exit_code == 2
    unknown = cli("import", "clients", write(tmp_path, GOOD), "--user", "x@example.com")
    assert unknown.exit_code == 1
    assert "No user with email" in unknown.stderr


def _large_file(path: Path, rows: int) -> Path:
    rng = random.Random(5)
    with path.open("w", encoding="utf-8", newline="") as handle:
        handle.write("name,company,notes,contacts\r\n")
        for row in range(rows):
            handle.write(
                f"Client {row:06d},Company {rng.randrange(1000)},Imported in bulk; row {row},"
                f"email[work]:client{row}@bulk.example;phone:+44 20 7946 {row % 10000:04d}\r\n"
            )
    return path


def test_the_reader_streams_a_large_file_in_bounded_memory(tmp_path: Path) -> None:
    path = _large_file(tmp_path / "large.csv", 20_000)
    tracemalloc.start()
    try:
        with ClientCsv(path) as source:
            rows = sum(1 for _ in source.drafts())
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert rows == 20_000
    assert source.problems == []
    assert path.stat().st_size > 2_000_000
    assert peak < 500_000  # a few rows and one read buffer, never the file


def test_import_20000_rows_in_one_go(cli: Cli, user: str, tmp_path: Path) -> None:
    path = _large_file(tmp_path / "large.csv", 20_000)
    started = time.perf_counter()
    result = cli("import", "clients", str(path), "--user", user)
    elapsed = time.perf_counter() - started
    assert result.exit_code == 0, result.output
    assert "20,000 rows read: 20,000 imported, 0 rejected." in result.stdout
    assert client_total(cli, user) == 20_000
    assert elapsed < 60
