"""The FastAPI application factory.

Nothing is built at import time: ``create_app()`` makes (or receives) the container,
keeps it on ``app.state`` for the routes' dependencies (``provide.provided``), and
returns the app. For uvicorn:
``uvicorn entrypoints.http.app:create_app --factory``.
"""

from __future__ import annotations

import functools
import gc
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from fastapi.telemetry import TelemetryConfig

from config import unknown_variables
from container import Container
from entrypoints.http.cors import ProblemCORSMiddleware
from entrypoints.http.docs import install_docs
from entrypoints.http.middleware import (
    REQUEST_ID_HEADER,
    BodyLimitMiddleware,
    RequestIdMiddleware,
    SecurityHeadersMiddleware,
)
from entrypoints.http.openapi import install_openapi
from entrypoints.http.problems import install_problem_handlers
from entrypoints.http.routers import admin, auth, clients, health, meetings, reports, users
from entrypoints.web.app import install_web, web_routes

# Matched in this order on every request, so the busiest resources come first (the
# documentation keeps its own order: openapi.TAGS).
_ROUTE_MODULES = (clients, meetings, users, reports, auth, admin, health)

log = logging.getLogger("clientbook.config")

_NO_TELEMETRY: TelemetryConfig = {
    "tracing": False,
    "metrics": False,
    "logs": False,
    "operation_spans": False,
}

DESCRIPTION = """
Clientbook keeps a freelancer's book of business: clients, their contacts, meetings and
the revenue they bring.

Authenticate with **Authorize** (your email as the username), or send
`Authorization: Bearer <access token>` from `POST /api/v1/auth/login`. Every error is an
RFC 9457 problem (`application/problem+json`) with a stable `code`.
"""


@functools.cache
def _freeze_what_lives_for_good() -> None:
    """Once per process, at the first app's startup: what is built by then (modules,
    the app, its routes and schemas, the container) lives as long as the process.
    Frozen out of the collector's sight, it is no longer walked by every full
    collection, which a request allocating many objects (a report of 10,000 clients)
    triggers: tens of milliseconds each (docs/performance.md, "Growth with data")."""
    gc.collect()
    gc.freeze()


def tune_garbage_collector(gen0_threshold: int) -> None:
    """Collect the young generation every ``gen0_threshold`` allocations (the older ones
    every 50 and 100 of those) in a serving process; 0 leaves the interpreter's
    thresholds. Set at startup, in each worker (ADR 0024)."""
    if gen0_threshold > 0:
        gc.set_threshold(gen0_threshold, 50, 100)


def create_app(container: Container | None = None) -> FastAPI:
    """Build the API around ``container`` (a fresh one, configured from the environment)."""
    from_environment = container is None
    container = container if container is not None else Container()
    settings = container.settings()  # a bad setting stops startup here, naming the variable

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        if from_environment:
            # Whichever server runs the factory (``clientbook serve``, bare uvicorn,
            # gunicorn), a misspelt variable is said once per worker, not ignored.
            for warning in unknown_variables():
                log.warning(warning)
        _freeze_what_lives_for_good()
        tune_garbage_collector(settings.gc_gen0_threshold)
        try:
            yield
        finally:
            try:
                await container.storage().close()
            finally:
                await _close_rate_limiters(container)

    app = FastAPI(
        # The routes themselves, not ``include_router`` (ADR 0011): each module's routes
        # are complete as built (full path, tags, responses), so the app serves them in
        # one flat list, as Starlette does.
        # The web app's pages (entrypoints.web) come after the API's routes.
        routes=[
            *(route for module in _ROUTE_MODULES for route in module.router.routes),
            *web_routes(),
        ],
        # FastAPI looks for OpenTelemetry providers on every request unless told not to
        # (ADR 0010): only when the operator asks for it.
        telemetry=None if settings.opentelemetry else _NO_TELEMETRY,
        title="Clientbook",
        version="1.0.0",
        description=DESCRIPTION,
        lifespan=lifespan,
        swagger_ui_parameters={"persistAuthorization": True},
        # /docs and /redoc are served from installed assets instead (entrypoints.http.docs).
        docs_url=None,
        redoc_url=None,
        # A trailing slash is a plain 404: Starlette's redirect would build an absolute
        # URL from the request's Host header, echoing whatever the caller sent.
        redirect_slashes=False,
    )
    app.state.container = container
    install_problem_handlers(app)
    install_openapi(app)
    install_docs(app)
    install_web(app, container)

    # Listed innermost first: the last one added sees the request first.
    app.add_middleware(BodyLimitMiddleware, max_bytes=settings.max_body_bytes)
    app.add_middleware(RequestIdMiddleware)
    if settings.cors_origins:
        app.add_middleware(
            ProblemCORSMiddleware,
            allow_origins=settings.cors_origins,
            allow_methods=["GET", "POST", "PATCH", "DELETE", "OPTIONS"],
            allow_headers=["Authorization", "Content-Type", REQUEST_ID_HEADER],
            expose_headers=[REQUEST_ID_HEADER, "Retry-After", "Content-Disposition"],
        )
    app.add_middleware(SecurityHeadersMiddleware)
    return app


async def _close_rate_limiters(container: Container) -> None:
    """Release the limiters' connections (Redis); in-process limiters hold none."""
    await container.login_rate_limiter().close()
    await container.register_rate_limiter().close()
    await container.long_requests().close()
