"""Views straight to JSON bytes, without validating again what the use case just built.

Given a route's ``response_model``, FastAPI validates the returned view into that model,
then serializes the model: two passes over every field (ADR 0009). A use case's
view already *is* the response: the same fields, in the same order, with the same types.
So routes that answer a view return ``ViewResponse(view)``, one ``orjson`` pass, and the
response models stay what they document: the OpenAPI contract.

That the bytes are the same is not assumed: ``tests/http/test_rendering.py`` renders
generated views of every type both ways (this module and the response model) and
compares them, and Schemathesis checks every live response against the schema.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any
from uuid import UUID

import orjson
from starlette.responses import Response

# UTC instants end in "Z", as pydantic writes them.
_OPTIONS = orjson.OPT_UTC_Z


def _fallback(value: object) -> str:
    # The only Decimals in views are amounts of money: two places, as ``Money`` renders.
    if isinstance(value, Decimal):
        return f"{value:.2f}"
    # orjson knows ``uuid.UUID`` itself but not its subclasses, such as the one asyncpg
    # returns; ``str`` is the same canonical form.
    if isinstance(value, UUID):
        return str(value)
    raise TypeError(f"{type(value).__name__} is not a type views hold")


def render(view: Any) -> bytes:
    """``view`` (a view dataclass, a ``Page`` of them, or plain JSON data) as JSON bytes."""
    return orjson.dumps(view, default=_fallback, option=_OPTIONS)


class ViewResponse(Response):
    """A JSON response rendered from a use case's view."""

    media_type = "application/json"

    def render(self, content: Any) -> bytes:
        return render(content)
