"""Running the installation: ``serve``, ``db upgrade``/``db current`` and ``demo``."""

from __future__ import annotations

import errno
import os
import socket
from typing import TYPE_CHECKING, Annotated

import typer

from entrypoints.cli.help import Command, new_app
from entrypoints.cli.options import UserOption
from entrypoints.cli.runtime import EXIT_USAGE, CliError, Runtime, find_user, runtime

if TYPE_CHECKING:
    from application.demo import DemoBookReport
    from container import Container


def _is_memory(rt: Runtime) -> bool:
    return bool(rt.container.settings().persistence == "memory")


async def _upgrade(container: Container) -> str | None:
    return await container.migrator().upgrade()


async def _current_and_head(container: Container) -> tuple[str | None, str | None]:
    migrator = container.migrator()
    return await migrator.current(), await migrator.head()


def build_db() -> typer.Typer:
    app = new_app("Database schema migrations.")

    @app.command("upgrade", cls=Command)
    def upgrade(ctx: typer.Context) -> None:
        """Apply every pending migration."""
        rt = runtime(ctx)
        rt.settings_check()
        if _is_memory(rt):
            rt.out.print("In-memory storage has no schema; nothing to migrate.")
            return
        revision = rt.run(_upgrade)
        rt.out.print(f"[green]Database is up to date[/] (revision {revision or 'none'}).")

    @app.command("current", cls=Command)
    def current(ctx: typer.Context) -> None:
        """Show the database's schema revision."""
        rt = runtime(ctx)
        rt.settings_check()
        if _is_memory(rt):
            rt.out.print("In-memory storage has no schema revision.")
            return
        revision, head = rt.run(_current_and_head)
        if not revision:
            rt.out.print("No migration applied yet (empty database): run clientbook db upgrade.")
        elif revision == head:
            rt.out.print(f"{revision} (up to date)")
        else:
            rt.out.print(f"{revision} (behind {head}: run clientbook db upgrade)")

    return app


def register_serve(app: typer.Typer) -> None:
    @app.command("serve", cls=Command)
    def serve(
        ctx: typer.Context,
        host: Annotated[
            str, typer.Option(metavar="HOST", help="Interface to listen on.")
        ] = "127.0.0.1",
        port: Annotated[
            int, typer.Option(min=0, max=65535, metavar="PORT", help="TCP port.")
        ] = 8000,
        workers: Annotated[
            int, typer.Option(min=1, max=128, metavar="N", help="Worker processes.")
        ] = 1,
        reload: Annotated[
            bool, typer.Option("--reload", help="Restart on code changes (development).")
        ] = False,
    ) -> None:
        """Apply pending migrations, then serve the HTTP API with uvicorn."""
        rt = runtime(ctx)
        # Unknown variables are logged by the app as each worker starts (any server).
        rt.settings_check(warn_unknown=False)
        if workers > 1 and reload:
            raise typer.BadParameter(
                "--reload runs one worker; drop --workers", param_hint="--workers"
            )
        if workers > 1 or reload:
            rt.guard(lambda: _share_settings(rt, workers))
        rt.guard(lambda: _check_port_free(host, port))
        if not _is_memory(rt):
            revision = rt.run(_upgrade)
            rt.err.print(f"Database schema up to date (revision {revision}).")
        # Imported here: the other commands need no web stack.
        from entrypoints.http.server import serve as run_server

        rt.err.print(
            f"Serving Clientbook on http://{host}:{port}/ (the API under /api/v1, docs at /docs)"
        )
        log_level = rt.container.settings().log_level.lower()
        run_server(host=host, port=port, workers=workers, reload=reload, log_level=log_level)


def _check_port_free(host: str, port: int) -> None:
    """Fail now, with what to do, if the address is taken (uvicorn would only say so
    after the banner); uvicorn binds it again right after this check."""
    try:
        family, kind, proto, _, address = socket.getaddrinfo(
            host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE
        )[0]
    except socket.gaierror:
        raise CliError(
            f"--host {host}: no such interface or host name", exit_code=EXIT_USAGE
        ) from None
    with socket.socket(family, kind, proto) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as uvicorn binds
        try:
            probe.bind(address)
        except OSError as error:
            if error.errno == errno.EADDRINUSE:
                raise CliError(
                    f"port {port} on {host} is already in use (another server?): stop it, "
                    "or choose another with --port"
                ) from None
            raise CliError(f"cannot listen on {host}:{port}: {error.strerror}") from None


def _share_settings(rt: Runtime, workers: int) -> None:
    """Worker processes build their own container from the environment: make them agree.

    The secret key is resolved (or generated once) here, before any worker starts, and
    handed down in the environment, so every worker signs and checks tokens alike.
    """
    if workers > 1 and _is_memory(rt):
        raise CliError(
            "CLIENTBOOK_PERSISTENCE=memory keeps data inside one process; "
            "use --workers 1 or a database",
            exit_code=EXIT_USAGE,
        )
    try:
        secret = rt.container.secret_key()
    except OSError as error:
        flag = f"--workers {workers}" if workers > 1 else "--reload"
        raise CliError(
            f"{flag} needs one secret key shared by every worker process: set "
            f"CLIENTBOOK_SECRET_KEY, or CLIENTBOOK_SECRET_KEY_FILE to a writable path "
            f"({error.strerror or error})",
            exit_code=EXIT_USAGE,
        ) from None
    os.environ["CLIENTBOOK_SECRET_KEY"] = secret


def register_demo(app: typer.Typer) -> None:
    @app.command("demo", cls=Command)
    def demo(
        ctx: typer.Context,
        user: UserOption,
        clients: Annotated[
            int, typer.Option(min=1, max=1000, metavar="N", help="How many clients.")
        ] = 36,
        seed: Annotated[int, typer.Option(metavar="N", help="Same seed, same book.")] = 42,
    ) -> None:
        """Fill a user's book with realistic clients, contacts and a year of meetings."""
        from application.demo import FillDemoBookCommand
        from entrypoints.cli.render import count

        rt = runtime(ctx)

        async def work(container: Container) -> DemoBookReport:
            owner = await find_user(container, user)
            command = FillDemoBookCommand(owner_id=owner.id, seed=seed, clients=clients)
            return await container.fill_demo_book().execute(command)

        report = rt.run(work)
        skipped = (
            f" ({count(report.clients_skipped, 'client')} already there, skipped)"
            if report.clients_skipped
            else ""
        )
        rt.out.print(
            f"[green]Demo book filled:[/] {count(report.clients_added, 'client')} and "
            f"{count(report.meetings_added, 'meeting')} added{skipped}."
        )
