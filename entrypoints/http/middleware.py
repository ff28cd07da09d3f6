"""The app's ASGI middleware, outermost last: request ids, the body size limit, security headers.

All pure ASGI (no ``BaseHTTPMiddleware``): each costs a header scan per request and never
buffers a body. ``RequestIdMiddleware`` is also the last line of defence against
unexpected exceptions: it sees what escaped every handler, so it can answer with a
problem that carries the same request id as the log line.
"""

from __future__ import annotations

import logging
import os
import re
import time
from collections.abc import Iterable
from contextvars import ContextVar

from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from entrypoints.http.problems import problem_response

REQUEST_ID_HEADER = "X-Request-ID"
_HEADER_KEY = REQUEST_ID_HEADER.lower().encode("latin-1")
_SANE = re.compile(rb"^[A-Za-z0-9._:\-]{1,128}$")

request_id: ContextVar[str | None] = ContextVar("request_id", default=None)
log = logging.getLogger("clientbook.http")
# One line per request: request id, method, route template, status, duration. Never the
# query string, headers or body, so no credential can reach the log this way.
access_log = logging.getLogger("clientbook.access")


def _incoming_id(scope: Scope) -> str:
    for key, value in scope.get("headers", ()):
        if key == _HEADER_KEY:
            if _SANE.match(value):
                return str(value.decode("latin-1"))
            break
    # 128 random bits as 32 hex digits: what uuid4() spells, with less work.
    return os.urandom(16).hex()


class RequestIdMiddleware:
    """Accept a sane ``X-Request-ID`` (or make one), echo it, and turn crashes into 500s."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        rid = _incoming_id(scope)
        token = request_id.set(rid)
        raw_id = rid.encode("latin-1")
        started = False
        status = 500
        began = time.perf_counter()

        async def send_with_id(message: Message) -> None:
            nonlocal started, status
            if message["type"] == "http.response.start":
                started = True
                status = int(message["status"])
                message["headers"] = [*message.get("headers", ()), (_HEADER_KEY, raw_id)]
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        except Exception:
            log.exception(
                "unhandled error on %s %s (request id %s)", scope["method"], scope["path"], rid
            )
            if started:  # the status line is gone; all we can do is drop the connection
                raise
            response = problem_response(
                500,
                code="internal_error",
                detail="An unexpected error occurred; quote the request id to support.",
                headers={REQUEST_ID_HEADER: rid},
                extra={"request_id": rid},
            )
            await response(scope, receive, send)
        finally:
            route = _route_of(scope)
            _log_access(scope["method"], route, status, time.perf_counter() - began)
            request_id.reset(token)


def _route_of(scope: Scope) -> str:
    """The matched route's path template (``/api/v1/clients/{client_id}``), never raw input."""
    template = getattr(scope.get("route"), "path_format", None)
    return template if isinstance(template, str) else "<unmatched>"


def _log_access(method: str, route: str, status: int, seconds: float) -> None:
    if not access_log.isEnabledFor(logging.INFO):
        return
    duration_ms = round(seconds * 1000, 2)
    access_log.info(
        "%s %s %d %.2fms",
        method,
        route,
        status,
        duration_ms,
        extra={"method": method, "route": route, "status": status, "duration_ms": duration_ms},
    )


_CONTENT_LENGTH = b"content-length"


def _too_large(limit: int) -> str:
    return f"The request body is larger than {limit} bytes."


class BodyLimitMiddleware:
    """Refuse bodies over ``max_bytes`` with a 413 problem.

    A declared ``Content-Length`` over the limit is refused before a byte is read. A
    body without one (chunked) or one that lies is counted as it streams in, and the
    read that crosses the limit raises a 413 ``HTTPException``, which the app's problem
    handler renders; nothing past the limit is ever held in memory.

    FastAPI's own ``FastAPI(max_body_size=...)`` does not do this job (checked on
    FastAPI 0.165): it sits outside the app's middleware and exception handlers, so its
    413 is plain text without a request id or security headers, and a route that does
    not read the body (a ``GET``, an unknown path) still runs before its answer is
    replaced by the 413. See docs/adr/0021-http-edge-on-public-apis.md.
    """

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self.max_bytes
        for key, value in scope.get("headers", ()):
            if key == _CONTENT_LENGTH:
                if not value.isdigit():
                    await problem_response(400, detail="Invalid Content-Length header.")(
                        scope, receive, send
                    )
                    return
                if int(value) > limit:
                    await problem_response(413, detail=_too_large(limit))(scope, receive, send)
                    return
                break
        received = 0

        async def counted_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise StarletteHTTPException(413, detail=_too_large(limit))
            return message

        await self.app(scope, counted_receive, send)


# Everything here is JSON or CSV for programs, never a page to frame or sniff; the docs
# pages (``/docs``, ``/redoc``) run their assets from this server only (entrypoints.http.
# docs) plus the inline script that starts them, and ReDoc's search worker (a blob).
_API_CSP = b"default-src 'none'; frame-ancestors 'none'"
_DOCS_CSP = (
    b"default-src 'none'; script-src 'self' 'unsafe-inline'; "
    b"style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; "
    b"worker-src 'self' blob:; frame-ancestors 'none'"
)
# The web app's pages (entrypoints.web) run no inline script or style: their one
# stylesheet and one script come from this server, and forms post back to it only.
_WEB_CSP = (
    b"default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; "
    b"form-action 'self'; base-uri 'none'; frame-ancestors 'none'"
)
_COMMON: tuple[tuple[bytes, bytes], ...] = (
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"no-referrer"),
    (b"cross-origin-opener-policy", b"same-origin"),
    (b"cross-origin-resource-policy", b"same-origin"),
)
_DOCS_PATHS = frozenset({"/docs", "/docs/oauth2-redirect", "/redoc"})
# Served for programs, under the API's policy; every other path is the web app's.
_API_PREFIXES = ("/api/", "/health")
_STATIC_PREFIX = "/static/"


class SecurityHeadersMiddleware:
    """Add browser-hardening headers to every response.

    API answers and the web app's pages carry tokens and private data:
    ``Cache-Control: no-store`` keeps them out of shared and browser caches
    (``/openapi.json``, the docs page and the web app's static files may be cached).
    Pages get a CSP that allows this server's own script and stylesheet and nothing
    inline. A header the route set itself is left as it is.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        # Built once: which headers a path gets is fixed.
        self._api = (
            *_COMMON,
            (b"content-security-policy", _API_CSP),
            (b"cache-control", b"no-store"),
        )
        self._schema = (*_COMMON, (b"content-security-policy", _API_CSP))
        self._docs = (*_COMMON, (b"content-security-policy", _DOCS_CSP))
        self._web = (
            *_COMMON,
            (b"content-security-policy", _WEB_CSP),
            (b"cache-control", b"no-store"),
        )
        self._static = (*_COMMON, (b"content-security-policy", _WEB_CSP))

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path: str = scope.get("path", "")
        if path.startswith(_API_PREFIXES):
            extra = self._api
        elif path in _DOCS_PATHS:
            extra = self._docs
        elif path == "/openapi.json":
            extra = self._schema
        elif path.startswith(_STATIC_PREFIX):
            extra = self._static
        else:
            extra = self._web

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = _with_headers(message.get("headers", ()), extra)
            await send(message)

        await self.app(scope, receive, send_with_headers)


_HARDENING_NAMES = frozenset(
    name for name, _ in (*_COMMON, (b"content-security-policy", b""), (b"cache-control", b""))
)


def _with_headers(
    headers: Iterable[tuple[bytes, bytes]], extra: tuple[tuple[bytes, bytes], ...]
) -> list[tuple[bytes, bytes]]:
    """``headers`` and those of ``extra`` it does not set itself (names compared lowercased)."""
    headers = list(headers)
    for name, _ in headers:
        if name.lower() in _HARDENING_NAMES:  # rare: a response that sets one itself
            present = {key.lower() for key, _ in headers}
            headers.extend(header for header in extra if header[0] not in present)
            return headers
    headers.extend(extra)
    return headers
