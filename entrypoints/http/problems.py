"""RFC 9457 problem details: one table from error type to status, one renderer.

Every error response of the API goes through :func:`problem_response`, so every 4xx and
5xx has the same shape, ``Content-Type: application/problem+json`` and a stable ``code``.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from http import HTTPStatus
from typing import Any

import orjson
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from pydantic import BaseModel, ConfigDict, Field
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import Response
from starlette.routing import Match

from domain.errors import (
    AuthenticationFailed,
    Conflict,
    DomainError,
    InvalidInput,
    NotFound,
    PermissionDenied,
    PreconditionFailed,
    RateLimited,
    ServiceBusy,
    StorageProblem,
    StorageUnavailable,
)
from entrypoints.http.security import TOKEN_URL

PROBLEM_MEDIA_TYPE = "application/problem+json"
PROBLEM_TYPE = "about:blank"  # the status says it all; ``code`` refines it

log = logging.getLogger("clientbook.http")

# The one error -> status table. Families cover every error the core raises; the lookup
# walks the raised error's MRO, so an exact class added here would win over its family.
STATUS_BY_ERROR: Mapping[type[DomainError], int] = {
    NotFound: 404,
    Conflict: 409,
    InvalidInput: 422,
    AuthenticationFailed: 401,
    PermissionDenied: 403,
    PreconditionFailed: 412,
    RateLimited: 429,
    ServiceBusy: 503,
    StorageUnavailable: 503,
}

# Codes for statuses the framework raises on its own (unknown route, wrong method …).
_CODE_BY_STATUS: Mapping[int, str] = {
    400: "bad_request",
    401: "authentication_failed",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    406: "not_acceptable",
    412: "precondition_failed",
    413: "payload_too_large",
    415: "unsupported_media_type",
    422: "validation_error",
    429: "rate_limited",
    500: "internal_error",
    503: "storage_unavailable",
}


class FieldProblem(BaseModel):
    """One invalid input: where it is, what is wrong, and a machine-readable type."""

    loc: list[str | int] = Field(examples=[["body", "email"]])
    msg: str = Field(examples=["Field required"])
    type: str = Field(examples=["missing"])


class Problem(BaseModel):
    """An RFC 9457 problem details object."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "type": "about:blank",
                    "title": "Not Found",
                    "status": 404,
                    "detail": "The client does not exist.",
                    "code": "client_not_found",
                }
            ]
        }
    )

    type: str = PROBLEM_TYPE
    title: str
    status: int
    detail: str
    code: str
    errors: list[FieldProblem] | None = Field(None, description="Only on 422: every invalid input.")
    error: str | None = Field(
        None, description="Only from /auth/token: the OAuth2 error code (RFC 6749, 5.2)."
    )
    error_description: str | None = Field(
        None, description="Only from /auth/token: why, for OAuth2 clients such as Swagger UI."
    )
    request_id: str | None = Field(None, description="Only on 500: quote it to support.")


def status_of(error: DomainError) -> int:
    """The HTTP status of a domain error: the nearest class in the table wins."""
    for cls in type(error).__mro__:
        status = STATUS_BY_ERROR.get(cls)
        if status is not None:
            return status
    return 400


def problem_response(
    status: int,
    *,
    code: str | None = None,
    detail: str | None = None,
    errors: Sequence[Mapping[str, Any]] | None = None,
    headers: Mapping[str, str] | None = None,
    extra: Mapping[str, Any] | None = None,
) -> Response:
    phrase = HTTPStatus(status).phrase
    body: dict[str, Any] = {
        "type": PROBLEM_TYPE,
        "title": phrase,
        "status": status,
        "detail": detail or phrase,
        "code": code or _CODE_BY_STATUS.get(status, "error"),
    }
    if errors is not None:
        body["errors"] = list(errors)
    if extra:
        body.update(extra)
    all_headers = dict(headers or {})
    if status == 401:
        all_headers.setdefault("WWW-Authenticate", "Bearer")
    return Response(
        orjson.dumps(body), status_code=status, headers=all_headers, media_type=PROBLEM_MEDIA_TYPE
    )


def _loc_of(field: str | None) -> list[str | int]:
    if not field:
        return []
    return [int(part) if part.isdigit() else part for part in field.split(".")]


async def domain_error_handler(request: Request, error: Exception) -> Response:
    assert isinstance(error, DomainError)  # noqa: S101 - registered for DomainError only
    status = status_of(error)
    headers: dict[str, str] = {}
    errors: list[dict[str, Any]] | None = None
    if isinstance(error, RateLimited | ServiceBusy):
        headers["Retry-After"] = str(error.retry_after_seconds)
    elif isinstance(error, StorageUnavailable) and error.problem is StorageProblem.BUSY:
        # Every pooled connection stayed busy for the whole wait: a moment's overload.
        headers["Retry-After"] = "1"
    code, detail = error.code, error.message
    if isinstance(error, InvalidInput):
        errors = [domain_field_problem(error)]
        if error.one_value:
            # The schemas check every such rule first; one that only the core caught
            # still has the one shape of invalid input.
            code, detail = "validation_error", _INVALID_DETAIL
    if isinstance(error, StorageUnavailable):
        log.warning("storage unavailable on %s %s", request.method, request.url.path)
    return problem_response(
        status,
        code=code,
        detail=detail,
        errors=errors,
        headers=headers,
        extra=_oauth2_error(request, status, detail),
    )


def domain_field_problem(error: InvalidInput) -> dict[str, Any]:
    """The ``errors[]`` item of a rule the core enforced (the web app shows it by its field)."""
    return {"loc": _loc_of(error.field), "msg": error.message, "type": error.code}


def validation_problems(errors: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """The ``errors[]`` items of a pydantic validation failure, never with the value."""
    return [_clean(item) for item in errors]


def _clean(error: Mapping[str, Any]) -> dict[str, Any]:
    """Keep where and what; never the submitted value (it may be a password)."""
    return {
        "loc": list(error.get("loc", ())),
        "msg": str(error.get("msg", "Invalid value.")),
        "type": str(error.get("type", "value_error")),
    }


_INVALID_DETAIL = "The request is not valid; see errors."


async def request_validation_handler(request: Request, error: Exception) -> Response:
    assert isinstance(error, RequestValidationError)  # noqa: S101
    errors = validation_problems(error.errors())
    return problem_response(
        422,
        code="validation_error",
        detail=_INVALID_DETAIL,
        errors=errors,
        extra=_oauth2_error(request, 422, "; ".join(_describe(item) for item in errors)),
    )


def _describe(error: Mapping[str, Any]) -> str:
    return f"{error['loc'][-1]}: {error['msg']}" if error["loc"] else str(error["msg"])


# OAuth2 clients (Swagger UI's Authorize dialog among them) read ``error`` and
# ``error_description`` from a token endpoint's failure (RFC 6749, section 5.2), so the
# token route's problems carry them as well.
_OAUTH2_ERROR_BY_STATUS: Mapping[int, str] = {
    401: "invalid_grant",
    422: "invalid_request",
    400: "invalid_request",
    429: "temporarily_unavailable",
    503: "temporarily_unavailable",
}


def _oauth2_error(request: Request, status: int, description: str) -> dict[str, str] | None:
    if request.url.path != TOKEN_URL:
        return None
    error = _OAUTH2_ERROR_BY_STATUS.get(status, "invalid_request")
    return {"error": error, "error_description": description}


async def http_exception_handler(request: Request, error: Exception) -> Response:
    assert isinstance(error, StarletteHTTPException)  # noqa: S101
    status = error.status_code
    detail = error.detail if isinstance(error.detail, str) else None
    headers = dict(error.headers or {})
    if status == 404 and detail == "Not Found":
        detail = "No such route."
    if status == 405:
        headers["Allow"] = ", ".join(allowed_methods(request))
    extra = _oauth2_error(request, status, detail or HTTPStatus(status).phrase)
    return problem_response(status, detail=detail, headers=headers, extra=extra)


def allowed_methods(request: Request) -> list[str]:
    """Every method of every route on the request's path (Starlette's own 405 names only
    the first route that matched the path, e.g. ``POST`` alone for ``PUT /clients``)."""
    methods: set[str] = set()
    scope = {**request.scope, "method": "GET"}
    for route in request.app.routes:
        match, _ = route.matches(scope)
        if match is not Match.NONE:
            methods.update(getattr(route, "methods", None) or ())
    return sorted(methods)


def install_problem_handlers(app: FastAPI) -> None:
    app.add_exception_handler(DomainError, domain_error_handler)
    app.add_exception_handler(RequestValidationError, request_validation_handler)
    app.add_exception_handler(StarletteHTTPException, http_exception_handler)


def problems(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI ``responses`` for a route's error statuses, each with the Problem schema."""
    return {
        status: {"model": Problem, "description": _DESCRIPTIONS.get(status, "Error")}
        for status in statuses
    }


_DESCRIPTIONS: Mapping[int, str] = {
    401: "Missing, invalid or expired credentials (`WWW-Authenticate: Bearer`).",
    403: "Authenticated, but not allowed.",
    404: "No such resource (or it belongs to someone else).",
    409: "Conflicts with existing data, or lost a race with another change "
    "(`concurrent_update`: try again).",
    412: "`If-Match` names a version that is no longer current: read the resource again.",
    422: "Invalid input; `errors` lists every problem.",
    429: "Too many attempts; see `Retry-After`.",
    503: "The database cannot be reached, or the service is busy (then with `Retry-After`).",
}
