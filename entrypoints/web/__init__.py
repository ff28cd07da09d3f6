"""The web app: server-rendered pages at ``/`` on the same use cases as the API and the CLI."""
