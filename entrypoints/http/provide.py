"""``@inject`` for routes: the container fills the use cases, FastAPI never sees them.

dependency-injector's documented FastAPI pattern, ``Annotated[X, Depends(Provide[...])]``
under ``@inject``, makes every injected use case a FastAPI dependency as well: FastAPI
resolves a marker object on every request (a node of its dependency graph, with its
caches and checks, about 13 µs each on this machine) only for ``@inject`` to replace it
with the real object. Here a route says ``Annotated[X, Provide[Container.x]]`` (no
``Depends``); this ``inject`` has dependency-injector's own ``@inject`` fill them and
gives the route a ``__signature__`` without them. FastAPI builds its dependency graph
from that signature, so it neither resolves nor documents them, and the container fills
them on each call, as it always did. Tests still override providers on the container.
See ADR 0003 (decisions 1 and 10) and docs/performance.md.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from functools import wraps
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

    # dependency-injector patches a coroutine function with an ``async with`` around its
    # resolution (about 6 µs a call, mostly checking whether each use case is awaitable),
    # a plain function with a ``with``. Our providers are all synchronous, so it patches
    # a plain function that fills the parameters and hands back the coroutine to await.
    def call_with_injections(*args: Any, **kwargs: Any) -> Any:
        return function(*args, **kwargs)

    # Where wiring looks for it (``__module__``), and what it reads the markers from:
    # the signature with its annotations evaluated, so string annotations work too.
    call_with_injections.__module__ = function.__module__
    call_with_injections.__qualname__ = function.__qualname__
    call_with_injections.__signature__ = signature  # type: ignore[attr-defined]
    patched = wiring.inject(call_with_injections)

    @wraps(function)
    async def route(*args: Any, **kwargs: Any) -> Any:
        return await patched(*args, **kwargs)

    # ``inspect.signature`` (and so FastAPI) stops at ``__signature__``.
    route.__signature__ = signature.replace(parameters=visible)  # type: ignore[attr-defined]
    return route  # type: ignore[return-value]


__all__ = ["Provide", "inject"]
