"""The ``clientbook`` program: every command group on one Typer app.

Nothing heavy is imported to build it: the container (and with it SQLAlchemy, FastAPI,
pydantic) is imported when a command first needs it, so ``--help`` answers at once
(``tests/cli/test_cli_help.py`` checks which modules ``--help`` loads).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

import typer

from entrypoints.cli import clients, export, imports, meetings, operations, report, users
from entrypoints.cli.runtime import Runtime

if TYPE_CHECKING:
    from container import Container


def build_app(make_container: Callable[[], Container] | None = None) -> typer.Typer:
    """The command line, on containers made by ``make_container`` (one per invocation;
    by default ``Container``, reading the ``CLIENTBOOK_*`` settings)."""
    app = typer.Typer(
        name="clientbook",
        help="Clientbook: clients, contacts, meetings and revenue, from the command line.",
        no_args_is_help=True,
        rich_markup_mode=None,
        pretty_exceptions_show_locals=False,  # locals may hold passwords and keys
        context_settings={"help_option_names": ["-h", "--help"]},
    )

    @app.callback()
    def root(ctx: typer.Context) -> None:
        """Settings come from CLIENTBOOK_* environment variables (and ./.env)."""
        if not isinstance(ctx.obj, Runtime):
            ctx.obj = Runtime(make_container)

    operations.register_serve(app)
    app.add_typer(operations.build_db(), name="db")
    app.add_typer(users.build(), name="users")
    app.add_typer(clients.build(), name="clients")
    app.add_typer(meetings.build(), name="meetings")
    app.add_typer(report.build(), name="report")
    app.add_typer(imports.build(), name="import")
    app.add_typer(export.build(), name="export")
    operations.register_demo(app)
    return app


def run() -> None:
    """Console-script entry point."""
    build_app()(prog_name="clientbook")
