"""The meeting aggregate."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from uuid import UUID

from domain.time import require_aware
from domain.values import NOTES_MAX_LENGTH, parse_duration, parse_optional_text, parse_revenue


@dataclass(slots=True)
class Meeting:
    id: UUID
    owner_id: UUID
    client_id: UUID | None
    starts_at: datetime
    duration_minutes: int
    revenue: Decimal
    notes: str | None
    created_at: datetime
    updated_at: datetime
    # Advanced by every stored change; see ``Client.version``.
    version: int = 1

    @classmethod
    def schedule(
        cls,
        *,
        id: UUID,
        owner_id: UUID,
        client_id: UUID | None,
        starts_at: datetime,
        duration_minutes: int,
        revenue: Decimal | int | str,
        notes: str | None,
        now: datetime,
    ) -> Meeting:
        return cls(
            id=id,
            owner_id=owner_id,
            client_id=client_id,
            starts_at=require_aware(starts_at, field="starts_at"),
            duration_minutes=parse_duration(duration_minutes),
            revenue=parse_revenue(revenue),
            notes=parse_optional_text(notes, limit=NOTES_MAX_LENGTH, field="notes"),
            created_at=now,
            updated_at=now,
        )

    def assign_client(self, client_id: UUID | None, *, now: datetime) -> None:
        self.client_id = client_id
        self.updated_at = now

    def reschedule(self, starts_at: datetime, *, now: datetime) -> None:
        self.starts_at = require_aware(starts_at, field="starts_at")
        self.updated_at = now

    def set_duration(self, minutes: int, *, now: datetime) -> None:
        self.duration_minutes = parse_duration(minutes)
        self.updated_at = now

    def set_revenue(self, revenue: Decimal | int | str, *, now: datetime) -> None:
        self.revenue = parse_revenue(revenue)
        self.updated_at = now

    def set_notes(self, notes: str | None, *, now: datetime) -> None:
        self.notes = parse_optional_text(notes, limit=NOTES_MAX_LENGTH, field="notes")
        self.updated_at = now
