"""``clientbook import clients``: a CSV file into a user's book, in one transaction.

Exit codes: 0 when the file was processed and every row, or at least one, was imported
(or would be, with ``--dry-run``), or the file held no rows; 1 when the file cannot be
read as a clients CSV (nothing is imported) or when it held rows and all were rejected.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from entrypoints.cli.help import Command, new_app
from entrypoints.cli.options import UserOption
from entrypoints.cli.runtime import EXIT_FAILURE, find_user, runtime

if TYPE_CHECKING:
    from application.clients import ImportReport
    from container import Container
    from entrypoints.csv_clients import ClientCsv


def build() -> typer.Typer:
    app = new_app("Import data from CSV files.")

    @app.command("clients", cls=Command)
    def clients(
        ctx: typer.Context,
        file: Annotated[
            Path,
            typer.Argument(
                metavar="FILE.csv",
                exists=True,
                dir_okay=False,
                readable=True,
                help="UTF-8 CSV with a header: name,company,notes,contacts.",
            ),
        ],
        user: UserOption,
        dry_run: Annotated[
            bool, typer.Option("--dry-run", help="Check every row; save nothing.")
        ] = False,
        batch_size: Annotated[
            int, typer.Option(min=1, max=10_000, hidden=True, help="Clients per batch.")
        ] = 500,
    ) -> None:
        """Import clients; each bad row is reported with its line number and reason."""
        from rich.markup import escape
        from rich.progress import (
            BarColumn,
            DownloadColumn,
            Progress,
            TaskProgressColumn,
            TextColumn,
            TimeRemainingColumn,
        )

        from application.clients import ImportClientsCommand
        from entrypoints.cli.render import count
        from entrypoints.cli.runtime import CliError
        from entrypoints.csv_clients import ClientCsv, UnreadableCsv

        rt = runtime(ctx)
        progress = Progress(
            TextColumn("[bold]Importing[/]" if not dry_run else "[bold]Checking[/]"),
            BarColumn(),
            TaskProgressColumn(),
            DownloadColumn(),
            TextColumn("{task.fields[rows]:,} rows"),
            TimeRemainingColumn(),
            console=rt.err,
            transient=True,
            disable=not rt.err.is_terminal,
        )

        async def work(container: Container) -> tuple[ImportReport, ClientCsv]:
            owner = await find_user(container, user)
            with ClientCsv(file) as source, progress:
                task = progress.add_task("import", total=source.size or 1, rows=0)
                source.on_progress = lambda done, rows: progress.update(
                    task, completed=done, rows=rows
                )
                command = ImportClientsCommand(
                    owner_id=owner.id,
                    drafts=source.drafts(),
                    dry_run=dry_run,
                    batch_size=batch_size,
                )
                try:
                    report = await container.import_clients().execute(command)
                except UnreadableCsv as error:
                    raise CliError(error.message) from None
            return report, source

        report, source = rt.run(work)
        rejected = sorted([*source.problems, *report.rejected], key=lambda row: row.line)
        for row in rejected:
            rt.out.print(f"[red]line {row.line}:[/] {escape(row.reason)}", soft_wrap=True)
        verb = "would be imported (dry run: nothing was saved)" if dry_run else "imported"
        style = "yellow" if rejected else "green"
        rt.out.print(
            f"[{style}]{count(source.rows, 'row')} read: {report.imported:,} {verb}, "
            f"{len(rejected):,} rejected.[/]"
        )
        if rejected and report.imported == 0:
            raise typer.Exit(EXIT_FAILURE)

    return app
