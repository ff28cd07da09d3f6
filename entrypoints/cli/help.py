"""Help screens as plain as ``git``'s: ``EMAIL``, not ``{email} <str>``; no ``<bool>``.

Typer prints each parameter's Python type in its help, and braces around required
arguments in the usage line. Every command is made with ``cls=Command`` (Typer's
documented way to choose the Click command class) and every app with ``new_app``, so help
shows metavars only: each option that takes a value names one (``--limit N``).
"""

from __future__ import annotations

from typing import Any

import typer
from typer.core import TyperArgument, TyperCommand


def new_app(help: str, **options: Any) -> typer.Typer:
    """A command group with the program's help conventions."""
    return typer.Typer(help=help, no_args_is_help=True, rich_markup_mode=None, **options)


def _argument(param: TyperArgument) -> str:
    name = param.metavar or (param.name or "").upper()
    return name if param.nargs == 1 else f"{name}..."


class Command(TyperCommand):
    """A Typer command whose usage line and argument list show metavars, not types."""

    def collect_usage_pieces(self, ctx: Any) -> list[str]:
        pieces = [self.options_metavar] if self.options_metavar else []
        pieces += [_argument(p) for p in self.get_params(ctx) if isinstance(p, TyperArgument)]
        return pieces

    def format_options(self, ctx: Any, formatter: Any) -> None:
        arguments, options = [], []
        for param in self.get_params(ctx):
            if getattr(param, "hidden", False):
                continue
            if isinstance(param, TyperArgument):
                arguments.append((_argument(param), param.help or ""))
            elif (record := param.get_help_record(ctx)) is not None:
                options.append(record)
        for title, rows in (("Arguments", arguments), ("Options", options)):
            if rows:
                with formatter.section(title):
                    formatter.write_dl(rows)
