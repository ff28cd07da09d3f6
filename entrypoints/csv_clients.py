"""Reading a clients CSV as a stream of drafts for the ``ImportClients`` use case.

Shared by the command line (``clientbook import clients``) and the web app's import page,
so both accept the same files and report the same lines with the same reasons.

Format: UTF-8 (a byte-order mark is tolerated), a header row naming the columns —
``name`` (required), ``company``, ``notes``, ``contacts`` — in any order and any case.
Rows are read one at a time; nothing holds the whole file. Rows the reader itself cannot
turn into a draft (too many cells, a malformed contacts cell) are collected in
``problems`` with their line numbers; the use case reports the rest.
"""

from __future__ import annotations

import csv
from collections.abc import Callable, Iterator
from pathlib import Path
from types import TracebackType
from typing import BinaryIO, Self

from application.clients import ClientDraft, RejectedRow
from entrypoints.cli.parsing import SpecError, parse_contacts_cell

COLUMNS = ("name", "company", "notes", "contacts")
PROGRESS_EVERY = 200  # rows between progress updates


class UnreadableCsv(ValueError):
    """The file cannot be read as a clients CSV at all; nothing is imported."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class ClientCsv:
    """One pass over a clients CSV. Use as a context manager; iterate ``drafts()`` once."""

    def __init__(
        self,
        source: Path | BinaryIO,
        on_progress: Callable[[int, int], None] | None = None,
    ) -> None:
        """``source``: a file's path, or a binary stream read from where it stands."""
        if isinstance(source, Path):
            self.size = source.stat().st_size
            self._raw: BinaryIO = source.open("rb")
            self._owned = True
        else:
            self.size = 0
            self._raw = source
            self._owned = False
        self.rows = 0  # data rows seen, blank lines excluded
        self.problems: list[RejectedRow] = []
        self.on_progress = on_progress
        self._done = 0  # bytes read so far

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._owned:
            self._raw.close()

    def drafts(self) -> Iterator[ClientDraft]:
        reader = csv.reader(self._lines(), strict=True)
        last_line = 0
        columns: dict[str, int] | None = None
        while True:
            try:
                cells = next(reader)
            except StopIteration:
                break
            except csv.Error as error:
                raise UnreadableCsv(
                    f"line {last_line + 1}: unreadable CSV ({error}); nothing was imported"
                ) from None
            line, last_line = last_line + 1, reader.line_num
            if columns is None:
                columns = _header(cells, line)
                continue
            if not any(cell.strip() for cell in cells):
                continue  # blank lines are not rows
            self.rows += 1
            if self.on_progress is not None and self.rows % PROGRESS_EVERY == 0:
                self.on_progress(self._done, self.rows)
            draft = self._draft(cells, columns, line)
            if draft is not None:
                yield draft
        if columns is None:
            raise UnreadableCsv(
                "the file is empty: the first line must be a header such as name,company"
            )
        if self.on_progress is not None:
            self.on_progress(self.size, self.rows)

    def _lines(self) -> Iterator[str]:
        """Decode line by line: a bad byte is pinned to its line, and progress is exact.

        Splitting the bytes at ``\\n`` is safe in UTF-8, where that byte never occurs
        inside a multi-byte character.
        """
        for number, raw in enumerate(self._raw, start=1):
            self._done += len(raw)
            try:
                text = raw.decode("utf-8")
            except UnicodeDecodeError:
                raise UnreadableCsv(
                    f"line {number}: the file is not valid UTF-8; nothing was imported"
                ) from None
            yield text.removeprefix("\ufeff") if number == 1 else text

    def _draft(self, cells: list[str], columns: dict[str, int], line: int) -> ClientDraft | None:
        width = len(columns)
        if len(cells) > width:
            self.problems.append(
                RejectedRow(line, f"{len(cells)} cells, but the header names only {width} columns")
            )
            return None

        def cell(column: str) -> str | None:
            index = columns.get(column)
            return cells[index] if index is not None and index < len(cells) else None

        try:
            contacts = parse_contacts_cell(cell("contacts") or "")
        except SpecError as error:
            self.problems.append(RejectedRow(line, f"contacts: {error}"))
            return None
        return ClientDraft(
            line=line,
            name=cell("name") or "",
            company=cell("company"),
            notes=cell("notes"),
            contacts=contacts,
        )


def _header(cells: list[str], line: int) -> dict[str, int]:
    names = [cell.strip().lower() for cell in cells]
    expected = ", ".join(COLUMNS)
    unknown = [name for name in names if name not in COLUMNS]
    if unknown:
        raise UnreadableCsv(
            f"line {line}: unknown column {unknown[0]!r} in the header; the columns are {expected}"
        )
    if len(set(names)) != len(names):
        raise UnreadableCsv(f"line {line}: a column is named twice in the header")
    if "name" not in names:
        raise UnreadableCsv(
            f"line {line}: the header must name a 'name' column (columns: {expected})"
        )
    return {name: index for index, name in enumerate(names)}
