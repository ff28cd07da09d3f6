"""Conditional requests (RFC 9110 §8.8.3, §13.1.1): ``ETag`` out, ``If-Match`` in.

An aggregate's version is its entity tag, strong, as ``"<version>"``: every stored
change advances it, so two representations with the same tag are byte for byte the
same. ``If-Match`` turns a PATCH or DELETE into a compare-and-set of the caller's
own: the change happens only if the resource is still at a version the caller names,
else 412 ``precondition_failed``. Weak tags never match (the strong comparison §8.8.3.2
asks for), and neither does an unreadable header: a change is never made on a guess.
"""

from __future__ import annotations

import re
from typing import Annotated, Any, TypeVar

from fastapi import Depends, Header

from application.concurrency import ANY, Precondition
from application.views import Versioned
from entrypoints.http.rendering import ViewResponse

V = TypeVar("V")

# One entity tag and the comma (or end) after it; ``W/`` marks a weak one.
_ENTITY_TAG = re.compile(r'\s*(W/)?"([\x21\x23-\x7e\x80-\xff]*)"\s*(?:,|$)')
_VERSION = re.compile(r"[1-9][0-9]{0,17}")
# Room for dozens of tags; anything longer is not a caller listing versions it read.
IF_MATCH_MAX_LENGTH = 1024


def etag(version: int) -> str:
    return f'"{version}"'


def parse_if_match(value: str | None) -> Precondition:
    """The versions an ``If-Match`` field value accepts (``ANY`` when absent or ``*``)."""
    if value is None or value.strip() == "*":
        return ANY
    versions: set[int] = set()
    position, end = 0, len(value)
    while position < end:
        match = _ENTITY_TAG.match(value, position)
        if match is None or match.end() == position:
            # Not a list of entity tags: nothing matches it.
            return Precondition.matching(())
        weak, opaque = match.group(1), match.group(2)
        if not weak and _VERSION.fullmatch(opaque):
            versions.add(int(opaque))
        position = match.end()
    return Precondition.matching(versions)


def _if_match(
    if_match: Annotated[
        str | None,
        Header(
            alias="If-Match",
            max_length=IF_MATCH_MAX_LENGTH,
            description=(
                "Change only if the resource is still at one of these entity tags (its "
                '`ETag`, e.g. `"3"`), else 412 `precondition_failed`; `*` or no header: '
                "unconditionally."
            ),
            examples=['"3"'],
        ),
    ] = None,
) -> Precondition:
    return parse_if_match(if_match)


IfMatch = Annotated[Precondition, Depends(_if_match)]

ETAG_HEADER: dict[str, Any] = {
    "ETag": {
        "description": 'The version of what was returned, e.g. `"3"`: send it in `If-Match`.',
        "schema": {"type": "string"},
    }
}


def tagged(result: Versioned[V], *, status_code: int = 200) -> ViewResponse:
    """The view as JSON, with its version as a strong ``ETag``."""
    return ViewResponse(
        result.view, status_code=status_code, headers={"ETag": etag(result.version)}
    )
