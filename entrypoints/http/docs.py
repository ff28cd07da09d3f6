"""Swagger UI at ``/docs`` and ReDoc at ``/redoc``, with every asset served by the app.

FastAPI's own pages load Swagger UI and ReDoc from a CDN, so offline (or behind a proxy
that blocks it) they are blank. The same pages are built here with FastAPI's public
``get_swagger_ui_html``/``get_redoc_html``, pointing at the copies of the assets that the
``fastapi-offline`` package installs (ADR 0018), served under ``/docs/assets``.
"""

from __future__ import annotations

from importlib.resources import as_file, files

from fastapi import FastAPI
from fastapi.openapi.docs import (
    get_redoc_html,
    get_swagger_ui_html,
    get_swagger_ui_oauth2_redirect_html,
)
from fastapi.staticfiles import StaticFiles
from starlette.requests import Request
from starlette.responses import HTMLResponse
from starlette.routing import Mount, Route

DOCS_URL = "/docs"
REDOC_URL = "/redoc"
OAUTH2_REDIRECT_URL = "/docs/oauth2-redirect"
ASSETS_URL = "/docs/assets"


def _assets_directory() -> str:
    """The installed package's asset folder (a plain folder: the package is not zipped)."""
    with as_file(files("fastapi_offline") / "static") as folder:
        return str(folder)


def install_docs(app: FastAPI) -> None:
    """Serve the documentation pages and their assets (``app`` built with
    ``docs_url=None, redoc_url=None``)."""
    openapi_url = app.openapi_url or "/openapi.json"
    title = app.title

    async def swagger_ui(request: Request) -> HTMLResponse:
        return get_swagger_ui_html(
            openapi_url=openapi_url,
            title=f"{title} - Swagger UI",
            oauth2_redirect_url=OAUTH2_REDIRECT_URL,
            swagger_js_url=f"{ASSETS_URL}/swagger-ui-bundle.js",
            swagger_css_url=f"{ASSETS_URL}/swagger-ui.css",
            swagger_favicon_url=f"{ASSETS_URL}/favicon.png",
            swagger_ui_parameters=app.swagger_ui_parameters,
        )

    async def oauth2_redirect(request: Request) -> HTMLResponse:
        return get_swagger_ui_oauth2_redirect_html()

    async def redoc(request: Request) -> HTMLResponse:
        return get_redoc_html(
            openapi_url=openapi_url,
            title=f"{title} - ReDoc",
            redoc_js_url=f"{ASSETS_URL}/redoc.standalone.js",
            redoc_favicon_url=f"{ASSETS_URL}/favicon.png",
            with_google_fonts=False,
        )

    app.router.routes.extend(
        [
            Route(DOCS_URL, swagger_ui, methods=["GET"], include_in_schema=False),
            Route(OAUTH2_REDIRECT_URL, oauth2_redirect, methods=["GET"], include_in_schema=False),
            Route(REDOC_URL, redoc, methods=["GET"], include_in_schema=False),
            Mount(ASSETS_URL, StaticFiles(directory=_assets_directory()), name="docs-assets"),
        ]
    )
