"""``@inject`` for routes: the container fills the use cases, FastAPI never sees them.

dependency-injector's documented FastAPI pattern, ``Annotated[X, Depends(Provide[...])]``
under ``@inject``, makes every injected use case a FastAPI dependency as well: FastAPI
resolves a marker object on every request (a node of its dependency graph, with its
caches and checks, about 13 µs each on this machine) only for ``@inject`` to replace it
with the real object. Here a route says ``Annotated[X, Provide[Container.x]]`` (no
``Depends``); this ``inject`` applies dependency-injector's own ``@inject`` and then
gives the route a ``__signature__`` without those parameters. FastAPI builds its
dependency graph from that signature, so it neither resolves nor documents them, and the
patched function fills them from the wired container on each call, as it always did.
Tests still override providers on the container. See docs/performance.md.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import Annotated, Any, TypeVar, get_args, get_origin

from dependency_injector import wiring
from dependency_injector.wiring import Provide

F = TypeVar("F", bound=Callable[..., Any])
# dependency-injector's stubs type ``Provide`` as an instance (so ``Provide[...]`` checks);
# at run time it is the marker class.
_PROVIDE: type = wiring.Provide  # type: ignore[assignment]


def _provided(parameter: inspect.Parameter) -> bool:
    """``x: Annotated[X, Provide[...]]`` (routes), or ``x: X = Provide[...]`` (a helper
    our own code calls, where the default keeps type checkers content)."""
    if isinstance(parameter.default, _PROVIDE):
        return True
    annotation = parameter.annotation
    if get_origin(annotation) is not Annotated:
        return False
    return any(isinstance(extra, _PROVIDE) for extra in get_args(annotation)[1:])


def inject(function: F) -> F:
    """Inject the ``Provide[...]`` parameters from the container, hidden from FastAPI."""
    signature = inspect.signature(function, eval_str=True)
    visible = [p for p in signature.parameters.values() if not _provided(p)]
    if len(visible) == len(signature.parameters):
        raise TypeError(f"{function.__qualname__} has no parameter marked Provide[...]")
    patched = wiring.inject(function)
    if patched is function:
        # dependency-injector reads live annotations only: under ``from __future__ import
        # annotations`` it finds no marker and would leave the parameters unfilled.
        raise TypeError(f"{function.__qualname__}: markers in string annotations are not seen")
    # ``inspect.signature`` (and so FastAPI) stops at ``__signature__``.
    patched.__signature__ = signature.replace(parameters=visible)  # type: ignore[attr-defined]
    return patched


__all__ = ["Provide", "inject"]
