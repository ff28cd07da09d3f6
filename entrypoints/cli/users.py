"""``clientbook users``: create accounts and list them."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Annotated

import typer

from entrypoints.cli.help import Command, new_app
from entrypoints.cli.runtime import runtime

if TYPE_CHECKING:
    from application.views import UserView
    from container import Container

PAGE = 500


def build() -> typer.Typer:
    app = new_app("Create and list user accounts.")

    @app.command("create", cls=Command)
    def create(
        ctx: typer.Context,
        email: Annotated[str, typer.Argument(metavar="EMAIL", help="The account's email address.")],
        full_name: Annotated[
            str | None, typer.Option("--full-name", metavar="NAME", help="Display name.")
        ] = None,
        admin: Annotated[bool, typer.Option("--admin", help="Make an administrator.")] = False,
        password_stdin: Annotated[
            bool,
            typer.Option("--password-stdin", help="Read the password from standard input."),
        ] = False,
    ) -> None:
        """Create a user; the password is prompted for (hidden, twice) unless piped in."""
        from application.auth import RegisterUserCommand
        from domain.values import EmailAddress

        rt = runtime(ctx)
        rt.settings_check()
        rt.guard(lambda: EmailAddress.parse(email))  # fail before asking for a password
        password = _read_password(password_stdin)
        command = RegisterUserCommand(
            email=email, password=password, full_name=full_name, is_admin=admin
        )

        async def work(container: Container) -> UserView:
            return await container.register_user().execute(command)

        user = rt.run(work)
        role = "administrator" if user.is_admin else "user"
        rt.out.print(f"[green]Created {role}[/] {user.email} [dim](id {user.id})[/]")

    @app.command("list", cls=Command)
    def list_(ctx: typer.Context) -> None:
        """List every account, oldest first."""
        from rich.table import Table

        from domain.pagination import PageRequest
        from entrypoints.cli.render import count, day, plain

        rt = runtime(ctx)

        async def work(container: Container) -> list[UserView]:
            users: list[UserView] = []
            while True:
                page = await container.list_accounts().execute(PageRequest(PAGE, len(users)))
                users.extend(page.items)
                if len(page.items) < PAGE:
                    return users

        users = rt.run(work)
        table = Table(title=count(len(users), "user"), title_justify="left")
        for column in ("Email", "Full name", "Role", "Created"):
            table.add_column(column)
        for user in users:
            role = "admin" if user.is_admin else "user"
            table.add_row(plain(user.email), plain(user.full_name), role, day(user.created_at))
        rt.out.print(table)

    return app


def _read_password(from_stdin: bool) -> str:
    if from_stdin:
        line = sys.stdin.readline()
        password = line.rstrip("\r\n")
        if not password:
            raise typer.BadParameter(
                "standard input held no password", param_hint="--password-stdin"
            )
        return password
    return str(typer.prompt("Password", hide_input=True, confirmation_prompt=True))
