"""``python -m entrypoints.http``: apply pending migrations, then serve the API.

The web stack's own runner (``clientbook serve`` does the same through the CLI). Host
and port come from ``--host``/``--port`` (default 127.0.0.1:8000); everything else from
the ``CLIENTBOOK_*`` settings.
"""

from __future__ import annotations

import argparse
import asyncio
import inspect
import sys
from typing import Any

from config import ConfigurationError, resolve_secret_key
from container import Container
from entrypoints.http.server import serve


async def _settle(result: Any) -> Any:
    return await result if inspect.isawaitable(result) else result


async def _prepare(container: Container) -> None:
    """Bring the schema up to date and release the connections used for it."""
    try:
        if container.settings().persistence == "sqlalchemy":
            migrator = container.migrator()
            await _settle(migrator.upgrade())
            revision = await _settle(migrator.current())
            print(f"Database schema up to date (revision {revision}).", file=sys.stderr)
    finally:
        await container.storage().close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m entrypoints.http", description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8000)
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--reload", action="store_true")
    args = parser.parse_args(argv)

    container = Container()
    try:
        settings = container.settings()
        # Resolve (or generate once) the signing secret before any worker starts.
        resolve_secret_key(settings)
    except ConfigurationError as error:
        print(f"configuration error: {error}", file=sys.stderr)
        return 2
    if args.workers > 1 and settings.persistence == "memory":
        print(
            "CLIENTBOOK_PERSISTENCE=memory keeps data inside one process: use --workers 1",
            file=sys.stderr,
        )
        return 2
    try:
        asyncio.run(_prepare(container))
    except Exception as error:  # any failure here means "do not start"; say why, briefly
        print(f"cannot prepare the database: {type(error).__name__}: {error}", file=sys.stderr)
        return 1
    print(
        f"Clientbook on http://{args.host}:{args.port} - docs at "
        f"http://{args.host}:{args.port}/docs",
        file=sys.stderr,
        flush=True,
    )
    serve(host=args.host, port=args.port, workers=args.workers, reload=args.reload)
    return 0


if __name__ == "__main__":
    sys.exit(main())
