"""What every command shares: the container, the consoles, and how failures end a run.

Each command runs its use cases inside one ``asyncio.run`` and closes the storage at the
end, so a command is a self-contained program, like one request of the HTTP API.
Expected failures end the run with one red line and an exit code, never a traceback.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine
from typing import Any, NoReturn, TypeVar

import typer
from rich.console import Console
from rich.markup import escape

from application.views import UserView
from container import ConfigurationError, Container
from domain.errors import DomainError, InvalidInput, StorageUnavailable

T = TypeVar("T")

EXIT_OK = 0
EXIT_FAILURE = 1  # a domain error: the request was understood and refused
EXIT_USAGE = 2  # bad arguments or configuration: Click's own code for usage errors

STORAGE_HINT = "(check CLIENTBOOK_DATABASE_URL, and that `clientbook db upgrade` has run)"


class CliError(Exception):
    """A failure the command line detects itself (a bad file, a refused option)."""

    def __init__(self, message: str, *, exit_code: int = EXIT_FAILURE) -> None:
        super().__init__(message)
        self.message = message
        self.exit_code = exit_code


def describe(error: DomainError) -> str:
    """One line for a domain error, naming the offending input when the message does not."""
    if isinstance(error, InvalidInput) and error.field and error.field not in error.message:
        return f"{error.field}: {error.message}"
    return error.message


class Runtime:
    """Per-invocation state, kept in Click's context object.

    ``make_container`` is ``Container`` in production; tests pass a factory returning a
    container they prepared (in-memory storage lives per container).
    """

    def __init__(self, make_container: Callable[[], Container]) -> None:
        self._make_container = make_container
        self._container: Container | None = None
        self.out = Console(highlight=False, soft_wrap=True)
        self.err = Console(stderr=True, highlight=False, soft_wrap=True)

    @property
    def container(self) -> Container:
        if self._container is None:
            self._container = self._make_container()
        return self._container

    def fail(self, message: str, exit_code: int = EXIT_FAILURE) -> NoReturn:
        self.err.print(f"[bold red]Error:[/] {escape(message)}", soft_wrap=True)
        raise typer.Exit(exit_code)

    def guard(self, action: Callable[[], T]) -> T:
        """Run ``action``, turning expected failures into a message and an exit code."""
        try:
            return action()
        except ConfigurationError as error:
            self.fail(f"configuration: {error}", EXIT_USAGE)
        except CliError as error:
            self.fail(error.message, error.exit_code)
        except StorageUnavailable as error:
            self.fail(f"{error.message} {STORAGE_HINT}")
        except DomainError as error:
            self.fail(describe(error))
        except KeyboardInterrupt:
            self.err.print("[yellow]Interrupted.[/]")
            raise typer.Exit(130) from None

    def settings_check(self) -> None:
        """Read the configuration now, so a bad variable fails before any work starts."""
        self.guard(lambda: self.container.settings())

    def run(self, work: Callable[[Container], Coroutine[Any, Any, T]]) -> T:
        """Run one async unit of work against the container, then close the storage."""
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
