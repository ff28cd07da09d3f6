"""The OpenAPI document, with error responses typed as ``application/problem+json``."""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi

from domain.queries import ClientSort, MeetingSort
from domain.reports import ReportGrouping
from entrypoints.http.problems import PROBLEM_MEDIA_TYPE

_PROBLEM_REF = {"$ref": "#/components/schemas/Problem"}

TAGS = [
    {"name": "auth", "description": "Accounts, login and tokens."},
    {"name": "users", "description": "Your own account."},
    {"name": "clients", "description": "Your clients and their contacts."},
    {"name": "meetings", "description": "Your meetings, and their CSV export."},
    {"name": "reports", "description": "Revenue over a period."},
    {"name": "admin", "description": "Administrators only."},
    {"name": "health", "description": "Liveness and readiness."},
]


def install_openapi(app: FastAPI) -> None:
    """Build the schema once, on first request, and move errors to problem+json."""

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            schema = get_openapi(
                title=app.title,
                version=app.version,
                description=app.description,
                routes=app.routes,
                tags=TAGS,
            )
            _problems_everywhere(schema)
            _enum_member_names(schema)
            app.openapi_schema = schema
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]


# Any operation that reads a body can refuse it before its own validation runs.
_BODY_PROBLEMS = {
    "400": "The body cannot be decoded (e.g. not UTF-8).",
    "413": "The body is larger than `CLIENTBOOK_MAX_BODY_BYTES`.",
}


def _problems_everywhere(schema: dict[str, Any]) -> None:
    for operations in schema.get("paths", {}).values():
        for operation in operations.values():
            if "requestBody" in operation:
                responses = operation.setdefault("responses", {})
                for code, description in _BODY_PROBLEMS.items():
                    responses.setdefault(code, {"description": description})
            for code, response in operation.get("responses", {}).items():
                if code[0] not in "45":
                    continue
                content = response.setdefault("content", {})
                content.pop("application/json", None)
                content[PROBLEM_MEDIA_TYPE] = {"schema": _PROBLEM_REF}
    components = schema.get("components", {}).get("schemas", {})
    # FastAPI's default 422 models are replaced by Problem everywhere above.
    for name in ("HTTPValidationError", "ValidationError"):
        components.pop(name, None)


# Every enum of the document, with its members' names: values such as "-name" are no
# identifiers, and generated clients would otherwise call them VALUE_1
# (openapi-python-client and openapi-generator read ``x-enum-varnames``).
NAMED_ENUMS: tuple[type[StrEnum], ...] = (ClientSort, MeetingSort, ReportGrouping)


def _enum_member_names(schema: dict[str, Any]) -> None:
    components = schema.get("components", {}).get("schemas", {})
    for enum in NAMED_ENUMS:
        component = components.get(enum.__name__)
        if component is not None and component.get("enum") == [m.value for m in enum]:
            component["x-enum-varnames"] = [m.name for m in enum]
