"""``ApiRoute``: FastAPI's ``APIRoute``, with two costs of the request path taken out.

Every resource router is built with ``route_class=ApiRoute``. Routes are declared, and
documented, exactly as with ``APIRoute``; what changes is how a request gets to them:

- **Ruled out cheaply.** Starlette tries an app's routes one by one, and a FastAPI route
  that does not match still costs about 1.4 µs to say so (its scope checks, the path, a
  regular expression): ``GET /users/me`` was 13 routes down the list, 15 % of its CPU.
  A route can only match a path that contains its text up to its first parameter
  (``/api/v1/clients/`` for ``/api/v1/clients/{client_id}``), whatever prefix an
  including router or a ``root_path`` adds in front, so one substring test rules most
  of them out; the full match decides the rest, as before.
- **The caller first.** FastAPI 0.16x spends some 60,000 CPU instructions per request on
  every node of a route's dependency graph (cache keys, scope and security-scope checks,
  a recursive solve): more than resolving the caller costs once its token and user are
  cached. The route keeps the graph FastAPI built (``self.dependant``), from which
  OpenAPI documents the bearer scheme on the operation; only the handler that serves
  requests is built from a copy without the ``current_user`` nodes. That handler
  resolves the caller first, so a request without a valid token is a 401 before its
  parameters or body are even looked at, and the functions that declared a
  ``CurrentUser`` (the route, or a shared dependency) get it as the same keyword
  argument as before, from a context variable set for the request.

Only ``async def`` functions are rewritten; anything else keeps its ``current_user``
node, which FastAPI then resolves as usual: slower, never wrong. See ADR 0003,
decisions 8 and 9.
"""

import inspect
from collections.abc import Callable, Coroutine, Sequence
from contextvars import ContextVar
from dataclasses import replace
from functools import wraps
from typing import Any

from fastapi import Request, Response
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute
from starlette.routing import Match
from starlette.types import Scope

from application.views import UserView
from entrypoints.http.security import current_user

Handler = Callable[[Request], Coroutine[Any, Any, Response]]

# The caller of the request being served, set by ``ApiRoute``'s handler around the rest.
_caller: ContextVar[UserView] = ContextVar("clientbook_caller")


class ApiRoute(APIRoute):
    """An ``APIRoute`` that rules itself out cheaply and resolves the caller itself."""

    def __init__(self, path: str, endpoint: Callable[..., Any], **kwargs: Any) -> None:
        super().__init__(path, endpoint, **kwargs)
        self._literal = path.split("{", 1)[0]

    def matches(self, scope: Scope) -> tuple[Match, Scope]:
        if self._literal in scope["path"]:
            return APIRoute.matches(self, scope)
        return Match.NONE, {}

    def get_route_handler(self) -> Handler:
        documented = self.dependant
        runtime = _without_caller(documented)
        if runtime is None:
            return super().get_route_handler()
        # FastAPI builds the handler from ``self.dependant``; it keeps its own reference.
        self.dependant = runtime
        try:
            handler = super().get_route_handler()
        finally:
            self.dependant = documented

        async def caller_first(request: Request) -> Response:
            token = _caller.set(await current_user(request))
            try:
                return await handler(request)
            finally:
                _caller.reset(token)

        return caller_first


def _without_caller(dependant: Dependant) -> Dependant | None:
    """A copy of ``dependant`` that takes the caller from ``_caller`` instead of from
    ``current_user`` nodes; ``None`` when nothing in it changes."""
    if not inspect.iscoroutinefunction(dependant.call):
        return None
    names: list[str] = []
    dependencies: list[Dependant] = []
    changed = False
    for sub in dependant.dependencies:
        if sub.call is current_user:
            changed = True
            if sub.name is not None:  # a parameter; a bare guard has no name to fill
                names.append(sub.name)
            continue
        rewritten = _without_caller(sub)
        changed = changed or rewritten is not None
        dependencies.append(sub if rewritten is None else rewritten)
    if not changed:
        return None
    call = dependant.call if not names else _passing_caller(dependant.call, names)
    return replace(dependant, dependencies=dependencies, call=call)


def _passing_caller(
    call: Callable[..., Coroutine[Any, Any, Any]], names: Sequence[str]
) -> Callable[..., Coroutine[Any, Any, Any]]:
    @wraps(call)
    async def with_caller(**values: Any) -> Any:
        caller = _caller.get()
        for name in names:
            values[name] = caller
        return await call(**values)

    return with_caller
