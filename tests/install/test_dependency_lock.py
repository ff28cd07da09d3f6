"""requirements.lock and pyproject.toml agree: what is declared is what is pinned and tested."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from packaging.version import Version

ROOT = Path(__file__).resolve().parents[2]
_PIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==([^\s\\;]+)", re.MULTILINE)


def _declared() -> list[Requirement]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    declared = [*project["dependencies"], *project["optional-dependencies"]["dev"]]
    return [Requirement(r) for r in declared]


def _pins() -> dict[str, Version]:
    text = (ROOT / "requirements.lock").read_text()
    return {canonicalize_name(name): Version(v) for name, v in _PIN.findall(text)}


def test_every_pin_carries_a_hash() -> None:
    text = (ROOT / "requirements.lock").read_text()
    starts = [m.start() for m in _PIN.finditer(text)]
    entries = [text[a:b] for a, b in zip(starts, [*starts[1:], len(text)], strict=True)]
    assert len(entries) == len(_pins()) > 0
    assert all("--hash=sha256:" in entry for entry in entries)


@pytest.mark.parametrize("requirement", _declared(), ids=str)
def test_each_declared_dependency_is_pinned_within_its_bounds(requirement: Requirement) -> None:
    pinned = _pins().get(canonicalize_name(requirement.name))
    assert pinned is not None, f"{requirement.name} is not in requirements.lock: run `make lock`"
    assert requirement.specifier.contains(pinned, prereleases=True), (
        f"requirements.lock pins {requirement.name}=={pinned}, outside {requirement.specifier}"
    )


@pytest.mark.parametrize("requirement", _declared(), ids=str)
def test_each_lower_bound_is_the_tested_release(requirement: Requirement) -> None:
    """A bound below the pin would promise releases nobody has run the suite on."""
    lower = [Version(s.version) for s in requirement.specifier if s.operator == ">="]
    assert len(lower) == 1, f"{requirement.name} needs one lower bound"
    bound, pinned = lower[0].release, _pins()[canonicalize_name(requirement.name)].release
    assert pinned[: len(bound)] == bound, (
        f"{requirement.name}>={lower[0]} but the lock tests {'.'.join(map(str, pinned))}: "
        "raise the bound to the tested release"
    )
