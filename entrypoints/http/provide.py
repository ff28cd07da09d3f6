"""``Provide``, as FastAPI should call it: on the event loop, not in its threadpool.

dependency-injector's ``Provide[...]`` marker is a plain callable, so FastAPI treats
``Depends(Provide[...])`` as a *sync* dependency and runs it in a worker thread, one
thread hop per injected use case per request, before ``@inject`` swaps the marker for
the real object anyway. This subclass only makes ``__call__`` a coroutine function, so
FastAPI awaits it inline; wiring still recognises it as a marker (it is one), and
everything else about ``@inject`` is unchanged. See docs/performance.md.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from dependency_injector.wiring import Provide as Provide
else:
    from dependency_injector import wiring

    class Provide(wiring.Provide):
        async def __call__(self) -> Provide:
            return self


__all__ = ["Provide"]
