"""Telling "leave this field alone" apart from "set it to None" in partial updates."""

from __future__ import annotations

from enum import Enum
from typing import Literal, TypeVar, Union


class Unset(Enum):
    """The type of ``UNSET``: a field absent from a partial update."""

    UNSET = "UNSET"

    def __repr__(self) -> str:
        return "UNSET"


UNSET: Literal[Unset.UNSET] = Unset.UNSET

T = TypeVar("T")
Patch = Union[T, Literal[Unset.UNSET]]  # noqa: UP007 - a generic alias needs Union here
