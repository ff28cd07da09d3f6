"""Options several commands share, and their parsers (a parse failure is a usage error).

The parsers import what they need when called: help screens load nothing but Typer.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import typer


def instant_option(text: str) -> datetime:
    from entrypoints.cli.parsing import SpecError, parse_instant

    try:
        return parse_instant(text)
    except SpecError as error:
        raise typer.BadParameter(str(error)) from None


def bound_option(text: str) -> datetime:
    from entrypoints.cli.parsing import SpecError, parse_bound

    try:
        return parse_bound(text)
    except SpecError as error:
        raise typer.BadParameter(str(error)) from None


LimitOption = Annotated[int, typer.Option(min=1, max=1000, metavar="N", help="At most N.")]
OffsetOption = Annotated[int, typer.Option(min=0, metavar="N", help="Skip the first N.")]
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
