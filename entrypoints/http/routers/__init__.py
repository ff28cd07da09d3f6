"""One router per resource; each route parses, calls one use case, and maps the result."""

# Every resource router carries the full prefix itself, so that its routes are complete
# as built and the app can serve them directly (see ``entrypoints.http.app``).
API_PREFIX = "/api/v1"
