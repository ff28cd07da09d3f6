"""``clientbook export meetings``: the HTTP export's CSV, to a file or standard output."""

from __future__ import annotations

import contextlib
import io
import os
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, BinaryIO

import typer

from entrypoints.cli.help import Command, new_app
from entrypoints.cli.options import FromOption, ToOption, UserOption
from entrypoints.cli.runtime import CliError, find_user, runtime

if TYPE_CHECKING:
    from container import Container


def build() -> typer.Typer:
    app = new_app("Export a user's data as CSV.")

    @app.command("meetings", cls=Command)
    def meetings(
        ctx: typer.Context,
        user: UserOption,
        starts_from: FromOption = None,
        starts_before: ToOption = None,
        out: Annotated[
            Path | None,
            typer.Option(
                "--out",
                "-o",
                metavar="FILE.csv",
                dir_okay=False,
                writable=True,
                help="Write here instead of standard output.",
            ),
        ] = None,
    ) -> None:
        """Meetings, oldest first, as CSV (UTF-8, RFC 4180), streamed a page at a time."""
        from rich.markup import escape

        from domain.queries import MeetingFilter
        from entrypoints.cli.render import count

        rt = runtime(ctx)

        async def work(container: Container) -> int:
            owner = await find_user(container, user)
            meeting_filter = MeetingFilter(
                owner.id, starts_from=starts_from, starts_before=starts_before
            )
            with _sink(out) as sink:
                rows = 0
                async for chunk in container.export_meetings().execute(meeting_filter):
                    sink.write(chunk.encode("utf-8"))
                    rows += chunk.rows
            return rows

        try:
            exported = rt.run(work)
        except BrokenPipeError:
            # The reader went away (``| head``): stop quietly, as Unix tools do.
            _silence_stdout()
            raise typer.Exit(0) from None
        if out is not None:
            rt.err.print(f"[green]Exported[/] {count(exported, 'meeting')} to {escape(str(out))}")

    return app


@contextlib.contextmanager
def _sink(out: Path | None) -> Iterator[BinaryIO]:
    """Standard output, or ``out`` written beside itself and moved in place on success."""
    if out is None:
        sys.stdout.flush()
        yield sys.stdout.buffer
        sys.stdout.buffer.flush()
        return
    partial = out.with_name(f".{out.name}.partial")
    try:
        handle = partial.open("wb")
    except OSError as error:
        raise CliError(f"cannot write {out}: {error.strerror or error}") from None
    try:
        yield handle
        handle.close()
        os.replace(partial, out)
    except OSError as error:
        raise CliError(f"cannot write {out}: {error.strerror or error}") from None
    finally:
        handle.close()
        partial.unlink(missing_ok=True)


def _silence_stdout() -> None:
    """Point stdout at /dev/null so the interpreter's final flush does not fail again."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError, io.UnsupportedOperation):
        return
