"""CORS, with a refused preflight answered as a problem like every other 4xx."""

from __future__ import annotations

from starlette.datastructures import Headers
from starlette.middleware.cors import CORSMiddleware
from starlette.responses import Response

from entrypoints.http.problems import problem_response

# Starlette's refusal carries these for its text body; the problem sets its own.
_BODY_HEADERS = frozenset({"content-type", "content-length"})


class ProblemCORSMiddleware(CORSMiddleware):
    """Starlette's CORS middleware, whose refused preflight (a ``text/plain`` 400 such as
    "Disallowed CORS origin") becomes a ``cors_preflight_refused`` problem."""

    def preflight_response(self, request_headers: Headers) -> Response:
        response = super().preflight_response(request_headers)
        if response.status_code < 400:
            return response
        reason = bytes(response.body).decode("utf-8", "replace")
        kept = {key: value for key, value in response.headers.items() if key not in _BODY_HEADERS}
        return problem_response(
            response.status_code,
            code="cors_preflight_refused",
            detail=f"{reason}.",
            headers=kept,
        )
