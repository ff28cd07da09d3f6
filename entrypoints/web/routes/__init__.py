"""The web app's routes, one module per area (``entrypoints.web.app`` serves them in order)."""
