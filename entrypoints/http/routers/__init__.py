"""One router per resource; each route parses, calls one use case, and maps the result."""

# No ``from __future__ import annotations`` here: dependency-injector reads the
# ``Annotated[..., Provide[...]]`` markers from the live signature.
