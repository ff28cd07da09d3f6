"""What use cases return: plain, immutable snapshots of domain objects.

The views that HTTP routes render (users, clients, contacts, meetings) are frozen
dataclasses *without* ``__slots__``: orjson serializes a dataclass's ``__dict__`` in one
fast pass, while slots make it read field by field (ADR 0009). The others keep slots.

The contact, client and meeting views a listing builds fifty (or a hundred and fifty) at
a time are made by ``of`` without the generated ``__init__``: a frozen dataclass's
``__init__`` sets each field through ``object.__setattr__``, which cost a listing about
as much as reading its rows (docs/performance.md, issue 20). ``_snapshot`` gives the
instance its ``__dict__`` in one step instead, every field, in field order (the order
orjson writes them in); ``tests/unit/test_views.py`` holds it to the constructor's result.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any, Generic, TypeVar
from uuid import UUID

from domain.clients import Client, Contact
from domain.meetings import Meeting
from domain.queries import Period
from domain.reports import ReportGrouping, RevenueGroup, RevenueTotals
from domain.users import User
from domain.values import DEFAULT_TIME_ZONE

V = TypeVar("V")
S = TypeVar("S")

_new = object.__new__
_set = object.__setattr__


def _snapshot(cls: type[S], fields: dict[str, Any]) -> S:
    """An instance of the frozen, slot-less view dataclass ``cls`` holding ``fields``
    (every field, in declaration order), as its constructor would build it."""
    view = _new(cls)
    _set(view, "__dict__", fields)
    return view


@dataclass(frozen=True, slots=True)
class Versioned(Generic[V]):
    """A view and the version of the aggregate it shows: what an ``ETag`` is made of.

    Kept beside the view, not in it: the version is a header, not part of the body.
    """

    view: V
    version: int


@dataclass(frozen=True)
class UserView:
    id: UUID
    email: str
    full_name: str | None
    is_admin: bool
    created_at: datetime
    time_zone: str = DEFAULT_TIME_ZONE

    @classmethod
    def of(cls, user: User) -> UserView:
        return cls(
            user.id, user.email, user.full_name, user.is_admin, user.created_at, user.time_zone
        )


@dataclass(frozen=True)
class ContactView:
    id: UUID
    kind: str
    value: str
    label: str | None
    created_at: datetime

    @classmethod
    def of(cls, contact: Contact) -> ContactView:
        return _snapshot(
            cls,
            {
                "id": contact.id,
                "kind": contact.kind.value,
                "value": contact.value,
                "label": contact.label,
                "created_at": contact.created_at,
            },
        )


@dataclass(frozen=True)
class ClientView:
    id: UUID
    name: str
    company: str | None
    notes: str | None
    contacts: Sequence[ContactView]
    created_at: datetime
    updated_at: datetime

    @classmethod
    def of(cls, client: Client) -> ClientView:
        return _snapshot(
            cls,
            {
                "id": client.id,
                "name": client.name,
                "company": client.company,
                "notes": client.notes,
                "contacts": tuple([ContactView.of(contact) for contact in client.contacts]),
                "created_at": client.created_at,
                "updated_at": client.updated_at,
            },
        )


@dataclass(frozen=True)
class MeetingView:
    id: UUID
    client_id: UUID | None
    starts_at: datetime
    duration_minutes: int
    revenue: Decimal
    notes: str | None
    created_at: datetime
    updated_at: datetime

    @classmethod
    def of(cls, meeting: Meeting) -> MeetingView:
        return _snapshot(
            cls,
            {
                "id": meeting.id,
                "client_id": meeting.client_id,
                "starts_at": meeting.starts_at,
                "duration_minutes": meeting.duration_minutes,
                "revenue": meeting.revenue,
                "notes": meeting.notes,
                "created_at": meeting.created_at,
                "updated_at": meeting.updated_at,
            },
        )


@dataclass(frozen=True, slots=True)
class TokenPair:
    access_token: str
    refresh_token: str
    expires_in: int
    token_type: str = "bearer"  # noqa: S105 - the OAuth2 token type


@dataclass(frozen=True, slots=True)
class RevenueReportView:
    period: Period
    grouping: ReportGrouping | None
    total: RevenueTotals
    groups: Sequence[RevenueGroup]
