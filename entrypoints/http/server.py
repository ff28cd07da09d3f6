"""Serving the API with uvicorn; reusable by any runner (``python -m entrypoints.http``,
``clientbook serve``)."""

from __future__ import annotations

import uvicorn

APP_FACTORY = "entrypoints.http.app:create_app"


def serve(
    host: str = "127.0.0.1",
    port: int = 8000,
    workers: int = 1,
    reload: bool = False,
    log_level: str = "info",
) -> None:
    """Run uvicorn on the app factory; every worker builds its own container.

    Migrations are the caller's business: run them once, before any worker starts.
    """
    uvicorn.run(
        APP_FACTORY,
        factory=True,
        host=host,
        port=port,
        workers=None if reload else workers,
        reload=reload,
        log_level=log_level,
        server_header=False,
    )
