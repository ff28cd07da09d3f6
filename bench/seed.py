"""Seed the benchmark database through the core, in batches.

One user; 1,000 clients with three contacts each, imported with the ``ImportClients``
use case (it writes with ``ClientRepository.add_many``, 500 per batch); 10,000 meetings
over calendar year 2025, built with ``Meeting.schedule`` and written 1,000 per unit of
work with ``MeetingRepository.add_many``. Everything goes through the container, so the
rows are exactly what the service itself would store.

Run as ``python -m bench.seed`` with ``CLIENTBOOK_DATABASE_URL`` set; prints one JSON
object (the user's credentials and a few ids) on stdout. Other books (``bench.growth``'s
10,000 clients and 200,000 meetings) are a ``Book`` written by the same ``seed_with``.
"""

from __future__ import annotations

import asyncio
import dataclasses
import json
import random
import sys
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any
from uuid import UUID

from application.auth import RegisterUserCommand
from application.clients import ClientDraft, ContactDraft, ImportClientsCommand
from container import Container
from domain.meetings import Meeting
from domain.pagination import PageRequest
from domain.queries import ClientQuery, ClientSort

USER_EMAIL = "bench@clientbook.example"
USER_PASSWORD = "bench-password-2025"  # a throwaway account in a throwaway database
YEAR_START = datetime(2025, 1, 1, tzinfo=UTC)
YEAR_END = datetime(2026, 1, 1, tzinfo=UTC)

_WORDS = (
    "Northwind", "Bluebird", "Copperline", "Evergreen", "Foxglove", "Granite", "Harbor",
    "Ironbark", "Juniper", "Keystone", "Lighthouse", "Maple", "Nimbus", "Orchard",
)  # fmt: skip
_KINDS = ("Analytics", "Architects", "Consulting", "Design", "Labs", "Logistics", "Studio")
_NOTES = ("Kick-off", "Weekly check-in", "Workshop", "Quarterly planning", "Design review")
_DURATIONS = (30, 45, 60, 60, 90, 120, 180)


@dataclass(frozen=True)
class Book:
    """What one seeded user's book holds; the same seed always writes the same book."""

    email: str
    password: str
    full_name: str
    clients: int
    meetings: int
    start: datetime  # meetings start in [start, end)
    end: datetime
    seed: int
    # Every hundredth client works for this company (a search matching 1 % of the book).
    rare_company: str | None = None
    import_batch: int = 500
    meeting_batch: int = 1_000


BENCH_BOOK = Book(
    email=USER_EMAIL,
    password=USER_PASSWORD,
    full_name="Bench User",
    clients=1_000,
    meetings=10_000,
    start=YEAR_START,
    end=YEAR_END,
    seed=2025,
)
CLIENTS = BENCH_BOOK.clients
MEETINGS = BENCH_BOOK.meetings


def client_drafts(rng: random.Random, book: Book = BENCH_BOOK) -> list[ClientDraft]:
    digits = max(4, len(str(book.clients)))
    drafts = []
    for index in range(book.clients):
        word, kind = rng.choice(_WORDS), rng.choice(_KINDS)
        slug = f"{word}-{kind}-{index}".lower()
        rare = book.rare_company is not None and index % 100 == 7
        drafts.append(
            ClientDraft(
                line=index + 2,
                name=f"{word} {kind} {index:0{digits}d}",
                company=book.rare_company if rare else f"{word} {kind} Ltd",
                notes="Invoices go to the finance team, net 30." if index % 3 == 0 else None,
                contacts=(
                    ContactDraft("email", f"office@{slug}.example", "work"),
                    ContactDraft("phone", f"+44 20 7946 {index % 10_000:04d}", "office"),
                    ContactDraft("other", f"@{slug}", "chat"),
                ),
            )
        )
    return drafts


async def write_book(container: Container, book: Book) -> dict[str, Any]:
    """Register the book's user, import its clients, schedule its meetings in batches;
    a summary with the user's credentials and a client in the middle of the book."""
    rng = random.Random(book.seed)
    user = await container.register_user().execute(
        RegisterUserCommand(email=book.email, password=book.password, full_name=book.full_name)
    )
    report = await container.import_clients().execute(
        ImportClientsCommand(
            owner_id=user.id, drafts=client_drafts(rng, book), batch_size=book.import_batch
        )
    )
    if report.imported != book.clients or report.rejected:
        raise RuntimeError(f"client import incomplete: {report}")

    client_ids: list[UUID] = []
    list_clients = container.list_clients()
    while len(client_ids) < book.clients:
        page = await list_clients.execute(
            ClientQuery(
                owner_id=user.id,
                page=PageRequest(limit=100, offset=len(client_ids)),
                sort=ClientSort.NAME,
            )
        )
        if not page.items:
            break
        client_ids.extend(client.id for client in page.items)

    ids, clock = container.ids(), container.clock()
    span = int((book.end - book.start).total_seconds() // 60)
    written = 0
    while written < book.meetings:
        now = clock.now()
        batch = [
            Meeting.schedule(
                id=ids.new(),
                owner_id=user.id,
                client_id=None if rng.random() < 0.1 else rng.choice(client_ids),
                starts_at=book.start + timedelta(minutes=rng.randrange(span)),
                duration_minutes=rng.choice(_DURATIONS),
                revenue=Decimal(rng.randrange(0, 250_000)) / 100,
                notes=rng.choice(_NOTES),
                now=now,
            )
            for _ in range(min(book.meeting_batch, book.meetings - written))
        ]
        async with container.units().writing() as uow:
            await uow.meetings.add_many(batch)
            await uow.commit()
        written += len(batch)
    return {
        "user_id": str(user.id),
        "email": book.email,
        "password": book.password,
        "client_id": str(client_ids[len(client_ids) // 2]),
        "clients": len(client_ids),
        "meetings": written,
    }


async def seed_with(book: Book) -> dict[str, Any]:
    """Migrate the database ``CLIENTBOOK_DATABASE_URL`` names and write ``book`` into it."""
    started = time.perf_counter()
    container = Container()
    try:
        await container.migrator().upgrade()
        summary = await write_book(container, book)
    finally:
        await container.storage().close()
        container.password_hasher().close()
    return {**summary, "seconds": round(time.perf_counter() - started, 2)}


async def seed(start: datetime = YEAR_START, end: datetime = YEAR_END) -> dict[str, Any]:
    """The bench's book, its meetings in [start, end) (2025 unless told)."""
    return await seed_with(dataclasses.replace(BENCH_BOOK, start=start, end=end))


def main() -> None:
    json.dump(asyncio.run(seed()), sys.stdout)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
