"""Offset pagination, shared by every listing."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar

from domain.errors import InvalidInput

T = TypeVar("T")

# Far beyond any real book, and small enough for every database's OFFSET (64-bit).
MAX_OFFSET = 1_000_000_000


@dataclass(frozen=True, slots=True)
class PageRequest:
    limit: int = 20
    offset: int = 0

    def __post_init__(self) -> None:
        if self.limit < 1:
            raise InvalidInput("limit must be at least 1.", field="limit")
        if self.offset < 0:
            raise InvalidInput("offset must not be negative.", field="offset")
        if self.offset > MAX_OFFSET:
            raise InvalidInput(f"offset must be at most {MAX_OFFSET}.", field="offset")


@dataclass(frozen=True, slots=True)
class Page(Generic[T]):
    items: Sequence[T]
    total: int
    limit: int
    offset: int
