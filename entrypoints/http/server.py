"""Serving the API with uvicorn; reusable by any runner (``python -m entrypoints.http``,
``clientbook serve``)."""

from __future__ import annotations

import uvicorn

from config import load_settings
from entrypoints.http.logs import logging_config

APP_FACTORY = "entrypoints.http.app:create_app"


def serve(
    host: str = "127.0.0.1",
    port: int = 8000,
    workers: int = 1,
    reload: bool = False,
    log_level: str | None = None,
) -> None:
    """Run uvicorn on the app factory; every worker builds its own container.

    Logging follows ``CLIENTBOOK_LOG_FORMAT`` and ``CLIENTBOOK_LOG_LEVEL`` (or
    ``log_level``). Migrations are the caller's business: run them once, before any
    worker starts.
    """
    settings = load_settings()
    uvicorn.run(
        APP_FACTORY,
        factory=True,
        host=host,
        port=port,
        workers=None if reload else workers,
        reload=reload,
        log_config=logging_config(log_level or settings.log_level, settings.log_format),
        server_header=False,
        # Our own access line (entrypoints.http.middleware) has the route and duration.
        access_log=False,
        # On SIGTERM: stop accepting, let in-flight requests finish (up to this long).
        timeout_graceful_shutdown=settings.graceful_shutdown_seconds,
    )
