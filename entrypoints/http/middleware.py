"""Request ids, and the last line of defence against unexpected exceptions.

Pure ASGI (no ``BaseHTTPMiddleware``): it costs one dict lookup and one header per
request, and it sees exceptions that escaped every handler, so it can answer them with a
problem that carries the same request id as the log line.
"""

from __future__ import annotations

import logging
import os
import re
import time
from contextvars import ContextVar

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
