"""A realistic demo book of business, generated from a seed.

The same seed always yields the same clients, contacts and meeting pattern; meeting
times are laid over the year that ends now, so a demo book always looks current.
Clients whose names the owner already uses are skipped, so filling twice adds nothing.
Contact details use reserved names only (``.example`` domains, fictional phone ranges).
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from uuid import UUID

from domain.clients import Client, Contact
from domain.meetings import Meeting
from domain.ports import Clock, IdGenerator, UnitsOfWork
from domain.values import ClientName

_FIRST_NAMES = (
    "Ada", "Alan", "Amira", "Beatriz", "Bjorn", "Chen", "Chiara", "Dmitri", "Elena", "Emeka",
    "Farah", "Grace", "Hiroshi", "Ines", "Ivan", "Jonas", "Kavya", "Leila", "Lucas", "Mei",
    "Mateo", "Nadia", "Noah", "Olga", "Omar", "Priya", "Rafael", "Sofia", "Tariq", "Yara",
)  # fmt: skip
_LAST_NAMES = (
    "Andersen", "Baptiste", "Costa", "Dubois", "Eriksen", "Fischer", "Garcia", "Haddad",
    "Ivanova", "Jensen", "Kowalski", "Lindqvist", "Moreau", "Nakamura", "Okafor", "Petrov",
    "Quinn", "Rossi", "Schmidt", "Tanaka", "Umarov", "Varga", "Weber", "Yilmaz", "Zhang",
)  # fmt: skip
_COMPANY_WORDS = (
    "Northwind", "Bluebird", "Copperline", "Evergreen", "Foxglove", "Granite", "Harbor",
    "Ironbark", "Juniper", "Keystone", "Lighthouse", "Maple", "Nimbus", "Orchard", "Pinecrest",
    "Quarry", "Riverbend", "Saltmarsh", "Timber", "Upland", "Valley", "Willow", "Zephyr",
)  # fmt: skip
_COMPANY_KINDS = (
    "Analytics", "Architects", "Bakery", "Consulting", "Design", "Foods", "Health", "Labs",
    "Logistics", "Media", "Robotics", "Software", "Studio", "Travel", "Ventures",
)  # fmt: skip
_COMPANY_SUFFIXES = ("Ltd", "GmbH", "Inc.", "LLC", "SARL", "AB", "")
_CLIENT_NOTES = (
    "Prefers video calls in the morning.",
    "Invoices go to the finance team, net 30.",
    "Long-term retainer; renews every January.",
    "Introduced by a former colleague.",
    "Sensitive to scope creep: write everything down.",
    "",
)
_MEETING_NOTES = (
    "Kick-off and scope review",
    "Weekly check-in",
    "Workshop with the product team",
    "Quarterly planning",
    "Design review",
    "Retrospective",
    "Contract renewal discussion",
    "Training session",
    "",
)
_DURATIONS = (30, 45, 60, 60, 90, 90, 120, 180, 240)


@dataclass(frozen=True, slots=True)
class FillDemoBookCommand:
    owner_id: UUID
    seed: int = 42
    clients: int = 36
    days: int = 365


@dataclass(frozen=True, slots=True)
class DemoBookReport:
    clients_added: int
    clients_skipped: int
    meetings_added: int


@dataclass(frozen=True, slots=True)
class _ClientPlan:
    name: str
    company: str | None
    notes: str
    contacts: tuple[tuple[str, str, str | None], ...]
    hourly_rate: int
    meetings: int


class FillDemoBook:
    """Fill an owner's book with demo clients and a year of meetings, in one transaction."""

    def __init__(self, units: UnitsOfWork, ids: IdGenerator, clock: Clock) -> None:
        self._uow = units.writing()
        self._ids = ids
        self._clock = clock

    async def execute(self, cmd: FillDemoBookCommand) -> DemoBookReport:
        rng = random.Random(cmd.seed)  # noqa: S311 - demo data, not security
        plans = _plan_clients(rng, max(0, cmd.clients))
        now = self._clock.now()
        async with self._uow as uow:
            taken = await uow.clients.existing_name_keys(
                cmd.owner_id, [ClientName.parse(plan.name).key for plan in plans]
            )
            clients: list[Client] = []
            meetings: list[Meeting] = []
            for plan in plans:
                # Draw the meeting pattern even for skipped clients, so every client's
                # meetings depend on the seed only, not on what already exists.
                schedule = _plan_meetings(rng, plan, now=now, days=cmd.days)
                name = ClientName.parse(plan.name)
                if name.key in taken:
                    continue
                client = self._client(cmd.owner_id, plan, name, now)
                clients.append(client)
                meetings.extend(self._meeting(cmd.owner_id, client.id, *s, now) for s in schedule)
            if clients:
                # A few meetings without a client: admin, networking, pro-bono work.
                for starts_at, minutes, _, note in _plan_meetings(
                    rng, _internal_plan(len(clients)), now=now, days=cmd.days
                ):
                    meetings.append(
                        self._meeting(cmd.owner_id, None, starts_at, minutes, Decimal(0), note, now)
                    )
                await uow.clients.add_many(clients)
                await uow.meetings.add_many(meetings)
                await uow.commit()
        return DemoBookReport(len(clients), len(plans) - len(clients), len(meetings))

    def _client(self, owner_id: UUID, plan: _ClientPlan, name: ClientName, now: datetime) -> Client:
        contacts = [
            Contact.create(id=self._ids.new(), kind=kind, value=value, label=label, now=now)
            for kind, value, label in plan.contacts
        ]
        return Client.create(
            id=self._ids.new(),
            owner_id=owner_id,
            name=name,
            company=plan.company,
            notes=plan.notes,
            contacts=contacts,
            now=now,
        )

    def _meeting(
        self,
        owner_id: UUID,
        client_id: UUID | None,
        starts_at: datetime,
        minutes: int,
        revenue: Decimal,
        note: str,
        now: datetime,
    ) -> Meeting:
        return Meeting.schedule(
            id=self._ids.new(),
            owner_id=owner_id,
            client_id=client_id,
            starts_at=starts_at,
            duration_minutes=minutes,
            revenue=revenue,
            notes=note,
            now=now,
        )


def _plan_clients(rng: random.Random, count: int) -> list[_ClientPlan]:
    plans: list[_ClientPlan] = []
    used: set[str] = set()
    while len(plans) < count:
        first, last = rng.choice(_FIRST_NAMES), rng.choice(_LAST_NAMES)
        name = f"{first} {last}"
        if name in used:
            # Namesakes happen; a middle initial tells them apart, as people do.
            name = f"{first} {chr(ord('A') + len(plans) % 26)}. {last}"
            if name in used:
                continue
        used.add(name)
        private = rng.random() < 0.15
        if private:
            company, domain = None, rng.choice(("mail.example", "post.example", "inbox.example"))
        else:
            word, kind = rng.choice(_COMPANY_WORDS), rng.choice(_COMPANY_KINDS)
            suffix = rng.choice(_COMPANY_SUFFIXES)
            company = f"{word} {kind} {suffix}".strip()
            domain = f"{word}-{kind}.example".lower()
        local = f"{first}.{last}".lower()
        contacts: list[tuple[str, str, str | None]] = [
            ("email", f"{local}@{domain}", None if private else "work")
        ]
        if rng.random() < 0.8:
            contacts.append(("phone", _phone(rng), rng.choice(("mobile", "office", None))))
        if rng.random() < 0.3:
            contacts.append(("email", f"{first[0]}{last}@private.example".lower(), "personal"))
        if rng.random() < 0.2:
            contacts.append(("other", f"https://{domain}/team/{first.lower()}", "website"))
        plans.append(
            _ClientPlan(
                name=name,
                company=company,
                notes=rng.choice(_CLIENT_NOTES),
                contacts=tuple(contacts),
                hourly_rate=rng.randrange(60, 205, 5),
                meetings=rng.randint(3, 24),
            )
        )
    return plans


def _internal_plan(clients: int) -> _ClientPlan:
    return _ClientPlan("", None, "", (), hourly_rate=0, meetings=max(1, clients // 6))


def _phone(rng: random.Random) -> str:
    """A number from ranges reserved for fiction (Ofcom's 020 7946 0xxx, NANP's 555-01xx)."""
    if rng.random() < 0.5:
        return f"+44 20 7946 0{rng.randint(0, 999):03d}"
    return f"+1 (555) 01{rng.randint(0, 99):02d}"


def _plan_meetings(
    rng: random.Random, plan: _ClientPlan, *, now: datetime, days: int
) -> list[tuple[datetime, int, Decimal, str]]:
    today = now.astimezone(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    meetings = []
    for _ in range(plan.meetings):
        day = today - timedelta(days=rng.randint(1, max(1, days)))
        if day.weekday() >= 5:  # meetings happen on weekdays
            day -= timedelta(days=day.weekday() - 4)
        starts_at = day + timedelta(hours=rng.randint(8, 16), minutes=rng.choice((0, 15, 30)))
        minutes = rng.choice(_DURATIONS)
        billable = plan.hourly_rate > 0 and rng.random() < 0.85
        revenue = (
            (Decimal(plan.hourly_rate) * minutes / 60).quantize(Decimal("0.01"))
            if billable
            else Decimal("0.00")
        )
        meetings.append((starts_at, minutes, revenue, rng.choice(_MEETING_NOTES)))
    return meetings
