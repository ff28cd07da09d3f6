"""The OpenAPI document: error responses typed as ``application/problem+json``, and
links between the operations that hand each other a resource, a version or a token."""

from __future__ import annotations

import re
from collections.abc import Iterator
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
            _link_operations(schema)
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


# Links (OpenAPI 3.1 §4.8.20) say which response feeds which request, so a client or a
# stateful test (Schemathesis) can walk the API as a user does: create, read, change with
# the version just read, delete. They are derived from the routes below, not listed by
# hand, so a new resource gets its links by following the same conventions:
#
# 1. A POST answering 201 on a collection ``P`` whose items live at ``P/{x}`` made an ``x``
#    whose id is the response's ``id``: it links to every operation under ``P/{x}`` (the
#    other path parameters taken from the request), to every operation taking ``x`` in
#    its query, and to every POST taking ``x`` in its body.
# 2. A response with an ``ETag`` links to the operations on the same path that take
#    ``If-Match``, with that tag (a change made on the version just read).
# 3. A response carrying a token that another operation's body takes under the same name
#    (``refresh_token``) links to that operation.
# 4. A 201 whose request held every field another operation requires (registration, then
#    login with the same email and password) links to it with those fields.
_HANDED_ON = ("refresh_token",)
_PARAMETER = re.compile(r"{(\w+)}")


def _link_operations(schema: dict[str, Any]) -> None:
    operations = list(_operations(schema))
    for path, method, operation in operations:
        for status, response in operation.get("responses", {}).items():
            links: dict[str, Any] = {}
            if method == "post" and status == "201":
                links.update(_created_links(schema, path, operations))
                links.update(_same_request_links(schema, operation, operations))
            if status.startswith("2") and "ETag" in response.get("headers", {}):
                links.update(_versioned_links(path, operations))
            links.update(_token_links(schema, response, operations))
            if links:
                response["links"] = links


def _operations(schema: dict[str, Any]) -> Iterator[tuple[str, str, dict[str, Any]]]:
    for path, methods in schema.get("paths", {}).items():
        for method, operation in methods.items():
            yield path, method, operation


def _created_links(
    schema: dict[str, Any], collection: str, operations: list[tuple[str, str, dict[str, Any]]]
) -> dict[str, Any]:
    made = next(
        (
            (path, match.group(1))
            for path, _, _ in operations
            if path.startswith(f"{collection}/")
            and (match := _PARAMETER.fullmatch(path[len(collection) + 1 :]))
        ),
        None,
    )
    if made is None:
        return {}
    item, name = made
    known = set(_PARAMETER.findall(collection))
    links: dict[str, Any] = {}
    for path, _, operation in operations:
        within = path == item or path.startswith(f"{item}/")
        if within and set(_PARAMETER.findall(path)) <= known | {name}:
            parameters = {p: f"$request.path.{p}" for p in _PARAMETER.findall(path) if p != name}
            parameters[name] = "$response.body#/id"
            links[operation["operationId"]] = _link(operation, parameters=parameters)
        elif not _PARAMETER.search(path):
            if any(
                p["name"] == name and p["in"] == "query" for p in operation.get("parameters", [])
            ):
                links[operation["operationId"]] = _link(
                    operation, parameters={f"query.{name}": "$response.body#/id"}
                )
            elif name in _body_properties(schema, operation):
                links[operation["operationId"]] = _link(
                    operation, requestBody={name: "$response.body#/id"}
                )
    return links


def _versioned_links(
    path: str, operations: list[tuple[str, str, dict[str, Any]]]
) -> dict[str, Any]:
    links: dict[str, Any] = {}
    for target_path, _, operation in operations:
        takes_if_match = any(
            p["name"] == "If-Match" and p["in"] == "header" for p in operation.get("parameters", [])
        )
        if target_path == path and takes_if_match:
            parameters = {p: f"$request.path.{p}" for p in _PARAMETER.findall(path)}
            parameters["header.If-Match"] = "$response.header.ETag"
            links[operation["operationId"]] = _link(operation, parameters=parameters)
    return links


def _token_links(
    schema: dict[str, Any],
    response: dict[str, Any],
    operations: list[tuple[str, str, dict[str, Any]]],
) -> dict[str, Any]:
    given = set()
    for media in response.get("content", {}).values():
        given |= set(_properties(schema, media.get("schema", {}))) & set(_HANDED_ON)
    links: dict[str, Any] = {}
    for _, _, operation in operations:
        taken = given & set(_body_properties(schema, operation))
        if taken:
            links[operation["operationId"]] = _link(
                operation, requestBody={name: f"$response.body#/{name}" for name in sorted(taken)}
            )
    return links


def _same_request_links(
    schema: dict[str, Any],
    source: dict[str, Any],
    operations: list[tuple[str, str, dict[str, Any]]],
) -> dict[str, Any]:
    sent = set(_body_properties(schema, source))
    links: dict[str, Any] = {}
    for _, _, operation in operations:
        required = set(_body_properties(schema, operation, required_only=True))
        if operation is not source and required and required <= sent:
            links[operation["operationId"]] = _link(
                operation, requestBody={name: f"$request.body#/{name}" for name in sorted(required)}
            )
    return links


def _link(operation: dict[str, Any], **fields: Any) -> dict[str, Any]:
    return {"operationId": operation["operationId"], **fields}


def _body_properties(
    schema: dict[str, Any], operation: dict[str, Any], *, required_only: bool = False
) -> list[str]:
    content = operation.get("requestBody", {}).get("content", {})
    body = content.get("application/json", {}).get("schema")
    if body is None:
        return []
    return _properties(schema, body, required_only=required_only)


def _properties(
    schema: dict[str, Any], node: dict[str, Any], *, required_only: bool = False
) -> list[str]:
    """The property names of an object schema (through one ``$ref``)."""
    if "$ref" in node:
        node = schema["components"]["schemas"][node["$ref"].rsplit("/", 1)[-1]]
    if required_only:
        return list(node.get("required", []))
    return list(node.get("properties", {}))
