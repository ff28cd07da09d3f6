"""The web app's routes, one module per area; ``ROUTERS`` lists them in serving order."""
