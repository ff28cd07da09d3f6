"""Page numbers in query strings, and the links to the pages around one."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from fastapi import Request

from domain.pagination import MAX_OFFSET, Page

PAGE_SIZE = 20
_LAST_PAGE = MAX_OFFSET // PAGE_SIZE


def page_number(request: Request) -> int:
    """``?page=N`` (1 when absent or not a page number)."""
    value = request.query_params.get("page", "")
    if value.isdigit() and 0 < len(value) <= 9:
        return min(max(int(value), 1), _LAST_PAGE)
    return 1


@dataclass(frozen=True, slots=True)
class Pager:
    number: int
    pages: int
    first: int  # 1-based index of the first item shown
    last: int
    total: int
    exact: bool  # else ``total`` is a lower bound, and the last page unknown
    previous_url: str | None
    next_url: str | None


def pager(request: Request, page: Page[Any]) -> Pager:
    number = page.offset // page.limit + 1
    pages = max(1, -(-page.total // page.limit))
    params = {k: v for k, v in request.query_params.items() if k not in {"page", "done"}}

    def url(n: int) -> str:
        return f"{request.url.path}?{urlencode({**params, 'page': n})}"

    return Pager(
        number=number,
        pages=pages,
        first=page.offset + 1 if page.items else 0,
        last=page.offset + len(page.items),
        total=page.total,
        exact=page.total_exact,
        previous_url=url(number - 1) if number > 1 else None,
        next_url=url(number + 1) if page.offset + len(page.items) < page.total else None,
    )
