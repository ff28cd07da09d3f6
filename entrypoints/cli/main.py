"""The ``clientbook`` program: every command group on one Typer app."""

from __future__ import annotations

from collections.abc import Callable

import typer

from container import Container
from entrypoints.cli import clients, export, imports, meetings, operations, report, users
from entrypoints.cli.runtime import Runtime


def build_app(make_container: Callable[[], Container] = Container) -> typer.Typer:
    """The command line, on containers made by ``make_container`` (one per invocation)."""
    app = typer.Typer(
        name="clientbook",
        help="Clientbook: clients, contacts, meetings and revenue, from the command line.",
        no_args_is_help=True,
        pretty_exceptions_show_locals=False,  # locals may hold passwords and keys
        context_settings={"help_option_names": ["-h", "--help"]},
    )

    @app.callback()
    def root(ctx: typer.Context) -> None:
        """Settings come from CLIENTBOOK_* environment variables (and ./.env)."""
        if ctx.obj is None:
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
