"""In-memory repositories: the fakes unit tests run on, kept honest by the contract suite."""

from __future__ import annotations

import builtins
import copy
from collections.abc import Callable, Collection, Iterable, Sequence
from dataclasses import replace
from datetime import datetime
from decimal import Decimal
from typing import Protocol, TypeVar
from uuid import UUID

from adapters.memory.store import Tables
from domain.clients import Client
from domain.errors import ClientNameTaken, ClientNotFound, ConcurrentUpdate, EmailTaken
from domain.meetings import Meeting
from domain.pagination import Page, PageRequest
from domain.ports import (
    ClientRepository,
    MeetingRepository,
    RefreshSessionRepository,
    UserRepository,
)
from domain.queries import ClientQuery, ClientSort, MeetingFilter, MeetingQuery, MeetingSort, Period
from domain.reports import (
    NO_CLIENT_LABEL,
    MeetingExportRow,
    ReportGrouping,
    RevenueGroup,
    RevenueTotals,
)
from domain.users import RefreshSession, User

T = TypeVar("T")


def _page(items: Sequence[T], page: PageRequest) -> Page[T]:
    """The page of ``items``, counted the way storage counts: up to the request's cap."""
    cap = page.count_cap
    counted = len(items) if cap is None else min(len(items), cap)
    return page.page_of(list(items[page.offset : page.offset + page.limit]), counted)


def _copy_client(client: Client) -> Client:
    return replace(client, contacts=[copy.copy(c) for c in client.contacts])


class _Versioned(Protocol):
    version: int


def _check_version(stored: _Versioned | None, written: _Versioned) -> None:
    """The compare of the compare-and-set the SQL adapter does in its UPDATE's WHERE."""
    if stored is None or stored.version != written.version:
        raise ConcurrentUpdate()


def _compare_and_advance(stored: _Versioned | None, written: _Versioned) -> None:
    _check_version(stored, written)
    written.version += 1


class InMemoryUserRepository(UserRepository):
    def __init__(self, tables: Callable[[], Tables]) -> None:
        self._tables = tables

    async def add(self, user: User) -> None:
        users = self._tables().users
        if any(other.email == user.email for other in users.values()):
            raise EmailTaken()
        users[user.id] = copy.copy(user)

    async def get(self, user_id: UUID) -> User | None:
        user = self._tables().users.get(user_id)
        return copy.copy(user) if user else None

    async def get_by_email(self, email: str) -> User | None:
        for user in self._tables().users.values():
            if user.email == email:
                return copy.copy(user)
        return None

    async def lock(self, user_id: UUID) -> User | None:
        # Units of work run one at a time here: holding is already implied.
        return await self.get(user_id)

    async def update(self, user: User) -> None:
        users = self._tables().users
        _compare_and_advance(users.get(user.id), user)
        users[user.id] = copy.copy(user)

    async def list(self, page: PageRequest) -> Page[User]:
        ordered = sorted(self._tables().users.values(), key=lambda u: (u.created_at, u.id))
        # Every user is counted, as in SQL: the list of accounts stays small.
        return _page([copy.copy(u) for u in ordered], replace(page, count_ahead=None))


class InMemoryClientRepository(ClientRepository):
    def __init__(self, tables: Callable[[], Tables]) -> None:
        self._tables = tables

    def _owned(self, owner_id: UUID) -> Iterable[Client]:
        return (c for c in self._tables().clients.values() if c.owner_id == owner_id)

    async def add(self, client: Client) -> None:
        await self.add_many([client])

    async def add_many(self, clients: Sequence[Client]) -> None:
        stored = self._tables().clients
        keys = {(c.owner_id, c.name_key) for c in stored.values()}
        for client in clients:
            key = (client.owner_id, client.name_key)
            if key in keys:
                raise ClientNameTaken()
            keys.add(key)
        for client in clients:
            stored[client.id] = _copy_client(client)

    async def get(
        self, client_id: UUID, *, owner_id: UUID, for_update: bool = False
    ) -> Client | None:
        # Units of work run one at a time here: holding is already implied.
        client = self._tables().clients.get(client_id)
        if client is None or client.owner_id != owner_id:
            return None
        return _copy_client(client)

    async def exists(self, client_id: UUID, *, owner_id: UUID) -> bool:
        client = self._tables().clients.get(client_id)
        return client is not None and client.owner_id == owner_id

    async def name_exists(
        self, owner_id: UUID, name_key: str, *, excluding: UUID | None = None
    ) -> bool:
        return any(c.name_key == name_key and c.id != excluding for c in self._owned(owner_id))

    async def existing_name_keys(self, owner_id: UUID, name_keys: Collection[str]) -> set[str]:
        wanted = set(name_keys)
        return {c.name_key for c in self._owned(owner_id) if c.name_key in wanted}

    async def update(self, client: Client) -> None:
        stored = self._tables().clients
        current = stored.get(client.id)
        _check_version(current, client)
        if await self.name_exists(client.owner_id, client.name_key, excluding=client.id):
            raise ClientNameTaken()
        client.version += 1
        stored[client.id] = _copy_client(client)

    async def delete(self, client_id: UUID, *, owner_id: UUID) -> bool:
        stored = self._tables().clients
        client = stored.get(client_id)
        if client is None or client.owner_id != owner_id:
            return False
        del stored[client_id]
        return True

    async def list_names(self, owner_id: UUID, page: PageRequest) -> Page[tuple[UUID, str]]:
        owned = sorted(self._owned(owner_id), key=lambda c: (c.name_key, c.id))
        return _page([(c.id, c.name) for c in owned], page)

    async def list(self, query: ClientQuery) -> Page[Client]:
        clients = list(self._owned(query.owner_id))
        if query.search:
            needle = query.search.casefold()
            clients = [
                c
                for c in clients
                if needle in c.name.casefold() or needle in (c.company or "").casefold()
            ]
        if query.sort in (ClientSort.NAME, ClientSort.NAME_DESC):
            clients.sort(key=lambda c: (c.name_key, c.id), reverse=query.sort.startswith("-"))
        else:
            clients.sort(key=lambda c: (c.created_at, c.id), reverse=query.sort.startswith("-"))
        return _page([_copy_client(c) for c in clients], query.page)


def _matches(meeting: Meeting, f: MeetingFilter) -> bool:
    return (
        meeting.owner_id == f.owner_id
        and (f.client_id is None or meeting.client_id == f.client_id)
        and (f.starts_from is None or meeting.starts_at >= f.starts_from)
        and (f.starts_before is None or meeting.starts_at < f.starts_before)
    )


class InMemoryMeetingRepository(MeetingRepository):
    def __init__(self, tables: Callable[[], Tables]) -> None:
        self._tables = tables

    async def add(self, meeting: Meeting) -> None:
        self._check_client(meeting)
        self._tables().meetings[meeting.id] = copy.copy(meeting)

    async def add_many(self, meetings: Sequence[Meeting]) -> None:
        stored = self._tables().meetings
        for meeting in meetings:
            stored[meeting.id] = copy.copy(meeting)

    async def get(self, meeting_id: UUID, *, owner_id: UUID) -> Meeting | None:
        meeting = self._tables().meetings.get(meeting_id)
        if meeting is None or meeting.owner_id != owner_id:
            return None
        return copy.copy(meeting)

    async def update(self, meeting: Meeting) -> None:
        self._check_client(meeting)
        stored = self._tables().meetings
        _compare_and_advance(stored.get(meeting.id), meeting)
        stored[meeting.id] = copy.copy(meeting)

    async def delete(self, meeting_id: UUID, *, owner_id: UUID, version: int | None = None) -> bool:
        stored = self._tables().meetings
        meeting = stored.get(meeting_id)
        if meeting is None or meeting.owner_id != owner_id:
            return False
        if version is not None and meeting.version != version:
            return False
        del stored[meeting_id]
        return True

    def _check_client(self, meeting: Meeting) -> None:
        if meeting.client_id is not None:
            client = self._tables().clients.get(meeting.client_id)
            if client is None or client.owner_id != meeting.owner_id:
                raise ClientNotFound()

    def _select(self, f: MeetingFilter, *, newest_first: bool) -> list[Meeting]:
        found = [m for m in self._tables().meetings.values() if _matches(m, f)]
        found.sort(key=lambda m: (m.starts_at, m.id), reverse=newest_first)
        return found

    async def list(self, query: MeetingQuery) -> Page[Meeting]:
        found = self._select(query.filter, newest_first=query.sort is MeetingSort.STARTS_AT_DESC)
        return _page([copy.copy(m) for m in found], query.page)

    async def export_page(
        self, meeting_filter: MeetingFilter, *, after: MeetingExportRow | None, limit: int
    ) -> builtins.list[MeetingExportRow]:
        clients = self._tables().clients
        found = self._select(meeting_filter, newest_first=False)
        if after is not None:
            found = [m for m in found if (m.starts_at, m.id) > (after.starts_at, after.id)]
        rows = []
        for m in found[:limit]:
            client = clients.get(m.client_id) if m.client_id else None
            rows.append(
                MeetingExportRow(
                    id=m.id,
                    client_id=m.client_id,
                    client_name=client.name if client else None,
                    starts_at=m.starts_at,
                    duration_minutes=m.duration_minutes,
                    revenue=m.revenue,
                    notes=m.notes,
                )
            )
        return rows

    async def detach_client(self, client_id: UUID) -> None:
        stored = self._tables().meetings
        for meeting in list(stored.values()):
            if meeting.client_id == client_id:
                stored[meeting.id] = replace(meeting, client_id=None, version=meeting.version + 1)

    async def revenue_groups(
        self, owner_id: UUID, period: Period, grouping: ReportGrouping | None
    ) -> builtins.list[RevenueGroup]:
        in_period = self._select(
            MeetingFilter(owner_id, starts_from=period.start, starts_before=period.end),
            newest_first=False,
        )
        clients = self._tables().clients
        sums: dict[str | None, tuple[str, Decimal, int, int]] = {}
        for m in in_period:
            if grouping is ReportGrouping.MONTH:
                key: str | None = m.starts_at.strftime("%Y-%m")
                label = key or ""
            elif grouping is ReportGrouping.CLIENT:
                client = clients.get(m.client_id) if m.client_id else None
                key = str(client.id) if client else None
                label = client.name if client else NO_CLIENT_LABEL
            else:
                key, label = None, ""
            _, revenue, minutes, count = sums.get(key, (label, Decimal("0.00"), 0, 0))
            sums[key] = (label, revenue + m.revenue, minutes + m.duration_minutes, count + 1)
        return [
            RevenueGroup(key, label, RevenueTotals(revenue, minutes, count))
            for key, (label, revenue, minutes, count) in sums.items()
        ]


class InMemoryRefreshSessionRepository(RefreshSessionRepository):
    def __init__(self, tables: Callable[[], Tables]) -> None:
        self._tables = tables

    async def add(self, session: RefreshSession) -> None:
        self._tables().refresh_sessions[session.id] = copy.copy(session)

    async def get_by_token_hash(self, token_hash: str) -> RefreshSession | None:
        for session in self._tables().refresh_sessions.values():
            if session.token_hash == token_hash:
                return copy.copy(session)
        return None

    async def mark_used(self, session_id: UUID, *, at: datetime) -> bool:
        stored = self._tables().refresh_sessions
        session = stored.get(session_id)
        if session is None or session.used_at is not None or session.revoked_at is not None:
            return False
        stored[session_id] = replace(session, used_at=at)
        return True

    def _revoke(self, matches: Callable[[RefreshSession], bool], at: datetime) -> None:
        stored = self._tables().refresh_sessions
        for session in list(stored.values()):
            if matches(session) and session.revoked_at is None:
                stored[session.id] = replace(session, revoked_at=at)

    async def revoke_family(self, family_id: UUID, *, at: datetime) -> None:
        self._revoke(lambda s: s.family_id == family_id, at)

    async def revoke_all_for_user(self, user_id: UUID, *, at: datetime) -> None:
        self._revoke(lambda s: s.user_id == user_id, at)
