"""The real clock and id generator."""

from __future__ import annotations

from datetime import UTC, datetime
from uuid import UUID

from uuid_utils import compat as uuid_compat

from domain.ports import Clock, IdGenerator


class SystemClock(Clock):
    def now(self) -> datetime:
        return datetime.now(UTC)


class Uuid7Generator(IdGenerator):
    """Time-ordered UUIDv7: index-friendly (new rows append) and sortable by creation."""

    def new(self) -> UUID:
        return uuid_compat.uuid7()
