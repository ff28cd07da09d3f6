"""Building blocks shared by every resource's schemas."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Generic, TypeVar

from pydantic import MISSING, BaseModel, ConfigDict, Field, PlainSerializer, WithJsonSchema

from application.patch import UNSET, Patch

T = TypeVar("T")


def patch(value: T | MISSING) -> Patch[T]:
    """A field absent from a PATCH body (pydantic's ``MISSING``) is the use case's ``UNSET``;
    ``null`` stays ``None``, which clears an optional field."""
    return UNSET if value is MISSING else value


class Input(BaseModel):
    """A request body: unknown fields are refused, so nobody sets ``owner_id`` or ``id``."""

    # The domain's patterns use lookahead, which pydantic's default (Rust) engine lacks.
    model_config = ConfigDict(extra="forbid", regex_engine="python-re")


class Output(BaseModel):
    """A response body, read straight from the use case's view (attributes, not dicts)."""

    model_config = ConfigDict(from_attributes=True)


def _two_places(amount: Decimal) -> str:
    return f"{amount:.2f}"


Money = Annotated[
    Decimal,
    PlainSerializer(_two_places, return_type=str),
    WithJsonSchema(
        {"type": "string", "pattern": r"^\d+\.\d{2}$", "examples": ["1250.00"]},
        mode="serialization",
    ),
]
"""An amount rendered as a decimal string with exactly two fraction digits."""


class PageOut(Output, Generic[T]):
    items: list[T]
    total: int = Field(
        description=(
            "How many items match, across every page, when `total_exact` is true. Past "
            "what a listing counts (1,000 matches beyond the page) it is a lower bound: "
            "at least this many match, and more follow this page."
        )
    )
    limit: int
    offset: int
    total_exact: bool = Field(
        description="Whether `total` is the exact count (else a lower bound).",
    )
