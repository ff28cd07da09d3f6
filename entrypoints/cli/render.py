"""How values look in a terminal."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

from rich.text import Text

from application.views import ContactView


def plain(text: str | None) -> Text:
    """User data for a table cell: shown as typed, never read as Rich markup."""
    return Text(text or "")


def money(amount: Decimal) -> str:
    return f"{amount:,.2f}"


def instant(moment: datetime) -> str:
    """UTC, to the minute: what the book stores, without sub-second noise."""
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")


def day(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%d")


def contact(view: ContactView) -> str:
    label = f" ({view.label})" if view.label else ""
    return f"{view.kind}: {view.value}{label}"


def count(number: int, noun: str) -> str:
    return f"{number:,} {noun}{'' if number == 1 else 's'}"
