"""What every command shares: the container, the consoles, and how failures end a run.

Each command runs its use cases inside one ``asyncio.run`` and closes the storage at the
end, so a command is a self-contained program, like one request of the HTTP API.
Expected failures end the run with one red line and an exit code, never a traceback.
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from functools import cached_property
from typing import TYPE_CHECKING, Any, NoReturn, TypeVar
from urllib.parse import urlsplit

import typer

from domain.errors import DomainError, InvalidInput, StorageProblem, StorageUnavailable

if TYPE_CHECKING:
    from rich.console import Console

    from application.views import UserView
    from container import Container

T = TypeVar("T")

EXIT_FAILURE = 1  # a domain error: the request was understood and refused
EXIT_USAGE = 2  # bad arguments or configuration: Click's own code for usage errors

STORAGE_HINT = "(check CLIENTBOOK_DATABASE_URL, and that `clientbook db upgrade` has run)"


class CliError(Exception):
    """A failure the command line detects itself (a bad file, a refused option)."""

    def __init__(self, message: str, *, exit_code: int = EXIT_FAILURE) -> None:
        super().__init__(message)
        self.message = message
        self.exit_code = exit_code


def describe_storage(error: StorageUnavailable, database_url: str) -> str:
    """What is wrong with the database and what to do about it, in one line."""
    url = urlsplit(database_url)
    host, port, name = url.hostname or "localhost", url.port or 5432, url.path.lstrip("/")
    if url.scheme.startswith("sqlite"):
        where = f"the SQLite file {database_url.split(':///', 1)[-1]}"
    else:
        where = f"database {name!r} on {host}:{port}"
    if error.problem is StorageProblem.REFUSED:
        return (
            f"nothing accepts connections at {host}:{port}: start PostgreSQL there, or fix "
            "the host and port in CLIENTBOOK_DATABASE_URL"
        )
    if error.problem is StorageProblem.UNKNOWN_HOST:
        return f"the database host {host!r} is unknown: fix the host in CLIENTBOOK_DATABASE_URL"
    if error.problem is StorageProblem.AUTH_FAILED:
        return (
            f"PostgreSQL on {host}:{port} refused the user {url.username or ''!r}: check the "
            "user and password in CLIENTBOOK_DATABASE_URL"
        )
    if error.problem is StorageProblem.MISSING_DATABASE:
        if url.scheme.startswith("sqlite"):
            return (
                f"cannot open {where}: create its folder (or fix CLIENTBOOK_DATABASE_URL), "
                "then run `clientbook db upgrade`"
            )
        return (
            f"{where} does not exist: create it (createdb -h {host} -p {port} {name}), "
            "then run `clientbook db upgrade`"
        )
    if error.problem is StorageProblem.NO_SCHEMA:
        return f"{where} has no tables yet: run `clientbook db upgrade`"
    if error.problem is StorageProblem.TIMEOUT:
        return (
            f"{where} did not answer in time: check that it is running and reachable "
            "(CLIENTBOOK_DB_CONNECT_TIMEOUT sets how long to wait)"
        )
    return f"{error.message} {STORAGE_HINT}"


def describe(error: DomainError) -> str:
    """One line for a domain error, naming the offending input when the message does not."""
    if isinstance(error, InvalidInput) and error.field and error.field not in error.message:
        return f"{error.field}: {error.message}"
    return error.message


class Runtime:
    """Per-invocation state, kept in Click's context object.

    ``make_container`` is ``Container`` in production (imported on first use, so help
    screens load no adapter); tests pass a factory returning a container they prepared
    (in-memory storage lives per container).
    """

    def __init__(self, make_container: Callable[[], Container] | None = None) -> None:
        self._make_container = make_container
        self._container: Container | None = None
        self._checked = False

    @cached_property
    def out(self) -> Console:
        from rich.console import Console

        return Console(highlight=False, soft_wrap=True)

    @cached_property
    def err(self) -> Console:
        from rich.console import Console

        return Console(stderr=True, highlight=False, soft_wrap=True)

    def _say(self, label: str, message: str) -> None:
        from rich.markup import escape

        self.err.print(f"{label} {escape(message)}", soft_wrap=True)

    @property
    def container(self) -> Container:
        if self._container is None:
            if self._make_container is None:
                from container import Container

                self._make_container = Container
            self._container = self._make_container()
        return self._container

    def fail(self, message: str, exit_code: int = EXIT_FAILURE) -> NoReturn:
        self._say("[bold red]Error:[/]", message)
        raise typer.Exit(exit_code)

    def guard(self, action: Callable[[], T]) -> T:
        """Run ``action``, turning expected failures into a message and an exit code."""
        from config import ConfigurationError

        try:
            return action()
        except ConfigurationError as error:
            for problem in error.problems[:-1]:
                self._say("[bold red]Error:[/]", problem)
            self.fail(error.problems[-1] if error.problems else str(error), EXIT_USAGE)
        except CliError as error:
            self.fail(error.message, error.exit_code)
        except StorageUnavailable as error:
            self.fail(describe_storage(error, self.container.settings().database_url))
        except DomainError as error:
            self.fail(describe(error))
        except KeyboardInterrupt:
            self.err.print("[yellow]Interrupted.[/]")
            raise typer.Exit(130) from None

    def settings_check(self, *, warn_unknown: bool = True) -> None:
        """Read the configuration now, so a bad variable fails before any work starts;
        warn (once) about ``CLIENTBOOK_*`` variables that are no setting, unless the
        caller leaves that to the server's log (``serve``)."""
        from config import unknown_variables

        if not self._checked:
            self._checked = True
            for warning in unknown_variables() if warn_unknown else ():
                self._say("[bold yellow]Warning:[/]", warning)
        self.guard(lambda: self.container.settings())

    def run(self, work: Callable[[Container], Coroutine[Any, Any, T]]) -> T:
        """Run one async unit of work against the container, then close the storage."""
        import asyncio

        self.settings_check()
        container = self.container

        async def main() -> T:
            try:
                return await work(container)
            finally:
                await container.storage().close()

        return self.guard(lambda: asyncio.run(main()))


async def find_user(container: Container, email: str) -> UserView:
    """``--user EMAIL``: an unknown address is ``UserNotFound`` (exit 1)."""
    return await container.find_user_by_email().execute(email)


def runtime(ctx: typer.Context) -> Runtime:
    state = ctx.find_root().obj
    if not isinstance(state, Runtime):  # pragma: no cover - build_app always sets it
        raise RuntimeError("the command line was started without its runtime")
    return state
