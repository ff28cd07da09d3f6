"""Offset pagination, shared by every listing."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar

from domain.errors import InvalidInput

T = TypeVar("T")
U = TypeVar("U")

# Far beyond any real book, and small enough for every database's OFFSET (64-bit).
MAX_OFFSET = 1_000_000_000

# How far past the page a listing of clients or meetings counts its matches (ADR 0023):
# counting every match costs a read of every match, on every page, however large the
# book. Past this, the total is a lower bound ("at least"), still enough to tell whether
# another page follows.
COUNT_AHEAD = 1_000


@dataclass(frozen=True, slots=True)
class PageRequest:
    """``limit`` items from ``offset``; matches are counted up to ``count_cap``.

    ``count_ahead`` is how many matches past the page are counted; ``None`` counts them
    all (for callers that need the exact number and accept its cost).
    """

    limit: int = 20
    offset: int = 0
    count_ahead: int | None = COUNT_AHEAD

    def __post_init__(self) -> None:
        if self.limit < 1:
            raise InvalidInput("limit must be at least 1.", field="limit")
        if self.offset < 0:
            raise InvalidInput("offset must not be negative.", field="offset")
        if self.offset > MAX_OFFSET:
            raise InvalidInput(f"offset must be at most {MAX_OFFSET}.", field="offset")
        if self.count_ahead is not None and self.count_ahead < 0:
            raise InvalidInput("count_ahead must not be negative.", field="count_ahead")

    @property
    def count_cap(self) -> int | None:
        """The most matches a listing counts (``None``: every one)."""
        if self.count_ahead is None:
            return None
        return self.offset + self.limit + self.count_ahead

    def page_of(self, items: Sequence[T], counted: int) -> Page[T]:
        """The page of ``items``, given the matches counted up to ``count_cap``: reaching
        the cap means there may be more, so the total is then a lower bound."""
        cap = self.count_cap
        return Page(items, counted, self.limit, self.offset, cap is None or counted < cap)


@dataclass(frozen=True, slots=True)
class Page(Generic[T]):
    """One page of a listing. ``total`` counts every match when ``total_exact``; when
    not, at least that many match (and more than this page shows)."""

    items: Sequence[T]
    total: int
    limit: int
    offset: int
    total_exact: bool = True

    def with_items(self, items: Sequence[U]) -> Page[U]:
        """The same page holding other items (views of these, say)."""
        return Page(items, self.total, self.limit, self.offset, self.total_exact)
