"""Options several commands share, and their parsers (a parse failure is a usage error)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import typer

from entrypoints.cli.parsing import SpecError, parse_bound, parse_instant


def instant_option(text: str) -> datetime:
    try:
        return parse_instant(text)
    except SpecError as error:
        raise typer.BadParameter(str(error)) from None


def bound_option(text: str) -> datetime:
    try:
        return parse_bound(text)
    except SpecError as error:
        raise typer.BadParameter(str(error)) from None


UserOption = Annotated[
    str, typer.Option("--user", "-u", metavar="EMAIL", help="Whose book: the user's email.")
]
FromOption = Annotated[
    datetime | None,
    typer.Option(
        "--from",
        metavar="DATE",
        parser=bound_option,
        help="Start, inclusive: YYYY-MM-DD (00:00 UTC) or a date and time with an offset.",
    ),
]
ToOption = Annotated[
    datetime | None,
    typer.Option(
        "--to",
        metavar="DATE",
        parser=bound_option,
        help="End, exclusive: YYYY-MM-DD (00:00 UTC) or a date and time with an offset.",
    ),
]
