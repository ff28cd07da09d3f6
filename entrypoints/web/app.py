"""The web app inside the API's FastAPI app: its routes, static files and error pages.

``create_app`` serves ``web_routes()`` after the API's routes (their paths never meet:
the API is under ``/api/v1``), mounts ``/static`` from this package, and calls
``install_web``, which keeps the web's settings on ``app.state.web`` and makes the app's
error handlers answer a web route's failure with a page instead of a problem document.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from http import HTTPStatus
from typing import Any
from urllib.parse import urlencode

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import Response
from starlette.routing import BaseRoute
from starlette.staticfiles import StaticFiles

from container import Container
from domain.errors import AuthenticationFailed, DomainError, RateLimited, ServiceBusy
from entrypoints.http.problems import status_of
from entrypoints.web.csrf import CsrfRefused
from entrypoints.web.pages import build_config, next_path, redirect, render
from entrypoints.web.routes import accounts, clients, dashboard, meetings, reports
from entrypoints.web.session import SESSION_COOKIE, SignInRequired, clear_cookie

_ROUTERS = (dashboard, clients, meetings, reports, accounts)
_WEB_TAG = "web"

Handler = Callable[[Request, Exception], Awaitable[Response]]


def web_routes() -> list[BaseRoute]:
    return [route for module in _ROUTERS for route in module.router.routes]


def _is_web(request: Request) -> bool:
    """Whether the request matched one of the web app's routes."""
    route = request.scope.get("route")
    return _WEB_TAG in (getattr(route, "tags", None) or ())


_PROGRAM_PATHS = ("/api/", "/health", "/docs", "/redoc", "/openapi.json")


def _lost_browser(request: Request) -> bool:
    """A browser asking for a page that does not exist (an HTML 404, not a problem)."""
    return (
        request.scope.get("route") is None
        and not request.url.path.startswith(_PROGRAM_PATHS)
        and "text/html" in request.headers.get("accept", "")
    )


def install_web(app: FastAPI, container: Container) -> None:
    settings = container.settings()
    app.state.web = build_config(
        container.secret_key(),
        secure_cookies=settings.cookies_secure,
        session_seconds=settings.refresh_token_days * 24 * 3600,
    )
    app.mount(
        "/static",
        StaticFiles(packages=[("entrypoints.web", "static")]),
        name="static",
    )

    async def sign_in(request: Request, error: Exception) -> Response:
        assert isinstance(error, SignInRequired)  # noqa: S101
        # Back to the page asked for once signed in (a page read, never a form's post).
        wanted = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        if request.method == "GET" and next_path(wanted) != "/":
            response = redirect(f"/login?{urlencode({'next': wanted})}")
        else:
            response = redirect("/login")
        if error.had_cookie:  # revoked or expired: forget it
            clear_cookie(response, SESSION_COOKIE, secure=app.state.web.secure_cookies)
        return response

    async def csrf_refused(request: Request, error: Exception) -> Response:
        return _error_page(
            request,
            403,
            "The form has expired or did not come from this site. Go back, reload the "
            "page and send it again.",
        )

    app.add_exception_handler(SignInRequired, sign_in)
    app.add_exception_handler(CsrfRefused, csrf_refused)
    for error_type, page, is_page in (
        (DomainError, _domain_error_page, _is_web),
        (RequestValidationError, _invalid_request_page, _is_web),
        (StarletteHTTPException, _http_error_page, _is_page_or_lost),
    ):
        api = app.exception_handlers[error_type]
        app.add_exception_handler(error_type, _for_web(api, page, is_page))


def _is_page_or_lost(request: Request) -> bool:
    return _is_web(request) or _lost_browser(request)


def _for_web(
    api: Callable[[Request, Any], Any], page: Handler, is_page: Callable[[Request], bool]
) -> Handler:
    """The web route's page, or the API's problem for everything else."""

    async def handler(request: Request, error: Exception) -> Response:
        if is_page(request):
            return await page(request, error)
        answer: Response = await api(request, error)
        return answer

    return handler


def _error_page(request: Request, status: int, message: str) -> Response:
    return render(
        request,
        "message.html",
        user=getattr(request.state, "web_user", None),
        status_code=status,
        title=HTTPStatus(status).phrase,
        message=message,
        back="/",
    )


async def _domain_error_page(request: Request, error: Exception) -> Response:
    assert isinstance(error, DomainError)  # noqa: S101
    if isinstance(error, AuthenticationFailed):
        return redirect("/login")
    response = _error_page(request, status_of(error), error.message)
    if isinstance(error, RateLimited | ServiceBusy):
        response.headers["Retry-After"] = str(error.retry_after_seconds)
    return response


async def _invalid_request_page(request: Request, error: Exception) -> Response:
    # A web route's only typed inputs are ids in its path: a malformed one names nothing.
    return _error_page(request, 404, "There is no such page.")


async def _http_error_page(request: Request, error: Exception) -> Response:
    assert isinstance(error, StarletteHTTPException)  # noqa: S101
    return _error_page(request, error.status_code, HTTPStatus(error.status_code).phrase + ".")
