"""``python -m entrypoints.http``: the same program as ``clientbook serve``.

One serve path: the checks (settings, shared secret, free port), the migrations and the
uvicorn run are the ``serve`` command's, whichever way the server is started. Options as
``clientbook serve --help`` lists them (``--host``, ``--port``, ``--workers``, ``--reload``).
"""

from __future__ import annotations

import sys

from entrypoints.cli.main import build_app


def main(argv: list[str] | None = None) -> int:
    """Run ``serve`` with ``argv`` (default: the command line); the exit code."""
    arguments = sys.argv[1:] if argv is None else argv
    try:
        build_app()(["serve", *arguments], prog_name="python -m entrypoints.http")
    except SystemExit as done:
        return done.code if isinstance(done.code, int) else 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
