"""``clientbook clients``: list and add clients."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer

from entrypoints.cli.help import Command, new_app
from entrypoints.cli.options import LimitOption, OffsetOption, UserOption
from entrypoints.cli.runtime import find_user, runtime

if TYPE_CHECKING:
    from application.clients import ContactDraft
    from application.views import ClientView
    from container import Container
    from domain.pagination import Page


def build() -> typer.Typer:
    app = new_app("List and add clients.")

    @app.command("list", cls=Command)
    def list_(
        ctx: typer.Context,
        user: UserOption,
        search: Annotated[
            str | None,
            typer.Option(
                "--search",
                "-s",
                metavar="TEXT",
                help="Only clients whose name or company holds TEXT (any case).",
            ),
        ] = None,
        limit: LimitOption = 50,
        offset: OffsetOption = 0,
    ) -> None:
        """List a user's clients by name, with their contacts."""
        from rich.table import Table

        from domain.pagination import PageRequest
        from domain.queries import ClientQuery
        from entrypoints.cli.render import contact, count, plain

        rt = runtime(ctx)

        async def work(container: Container) -> Page[ClientView]:
            owner = await find_user(container, user)
            # One listing per command: it may count every match (the API counts to a bound).
            page = PageRequest(limit, offset, count_ahead=None)
            query = ClientQuery(owner.id, page, search=search or None)
            return await container.list_clients().execute(query)

        page = rt.run(work)
        shown = f"{offset + 1:,}-{offset + len(page.items):,} of " if page.items else ""
        table = Table(title=f"{shown}{count(page.total, 'client')}", title_justify="left")
        table.add_column("Name")
        table.add_column("Company")
        table.add_column("Contacts", overflow="fold")  # wrap long addresses, never cut them
        table.add_column("Notes", overflow="fold")
        for client in page.items:
            table.add_row(
                plain(client.name),
                plain(client.company),
                plain("\n".join(contact(c) for c in client.contacts)),
                plain(client.notes),
            )
        rt.out.print(table)
        if offset + len(page.items) < page.total:
            rt.out.print(f"[dim]More with --offset {offset + len(page.items)}.[/]")

    @app.command("add", cls=Command)
    def add(
        ctx: typer.Context,
        name: Annotated[
            str, typer.Argument(metavar="NAME", help="The client's name, unique in the book.")
        ],
        user: UserOption,
        company: Annotated[
            str | None, typer.Option(metavar="TEXT", help="The client's company.")
        ] = None,
        notes: Annotated[str | None, typer.Option(metavar="TEXT", help="Free-text notes.")] = None,
        contacts: Annotated[
            list[str] | None,
            typer.Option(
                "--contact",
                metavar="KIND:VALUE",
                help="A contact, repeatable: email:ann@acme.example, phone[work]:+44 20 7946 0000.",
            ),
        ] = None,
    ) -> None:
        """Add a client with its contacts (all of it, or nothing)."""
        from rich.markup import escape

        from application.clients import AddClientCommand
        from entrypoints.cli.render import count

        rt = runtime(ctx)
        drafts = _contacts(contacts or [])

        async def work(container: Container) -> ClientView:
            owner = await find_user(container, user)
            command = AddClientCommand(
                owner_id=owner.id, name=name, company=company, notes=notes, contacts=drafts
            )
            return await container.add_client().execute(command)

        client = rt.run(work)
        rt.out.print(
            f"[green]Added client[/] {escape(client.name)} "
            f"with {count(len(client.contacts), 'contact')} [dim](id {client.id})[/]"
        )

    return app


def _contacts(specs: list[str]) -> list[ContactDraft]:
    from entrypoints.cli.parsing import SpecError, parse_contact

    drafts = []
    for spec in specs:
        try:
            drafts.append(parse_contact(spec))
        except SpecError as error:
            raise typer.BadParameter(str(error), param_hint="--contact") from None
    return drafts
