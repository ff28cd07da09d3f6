"""Who is calling: the bearer scheme, the caller's user, and the routes that resolve it.

``CurrentUser`` is a plain FastAPI dependency (``Depends(current_user)``): that is what
route signatures say, what FastAPI documents as the OAuth2 password flow (Swagger UI's
Authorize button), and what any route resolves correctly. ``CallerFirstRoute`` makes
resolving it cheap: see its docstring and ADR 0003 (decision 8).
"""

import inspect
from collections.abc import Callable, Coroutine, Sequence
from contextvars import ContextVar
from dataclasses import replace
from functools import wraps
from typing import Annotated, Any

from fastapi import Depends, Request, Response
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute
from fastapi.security import OAuth2PasswordBearer

from application.auth import IdentifyUser
from application.views import UserView
from container import Container
from domain.errors import TokenInvalid
from entrypoints.http.provide import Provide, inject

TOKEN_URL = "/api/v1/auth/token"  # noqa: S105 - a route, not a secret


class BearerUser(OAuth2PasswordBearer):
    """The caller, from ``Authorization: Bearer <token>``: one dependency, not two.

    It is the security scheme (so OpenAPI documents it, as the OAuth2 password flow,
    and Swagger UI's Authorize button can log in) and it resolves the token to its user.
    ``auto_error=False`` lets a missing or malformed header become our own 401 problem
    rather than FastAPI's. Any failure is a 401 with ``WWW-Authenticate``.
    """

    async def __call__(self, request: Request) -> UserView:  # type: ignore[override]
        token = await super().__call__(request)
        if not token:
            raise TokenInvalid("Missing bearer token.")
        return await identify(token)


@inject
async def identify(
    token: str, identify_user: IdentifyUser = Provide[Container.identify_user]
) -> UserView:
    """The user behind an access token, by the container's ``IdentifyUser``."""
    return await identify_user.execute(token)


current_user = BearerUser(
    tokenUrl=TOKEN_URL,
    auto_error=False,
    scheme_name="bearer",
    description="Log in with your email as the username; or paste an access token.",
)

CurrentUser = Annotated[UserView, Depends(current_user)]


def client_address(request: Request) -> str:
    """The peer address, the key for per-source login rate limits."""
    return request.client.host if request.client else "unknown"


ClientAddress = Annotated[str, Depends(client_address)]


# The caller of the request being served, set by ``CallerFirstRoute`` around its handler.
_caller: ContextVar[UserView] = ContextVar("clientbook_caller")

Handler = Callable[[Request], Coroutine[Any, Any, Response]]


class CallerFirstRoute(APIRoute):
    """An ``APIRoute`` that resolves ``current_user`` itself, before anything else.

    FastAPI 0.16x spends about 15 µs of CPU per request on every node of a route's
    dependency graph (cache keys, scope and security-scope checks, a recursive solve),
    more than resolving the caller costs once its token and user are cached. So the
    route is built as usual, and ``self.dependant`` (from which OpenAPI documents the
    bearer scheme on the operation) is left alone; only the handler that serves
    requests is built from a copy of that graph without the ``current_user`` nodes.
    That handler resolves the caller first, so a request without a valid token is a
    401 before its parameters or body are even looked at, and the functions that
    declared a ``CurrentUser`` get it as the same keyword argument as before.

    Only ``async def`` functions are rewritten; anything else in the graph keeps its
    ``current_user`` node, which FastAPI then resolves as usual: slower, never wrong.
    """

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
