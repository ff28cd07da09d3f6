"""Use cases for whoever operates the installation (the command line).

The operator holds the database credentials, so they are trusted with every account; the
per-user rules (a user sees only their own data, listing users needs an administrator)
apply to the HTTP API's authenticated callers, not here.
"""

from __future__ import annotations

from application.views import UserView
from domain.pagination import Page, PageRequest
from domain.ports import UnitsOfWork


class ListAccounts:
    """Every account, oldest first, without an acting administrator."""

    def __init__(self, units: UnitsOfWork) -> None:
        self._uow = units.reading()

    async def execute(self, page: PageRequest) -> Page[UserView]:
        async with self._uow as uow:
            found = await uow.users.list(page)
        return found.with_items([UserView.of(u) for u in found.items])
