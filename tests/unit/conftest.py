"""Unit-test fixtures: one fresh in-memory world per test, no container, no I/O."""

from __future__ import annotations

import pytest

from .harness import Harness


@pytest.fixture
def h() -> Harness:
    return Harness()
