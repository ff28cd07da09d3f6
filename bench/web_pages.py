"""Server time of each web page (issue 19) on the bench's book, in process.

The book is ``bench/seed.py``'s (one user, 1,000 clients with three contacts each,
10,000 meetings), written through the core by its ``seed()``, with the meetings spread
over the current UTC year so that the dashboard (this year, the next meetings) shows
them, into a PostgreSQL database of its own (``clientbook_webpages_v<SEED_VERSION>_<year>``),
kept between runs (``--reseed`` drops it first). Then the app (``create_app`` on a container over
that database, its lifespan started) is driven through httpx's ASGI transport: sign in
through the web's own form (``GET /login`` for the CSRF token, then ``POST /login``),
then every page in interleaved rounds, one request at a time, timed from the call to
the last body byte (wall and process CPU). Prints the median per page and the target.

Run alone: ``python -m bench.web_pages [--rounds 30] [--pg-host … --pg-port … --pg-user …]``;
``--json`` prints the results as one JSON object instead of the table.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import statistics
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from bench import seed as bench_seed
from bench.growth import Asgi, cached_book

SEED_VERSION = 1
YEAR = datetime.now(UTC).year
DATABASE = f"clientbook_webpages_v{SEED_VERSION}_{YEAR}"
TARGET_MS = 50.0
_CSRF_INPUT = re.compile(r'name="csrf_token" value="([^"]+)"')

# (name, path) of every page measured; the seeded book is this year's.
PERIOD = f"from={YEAR}-01-01&before={YEAR + 1}-01-01"
PAGES: tuple[tuple[str, str], ...] = (
    ("dashboard", "/"),
    ("clients", "/clients"),
    ("clients, searched", "/clients?q=north&sort=-created_at"),
    ("a client", "/clients/{client_id}"),
    ("meetings", "/meetings"),
    ("meetings of a client", "/meetings?client={client_id}&" + PERIOD),
    ("schedule form", "/meetings/new"),
    ("report by month", "/reports/revenue?by=month&" + PERIOD),
    ("report by client", "/reports/revenue?by=client&" + PERIOD),
    ("settings", "/settings"),
)


@dataclass
class Page:
    name: str
    path: str
    wall_ms: list[float] = field(default_factory=list)
    cpu_ms: list[float] = field(default_factory=list)
    kib: float = 0.0


def _dsn(args: argparse.Namespace, database: str, driver: str = "postgresql") -> str:
    return f"{driver}://{args.pg_user}@{args.pg_host}:{args.pg_port}/{database}"


async def ensure_book(args: argparse.Namespace) -> dict[str, Any]:
    """The seeded database (``bench/growth.py``'s cache: kept until ``--reseed``)."""
    year = (datetime(YEAR, 1, 1, tzinfo=UTC), datetime(YEAR + 1, 1, 1, tzinfo=UTC))
    return await cached_book(
        _dsn(args, "postgres"),
        _dsn(args, DATABASE),
        DATABASE,
        lambda: bench_seed.seed(*year),
        reseed=args.reseed,
    )


async def sign_in(client: Any, email: str, password: str) -> None:
    """Through the web's own form: the CSRF token from ``GET /login``, then the POST."""
    page = await client.get("/login", headers={"Accept": "text/html"})
    found = _CSRF_INPUT.search(page.text)
    if page.status_code != 200 or found is None:
        raise RuntimeError(f"no sign-in form: {page.status_code}")
    answer = await client.post(
        "/login", data={"email": email, "password": password, "csrf_token": found.group(1)}
    )
    if answer.status_code != 303 or "clientbook_session" not in client.cookies:
        raise RuntimeError(f"web sign-in failed: {answer.status_code}")


async def measure(args: argparse.Namespace, book: dict[str, Any]) -> list[Page]:
    import httpx

    from container import Container
    from entrypoints.http.app import create_app

    container = Container()
    await container.migrator().upgrade()  # a book kept from an older schema
    app = create_app(container)
    server = Asgi(app)  # runs the app's lifespan, as a server would
    await server.start()
    pages = [Page(name, path.format(**book)) for name, path in PAGES]
    try:
        async with httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://bench"
        ) as client:
            await sign_in(client, book["email"], book["password"])
            for page in pages:  # warm-up: templates compiled, statements prepared
                for _ in range(3):
                    await client.get(page.path)
            for _ in range(args.rounds):
                for page in pages:
                    cpu, started = time.process_time(), time.perf_counter()
                    answer = await client.get(page.path)
                    wall = time.perf_counter() - started
                    cpu = time.process_time() - cpu
                    if answer.status_code != 200:
                        raise RuntimeError(f"{page.path}: {answer.status_code}")
                    page.wall_ms.append(wall * 1000)
                    page.cpu_ms.append(cpu * 1000)
                    page.kib = len(answer.content) / 1024
    finally:
        await server.stop()
        container.password_hasher().close()
    return pages


def table(pages: Sequence[Page]) -> str:
    lines = [
        "| page | path | server time, median (ms) | CPU, median (ms) | size (KiB) |",
        "|---|---|---:|---:|---:|",
    ]
    for page in pages:
        path = re.sub(r"[0-9a-f]{8}-[0-9a-f-]{27}", "{id}", page.path)
        lines.append(
            f"| {page.name} | `{path}` | {statistics.median(page.wall_ms):.1f} | "
            f"{statistics.median(page.cpu_ms):.1f} | {page.kib:.0f} |"
        )
    return "\n".join(lines)


def parse(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.web_pages", description=__doc__)
    parser.add_argument("--rounds", type=int, default=30, help="requests per page (30)")
    parser.add_argument("--pg-host", default=os.environ.get("PGHOST", "127.0.0.1"))
    parser.add_argument("--pg-port", type=int, default=int(os.environ.get("PGPORT", "5432")))
    parser.add_argument("--pg-user", default=os.environ.get("PGUSER", "postgres"))
    parser.add_argument("--reseed", action="store_true", help="drop and seed the book again")
    parser.add_argument("--json", action="store_true", help="print the results as JSON")
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse(argv)
    os.environ["CLIENTBOOK_DATABASE_URL"] = _dsn(args, DATABASE, "postgresql+asyncpg")
    # A throwaway secret for a throwaway database: no key file is written beside it.
    os.environ.setdefault("CLIENTBOOK_SECRET_KEY", "bench-web-pages-" + "x" * 32)
    book = asyncio.run(ensure_book(args))
    pages = asyncio.run(measure(args, book))
    if args.json:
        json.dump(
            {
                page.name: {
                    "path": page.path,
                    "median_ms": round(statistics.median(page.wall_ms), 2),
                    "cpu_median_ms": round(statistics.median(page.cpu_ms), 2),
                    "kib": round(page.kib, 1),
                }
                for page in pages
            },
            sys.stdout,
            indent=2,
        )
        sys.stdout.write("\n")
    else:
        print(
            f"{book['clients']:,} clients, {book['meetings']:,} meetings; "
            f"{args.rounds} rounds; load average {os.getloadavg()[0]:.1f}"
        )
        print(table(pages))
    slow = [page.name for page in pages if statistics.median(page.wall_ms) >= TARGET_MS]
    if slow:
        print(f"over {TARGET_MS:.0f} ms: {', '.join(slow)}", file=sys.stderr)
    return 1 if slow else 0


if __name__ == "__main__":
    raise SystemExit(main())
