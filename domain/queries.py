"""What a listing, an export or a report asks of storage."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from uuid import UUID

from domain.errors import InvalidPeriod
from domain.pagination import PageRequest
from domain.time import require_aware
from domain.values import refuse_nul


class ClientSort(StrEnum):
    NAME = "name"
    NAME_DESC = "-name"
    CREATED_AT = "created_at"
    CREATED_AT_DESC = "-created_at"


class MeetingSort(StrEnum):
    STARTS_AT = "starts_at"
    STARTS_AT_DESC = "-starts_at"


@dataclass(frozen=True, slots=True)
class ClientQuery:
    """``search`` matches a case-folded substring of name or company, taken literally."""

    owner_id: UUID
    page: PageRequest
    search: str | None = None
    sort: ClientSort = ClientSort.NAME

    def __post_init__(self) -> None:
        if self.search is not None:
            refuse_nul(self.search, field="q")


@dataclass(frozen=True, slots=True)
class MeetingFilter:
    """Meetings of one owner, optionally of one client, starting in [starts_from, starts_before)."""

    owner_id: UUID
    client_id: UUID | None = None
    starts_from: datetime | None = None
    starts_before: datetime | None = None

    def __post_init__(self) -> None:
        if self.starts_from is not None:
            object.__setattr__(self, "starts_from", require_aware(self.starts_from, field="from"))
        if self.starts_before is not None:
            object.__setattr__(self, "starts_before", require_aware(self.starts_before, field="to"))
        if (
            self.starts_from is not None
            and self.starts_before is not None
            and self.starts_from >= self.starts_before
        ):
            raise InvalidPeriod(field="to")


@dataclass(frozen=True, slots=True)
class MeetingQuery:
    filter: MeetingFilter
    page: PageRequest
    sort: MeetingSort = MeetingSort.STARTS_AT_DESC


@dataclass(frozen=True, slots=True)
class Period:
    """A half-open interval [start, end) of UTC instants."""

    start: datetime
    end: datetime

    def __post_init__(self) -> None:
        object.__setattr__(self, "start", require_aware(self.start, field="from"))
        object.__setattr__(self, "end", require_aware(self.end, field="to"))
        if self.start >= self.end:
            raise InvalidPeriod(field="to")
