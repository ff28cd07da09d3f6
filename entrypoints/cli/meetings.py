"""``clientbook meetings``: schedule and list meetings.

Commands import what they use when they run, so that help screens load only Typer.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Annotated
from uuid import UUID

import typer

from entrypoints.cli.help import Command, new_app
from entrypoints.cli.options import (
    FromOption,
    LimitOption,
    OffsetOption,
    ToOption,
    UserOption,
    instant_option,
)
from entrypoints.cli.runtime import find_user, runtime

if TYPE_CHECKING:
    from application.views import ClientView, MeetingView
    from container import Container
    from domain.pagination import Page

NAME_SEARCH_PAGE = 100


async def find_client_by_name(container: Container, owner_id: UUID, name: str) -> ClientView:
    """The owner's client with exactly this name, compared case-insensitively (casefold)."""
    from domain.errors import ClientNotFound
    from domain.pagination import PageRequest
    from domain.queries import ClientQuery
    from domain.values import name_key

    wanted = name_key(name)
    if wanted:
        offset = 0
        while True:
            query = ClientQuery(
                owner_id, PageRequest(NAME_SEARCH_PAGE, offset), search=name.strip()
            )
            page = await container.list_clients().execute(query)
            for client in page.items:
                if name_key(client.name) == wanted:
                    return client
            offset += len(page.items)
            if not page.items or offset >= page.total:
                break
    raise ClientNotFound(f"No client named {name.strip()!r}.")


def build() -> typer.Typer:
    app = new_app("Schedule and list meetings.")

    @app.command("add", cls=Command)
    def add(
        ctx: typer.Context,
        user: UserOption,
        at: Annotated[
            datetime,
            typer.Option(
                "--at",
                metavar="DATETIME",
                parser=instant_option,
                help="Start, ISO 8601 with an offset: 2026-03-02T09:30+01:00 or ...T08:30Z.",
            ),
        ],
        minutes: Annotated[
            int, typer.Option("--minutes", metavar="N", help="Duration, 1 to 1440.")
        ],
        client: Annotated[
            str | None, typer.Option("--client", metavar="NAME", help="The client's name.")
        ] = None,
        revenue: Annotated[
            str, typer.Option("--revenue", metavar="AMOUNT", help="e.g. 1250 or 99.50.")
        ] = "0",
        notes: Annotated[str | None, typer.Option(metavar="TEXT", help="Free-text notes.")] = None,
    ) -> None:
        """Schedule a meeting, optionally with one of the user's clients."""
        from rich.markup import escape

        from application.meetings import ScheduleMeetingCommand
        from entrypoints.cli.render import instant, money

        rt = runtime(ctx)

        async def work(container: Container) -> tuple[MeetingView, str | None]:
            owner = await find_user(container, user)
            found = (
                None if client is None else await find_client_by_name(container, owner.id, client)
            )
            command = ScheduleMeetingCommand(
                owner_id=owner.id,
                starts_at=at,
                duration_minutes=minutes,
                client_id=None if found is None else found.id,
                revenue=revenue,
                notes=notes,
            )
            scheduled = await container.schedule_meeting().execute(command)
            return scheduled, None if found is None else found.name

        meeting, client_name = rt.run(work)
        with_whom = f" with {escape(client_name)}" if client_name else ""
        rt.out.print(
            f"[green]Scheduled meeting[/]{with_whom} at {instant(meeting.starts_at)}, "
            f"{meeting.duration_minutes} min, revenue {money(meeting.revenue)} "
            f"[dim](id {meeting.id})[/]"
        )

    @app.command("list", cls=Command)
    def list_(
        ctx: typer.Context,
        user: UserOption,
        client: Annotated[
            str | None, typer.Option("--client", metavar="NAME", help="Only this client's.")
        ] = None,
        starts_from: FromOption = None,
        starts_before: ToOption = None,
        limit: LimitOption = 50,
        offset: OffsetOption = 0,
    ) -> None:
        """List a user's meetings, newest first."""
        from rich.table import Table

        from domain.errors import ClientNotFound
        from domain.pagination import PageRequest
        from domain.queries import MeetingFilter, MeetingQuery
        from entrypoints.cli.render import count, instant, money, plain

        rt = runtime(ctx)

        async def work(container: Container) -> tuple[Page[MeetingView], dict[UUID, str]]:
            owner = await find_user(container, user)
            only = (
                None if client is None else await find_client_by_name(container, owner.id, client)
            )
            meeting_filter = MeetingFilter(
                owner.id,
                client_id=None if only is None else only.id,
                starts_from=starts_from,
                starts_before=starts_before,
            )
            # One listing per command: it may count every match (the API counts to a bound).
            page = await container.list_meetings().execute(
                MeetingQuery(meeting_filter, PageRequest(limit, offset, count_ahead=None))
            )
            names: dict[UUID, str] = {}
            for client_id in {m.client_id for m in page.items if m.client_id is not None}:
                try:
                    names[client_id] = (
                        await container.get_client().execute(owner.id, client_id)
                    ).view.name
                except ClientNotFound:  # deleted in the meantime
                    continue
            return page, names

        page, names = rt.run(work)
        shown = f"{offset + 1:,}-{offset + len(page.items):,} of " if page.items else ""
        table = Table(title=f"{shown}{count(page.total, 'meeting')}", title_justify="left")
        table.add_column("Starts")
        table.add_column("Client")
        table.add_column("Minutes", justify="right")
        table.add_column("Revenue", justify="right")
        table.add_column("Notes")
        for meeting in page.items:
            table.add_row(
                instant(meeting.starts_at),
                plain(names.get(meeting.client_id) if meeting.client_id else None),
                str(meeting.duration_minutes),
                money(meeting.revenue),
                plain(meeting.notes),
            )
        rt.out.print(table)
        if offset + len(page.items) < page.total:
            rt.out.print(f"[dim]More with --offset {offset + len(page.items)}.[/]")

    return app
