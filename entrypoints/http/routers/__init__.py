"""One router per resource; each route parses, calls one use case, and maps the result."""

from typing import Any

# Every resource router carries the full prefix itself, so that its routes are complete
# as built and the app can serve them directly (see ``entrypoints.http.app``).
API_PREFIX = "/api/v1"


def created(what: str) -> dict[int | str, dict[str, Any]]:
    """OpenAPI for a 201 that names the new resource in ``Location`` (a path, never a
    URL built from the request's ``Host``)."""
    return {
        201: {
            "description": f"Created; `Location` is the new {what}'s path.",
            "headers": {
                "Location": {
                    "description": f"The new {what}'s path, relative to the server.",
                    "schema": {"type": "string"},
                }
            },
        }
    }
