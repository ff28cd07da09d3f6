"""The fixed cost of an authenticated request, in process (issue 20).

Drives the app from ``create_app`` through ASGI (``bench.growth.Asgi``: lifespan
started, one request at a time) over the growth book's database, which it only reads:
``GET /api/v1/users/me`` (the floor: a cached caller, one primary-key read), the
first page of meetings (``GET /api/v1/meetings?limit=50``) and, on request
(``--paths search``), the growth bench's search matching 1 % of clients, each with a
bearer token issued by the app's own issuer and verified as in production.

Three ways to look at the same requests:

- default: the process's CPU time per request, the median of ``--batches`` batches of
  ``--requests`` requests, the paths interleaved batch by batch;
- ``--profile FILE``: cProfile of the counted requests, written to ``FILE`` (read it
  with ``python -m pstats FILE``);
- ``--callgrind``: run under ``valgrind --tool=callgrind --instr-atstart=no``; the
  harness switches instrumentation on for the counted requests only
  (``callgrind_control -i on/off``), and instructions per request are the dump's
  ``totals`` divided by the requests. Instruction counts repeat to a fraction of a per
  cent on a busy machine; CPU times do not.

    python -m bench.floor [--requests 2000] [--batches 7] [--paths me,meetings]
    valgrind --tool=callgrind --instr-atstart=no --callgrind-out-file=/tmp/cg.%p \\
        .venv/bin/python -m bench.floor --callgrind --requests 500 --paths me

Requires the growth book (``python -m bench.growth`` seeds it once).
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import logging.config
import os
import statistics
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path

from bench.growth import DATABASE, RARE_SEARCH, USER_EMAIL, Asgi

PATHS = {
    "me": "/api/v1/users/me",
    "meetings": "/api/v1/meetings?limit=50",
    # The growth bench's search: 50 of the 100 clients (1 %) that match, with contacts.
    "search": f"/api/v1/clients?limit=50&q={RARE_SEARCH}",
}


def _control(*args: str) -> None:
    subprocess.run(["callgrind_control", *args, str(os.getpid())], check=True, capture_output=True)


async def run(args: argparse.Namespace) -> dict[str, list[float]]:
    from container import Container
    from entrypoints.http.app import create_app

    container = Container()
    app = create_app(container)
    server = Asgi(app)
    await server.start()
    try:
        user = await container.find_user_by_email().execute(USER_EMAIL)
        issued = container.access_tokens().issue(user.id, now=container.clock().now())
        token = issued.token
        paths = [PATHS[name] for name in args.paths.split(",")]
        for path in paths:  # warm-up: caches, prepared statements, plans
            for _ in range(50):
                status, body = await server.request("GET", path, token=token)
                if status != 200:
                    raise RuntimeError(f"{path}: {status} {body[:300]!r}")
        cpu: dict[str, list[float]] = {path: [] for path in paths}
        profiler = cProfile.Profile() if args.profile else None
        if args.callgrind:
            _control("-i", "on")
        for _ in range(args.batches):
            for path in paths:
                if profiler is not None:
                    profiler.enable()
                started = time.process_time()
                for _ in range(args.requests):
                    await server.request("GET", path, token=token)
                cpu[path].append((time.process_time() - started) / args.requests * 1e6)
                if profiler is not None:
                    profiler.disable()
        if args.callgrind:
            _control("-i", "off")
            _control("-d")
        if profiler is not None:
            profiler.dump_stats(args.profile)
        return cpu
    finally:
        await server.stop()
        container.password_hasher().close()


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.floor", description=__doc__)
    parser.add_argument("--requests", type=int, default=2000, help="per batch and path")
    parser.add_argument("--batches", type=int, default=7)
    parser.add_argument("--paths", default="me,meetings", help=", ".join(PATHS))
    parser.add_argument("--profile", type=Path, help="write cProfile stats here")
    parser.add_argument("--callgrind", action="store_true", help="running under callgrind")
    parser.add_argument(
        "--loop",
        choices=("uvloop", "asyncio"),
        default="uvloop",
        help="the event loop (uvicorn, hence clientbook serve, runs uvloop when installed)",
    )
    parser.add_argument(
        "--access-log",
        action="store_true",
        help="configure logging as clientbook serve does at INFO (each request's access "
        "line written to stderr), instead of leaving it off",
    )
    parser.add_argument("--pg", default="postgresql+asyncpg://postgres@127.0.0.1:5432")
    args = parser.parse_args(argv)
    os.environ["CLIENTBOOK_DATABASE_URL"] = f"{args.pg}/{DATABASE}"
    os.environ.setdefault("CLIENTBOOK_LOG_LEVEL", "WARNING")
    os.environ.setdefault("CLIENTBOOK_SECRET_KEY", "floor-bench-" + "x" * 40)
    # The caller stays cached for the run, however slowly it goes (under valgrind).
    os.environ.setdefault("CLIENTBOOK_IDENTITY_CACHE_SECONDS", "300")
    if args.access_log:
        from entrypoints.http.logs import logging_config

        logging.config.dictConfig(logging_config("INFO"))
    load = os.getloadavg()
    if args.loop == "uvloop":
        import uvloop

        cpu = uvloop.run(run(args))
    else:
        cpu = asyncio.run(run(args))
    print(f"load average at start {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}")
    for path, batches in cpu.items():
        runs = ", ".join(f"{b:.0f}" for b in batches)
        print(f"{path}: {statistics.median(batches):.0f} µs CPU per request ({runs})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
