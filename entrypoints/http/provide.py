"""Use cases for routes: plain FastAPI dependencies that ask the app's container.

A route declares ``add: Annotated[AddClient, Depends(provided(Container.add_client))]``.
``provided`` turns a provider of the ``Container`` class into an ``async def``
dependency that calls the same provider on the container the app was built with
(``request.app.state.container``, set by ``create_app``), so a test's
``container.x.override(...)`` applies exactly as before. It is an ``async def`` because
FastAPI runs a plain ``def`` dependency, such as dependency-injector's ``Provide[...]``
marker, in its thread pool on every request: ADR 0021 and docs/performance.md say what
that cost.
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Any, TypeVar

from dependency_injector import providers
from fastapi import Request

from container import Container

T = TypeVar("T")


def provided(provider: providers.Provider[T]) -> Callable[[Request], Coroutine[Any, Any, T]]:
    """A FastAPI dependency answering ``provider``'s object from the app's container."""
    name = next(
        (key for key, candidate in Container.providers.items() if candidate is provider), None
    )
    if name is None:
        raise ValueError(f"{provider!r} is not a provider of Container")

    async def dependency(request: Request) -> T:
        container: Container = request.app.state.container
        result: T = container.providers[name]()
        return result

    dependency.__name__ = dependency.__qualname__ = f"provided_{name}"
    return dependency
