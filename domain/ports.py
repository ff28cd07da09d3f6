"""Ports: what the core needs from the outside world, as ``typing.Protocol``s.

Adapters (SQLAlchemy, in-memory, bcrypt, PyJWT, …) subclass these explicitly so mypy
checks each implementation where it is written. Signatures speak domain types only.
"""

from __future__ import annotations

import builtins
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime
from types import TracebackType
from typing import Protocol, Self
from uuid import UUID

from domain.clients import Client
from domain.meetings import Meeting
from domain.pagination import Page, PageRequest
from domain.queries import ClientQuery, MeetingFilter, MeetingQuery, Period
from domain.reports import MeetingExportRow, ReportGrouping, RevenueGroup
from domain.users import RefreshSession, User
from domain.values import PlainPassword

# -- repositories ---------------------------------------------------------------------


class UserRepository(Protocol):
    async def add(self, user: User) -> None:
        """Store a new user; a taken email raises ``EmailTaken`` (here or at commit)."""

    async def get(self, user_id: UUID) -> User | None: ...

    async def get_by_email(self, email: str) -> User | None:
        """Look up by the normalised (lower-cased) address."""

    async def lock(self, user_id: UUID) -> User | None:
        """Read the user and hold it until the transaction ends.

        Every write of a user's refresh sessions (login, refresh, reuse detection,
        logout, password change) takes this first, so those writes of one user run one
        after another: once a revocation commits, no session it revoked can be refreshed
        by a transaction that began before it.
        """

    async def update(self, user: User) -> None:
        """Compare-and-set: store ``user`` only if the stored version is ``user.version``.

        On success ``user.version`` is advanced to the stored one; otherwise (another
        writer came first, or the user is gone) ``ConcurrentUpdate`` is raised.
        """

    async def list(self, page: PageRequest) -> Page[User]:
        """Users ordered by creation, oldest first; the total counts every user."""


class ClientRepository(Protocol):
    async def add(self, client: Client) -> None:
        """Store a client with its contacts; a taken name raises ``ClientNameTaken``."""

    async def add_many(self, clients: Sequence[Client]) -> None:
        """Store many clients (and their contacts) in as few statements as possible."""

    async def get(
        self, client_id: UUID, *, owner_id: UUID, for_update: bool = False
    ) -> Client | None:
        """The client with its contacts, or ``None`` if absent or owned by someone else.

        With ``for_update`` the client is held until the transaction ends: writers of one
        client queue behind each other instead of all but one losing their
        compare-and-set, and nobody can delete it meanwhile.
        """

    async def exists(self, client_id: UUID, *, owner_id: UUID) -> bool:
        """Whether the owner has this client (cheaper than loading it)."""

    async def name_exists(
        self, owner_id: UUID, name_key: str, *, excluding: UUID | None = None
    ) -> bool: ...

    async def existing_name_keys(self, owner_id: UUID, name_keys: Collection[str]) -> set[str]:
        """Which of ``name_keys`` the owner already uses (for batch imports)."""

    async def update(self, client: Client) -> None:
        """Persist the client's fields and make its stored contacts match ``client.contacts``.

        Compare-and-set on ``client.version``, like ``UserRepository.update``: the whole
        aggregate, contacts included, is written only over the version that was read.
        """

    async def delete(self, client_id: UUID, *, owner_id: UUID) -> bool:
        """Delete the client and its contacts; ``False`` if there was nothing to delete."""

    async def list(self, query: ClientQuery) -> Page[Client]:
        """A page of the owner's matching clients; matches counted up to the page
        request's ``count_cap`` (``PageRequest.page_of``)."""

    async def list_names(self, owner_id: UUID, page: PageRequest) -> Page[tuple[UUID, str]]:
        """A page of the owner's clients as ``(id, name)`` only, by name (case-folded, then
        id), counted like ``list``: what a picker or a label needs, without contacts."""


class MeetingRepository(Protocol):
    async def add(self, meeting: Meeting) -> None:
        """Store a new meeting.

        The rule that a meeting may only reference a client of its own owner lives here,
        for ``add`` and ``update`` alike: a meeting naming any other client is not stored,
        and ``ClientNotFound`` is raised. Checking and storing are one step (ADR 0016).
        """

    async def add_many(self, meetings: Sequence[Meeting]) -> None:
        """Store new meetings whose clients the caller knows to be their owners'."""

    async def get(self, meeting_id: UUID, *, owner_id: UUID) -> Meeting | None: ...

    async def update(self, meeting: Meeting) -> None:
        """Compare-and-set on ``meeting.version``, like ``UserRepository.update``; a
        meeting naming a client that is not its owner's is ``ClientNotFound`` (see
        ``add``)."""

    async def delete(self, meeting_id: UUID, *, owner_id: UUID, version: int | None = None) -> bool:
        """Delete the meeting (only at ``version``, when given); ``False`` if none was."""

    async def list(self, query: MeetingQuery) -> Page[Meeting]:
        """A page of the owner's matching meetings; matches counted up to the page
        request's ``count_cap`` (``PageRequest.page_of``)."""

    async def export_page(
        self, meeting_filter: MeetingFilter, *, after: MeetingExportRow | None, limit: int
    ) -> builtins.list[MeetingExportRow]:
        """Up to ``limit`` matching meetings with client names, in export order (oldest
        first, then by id), after the row ``after`` when given: an export reads page by
        page, each in a short unit of work, never holding a connection while it writes."""

    async def detach_client(self, client_id: UUID) -> None:
        """Set ``client_id`` to ``None`` on every meeting of that client (a change of each:
        their versions advance)."""

    async def revenue_groups(
        self, owner_id: UUID, period: Period, grouping: ReportGrouping | None
    ) -> builtins.list[RevenueGroup]:
        """Aggregated in storage. Without grouping: one group holding everything, or none."""


class RefreshSessionRepository(Protocol):
    async def add(self, session: RefreshSession) -> None: ...

    async def get_by_token_hash(self, token_hash: str) -> RefreshSession | None: ...

    async def mark_used(self, session_id: UUID, *, at: datetime) -> bool:
        """Atomically consume an unused, unrevoked session; ``True`` only for the winner."""

    async def revoke_family(self, family_id: UUID, *, at: datetime) -> None: ...

    async def revoke_all_for_user(self, user_id: UUID, *, at: datetime) -> None: ...


class UnitOfWork(Protocol):
    """One transaction. Entering opens it; leaving without ``commit()`` rolls it back.

    A unit of work may be entered again after it is left; each entry is a new transaction.
    """

    users: UserRepository
    clients: ClientRepository
    meetings: MeetingRepository
    refresh_sessions: RefreshSessionRepository

    async def __aenter__(self) -> Self: ...

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None: ...

    async def commit(self) -> None: ...

    async def rollback(self) -> None: ...


class UnitsOfWork(Protocol):
    """Where use cases get their units of work, saying which kind they need.

    A use case takes this port and asks once, in its constructor: ``reading()`` if it
    only reads (the storage may then run its statements without a transaction around
    them; a write, should one come, still begins one), ``writing()`` if it writes (a
    transaction from the first statement). Either kind is correct for any use case; the
    choice is about cost (ADR 0002).
    """

    def reading(self) -> UnitOfWork: ...

    def writing(self) -> UnitOfWork: ...


# -- services -------------------------------------------------------------------------


class PasswordHasher(Protocol):
    """Slow on purpose. ``source`` says on whose behalf the work is done (a client
    address, a user), so that an adapter with bounded capacity can share it fairly;
    ``None`` is the operator's own tools."""

    async def hash(self, password: PlainPassword, *, source: str | None = None) -> str: ...

    async def verify(self, password: str, password_hash: str, *, source: str | None = None) -> bool:
        """``False`` for a mismatch, and for a password no valid one could equal."""

    async def verify_dummy(self, password: str, *, source: str | None = None) -> None:
        """Spend the time of one verification, so unknown accounts answer as slowly."""


@dataclass(frozen=True, slots=True)
class IssuedAccessToken:
    token: str
    expires_in: int  # seconds


@dataclass(frozen=True, slots=True)
class AccessClaims:
    user_id: UUID
    token_id: str
    expires_at: datetime


class AccessTokenIssuer(Protocol):
    def issue(self, user_id: UUID, *, now: datetime) -> IssuedAccessToken: ...

    def verify(self, token: str) -> AccessClaims:
        """Decode and check an access token; anything wrong raises ``TokenInvalid``."""
        ...


class RefreshTokenGenerator(Protocol):
    def new(self) -> str:
        """A fresh, unguessable opaque token."""
        ...


class RecentUsers(Protocol):
    """Users read from storage moments ago, so a request need not read its caller again.

    Entries expire on their own after a short time, the staleness the service accepts
    (another worker may see a rename or a deactivation that late); ``forget`` drops one
    at once, for changes made here.
    """

    def get(self, user_id: UUID) -> User | None: ...

    def put(self, user: User) -> None: ...

    def forget(self, user_id: UUID) -> None: ...


class Clock(Protocol):
    def now(self) -> datetime:
        """The current instant, timezone-aware, in UTC."""
        ...


class IdGenerator(Protocol):
    def new(self) -> UUID:
        """A new unique id; time-ordered (UUIDv7) in production."""
        ...


class RateLimiter(Protocol):
    """Counts attempts per key in a sliding window, in bounded space: a key of any length
    costs the same (adapters store a fixed-size digest), and a refused attempt stores
    nothing."""

    async def hit(self, key: str) -> int | None:
        """Count one attempt under ``key``; ``None`` if allowed, else seconds to wait."""

    async def close(self) -> None:
        """Release what the limiter holds (a connection), at shutdown."""


class InFlightLimiter(Protocol):
    """Bounds how much work of one key (a user's long requests) runs at once.

    A slot is a lease: held until it is given back, or until its holder stops renewing
    it (a crashed worker), so a shared count never keeps a slot forever.
    """

    async def acquire(self, key: str) -> str | None:
        """Take a slot for ``key``: the lease to give back, or ``None``, taking nothing,
        when all are taken."""

    async def release(self, key: str, lease: str) -> None:
        """Give back a slot taken by ``acquire``; a lease given back already, or expired,
        is ignored."""

    async def close(self) -> None:
        """Stop renewing leases and release what the limiter holds, at shutdown."""


class Storage(Protocol):
    """The storage as a whole, for operations: is it reachable, and shutting it down."""

    async def ping(self) -> None:
        """Return when the storage answers; raise ``StorageUnavailable`` when it does not."""

    async def close(self) -> None:
        """Release connections (pools, files) at shutdown."""


class Migrator(Protocol):
    """The storage's schema, for operations: bring it up to date, or ask where it stands.

    Revisions are opaque strings; ``None`` means no schema yet (an empty database).
    """

    async def upgrade(self) -> str | None:
        """Apply every pending migration; the revision the storage is now at."""

    async def current(self) -> str | None:
        """The revision the storage is at."""

    async def head(self) -> str | None:
        """The newest revision this code knows."""
