"""``clientbook users``: create accounts and list them."""

from __future__ import annotations

import sys
from typing import Annotated

import typer
from rich.table import Table

from application.auth import RegisterUserCommand
from application.views import UserView
from container import Container
from domain.pagination import PageRequest
from domain.values import EmailAddress
from entrypoints.cli.render import count, day, plain
from entrypoints.cli.runtime import runtime

PAGE = 500


def build() -> typer.Typer:
    app = typer.Typer(help="Create and list user accounts.", no_args_is_help=True)

    @app.command("create")
    def create(
        ctx: typer.Context,
        email: Annotated[str, typer.Argument(help="The account's email address.")],
        full_name: Annotated[str | None, typer.Option("--full-name", help="Display name.")] = None,
        admin: Annotated[bool, typer.Option("--admin", help="Make an administrator.")] = False,
        password_stdin: Annotated[
            bool,
            typer.Option("--password-stdin", help="Read the password from standard input."),
        ] = False,
    ) -> None:
        """Create a user; the password is prompted for (hidden, twice) unless piped in."""
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

    @app.command("list")
    def list_(ctx: typer.Context) -> None:
        """List every account, oldest first."""
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
