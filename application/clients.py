"""Clients and their contacts."""

from __future__ import annotations

from collections.abc import AsyncIterable, AsyncIterator, Iterable, Sequence
from dataclasses import dataclass, field
from uuid import UUID

from application.concurrency import ANY, Precondition, retry_lost_races
from application.patch import UNSET, Patch
from application.views import ClientView, ContactView, Versioned
from domain.clients import Client, Contact
from domain.errors import ClientNameTaken, ClientNotFound, InvalidInput
from domain.pagination import Page
from domain.ports import Clock, IdGenerator, UnitsOfWork
from domain.queries import ClientQuery
from domain.values import ClientName


@dataclass(frozen=True, slots=True)
class ContactDraft:
    kind: str
    value: str
    label: str | None = None


def _build_contacts(
    drafts: Sequence[ContactDraft], ids: IdGenerator, clock: Clock
) -> list[Contact]:
    contacts = []
    for index, draft in enumerate(drafts):
        try:
            contacts.append(
                Contact.create(
                    id=ids.new(),
                    kind=draft.kind,
                    value=draft.value,
                    label=draft.label,
                    now=clock.now(),
                )
            )
        except InvalidInput as error:
            # Name the contact that failed, the way a form would point at it.
            raise type(error)(error.message, field=f"contacts.{index}.{error.field}") from None
    return contacts


@dataclass(frozen=True, slots=True)
class AddClientCommand:
    owner_id: UUID
    name: str
    company: str | None = None
    notes: str | None = None
    contacts: Sequence[ContactDraft] = ()


class AddClient:
    """Create a client with its contacts: all of it, or nothing."""

    def __init__(self, units: UnitsOfWork, ids: IdGenerator, clock: Clock) -> None:
        self._uow = units.writing()
        self._ids = ids
        self._clock = clock

    async def execute(self, cmd: AddClientCommand) -> ClientView:
        client = Client.create(
            id=self._ids.new(),
            owner_id=cmd.owner_id,
            name=ClientName.parse(cmd.name),
            company=cmd.company,
            notes=cmd.notes,
            contacts=_build_contacts(cmd.contacts, self._ids, self._clock),
            now=self._clock.now(),
        )
        async with self._uow as uow:
            if await uow.clients.name_exists(cmd.owner_id, client.name_key):
                raise ClientNameTaken()
            await uow.clients.add(client)
            await uow.commit()
        return ClientView.of(client)


class ListClients:
    def __init__(self, units: UnitsOfWork) -> None:
        self._uow = units.reading()

    async def execute(self, query: ClientQuery) -> Page[ClientView]:
        async with self._uow as uow:
            page = await uow.clients.list(query)
        return page.with_items([ClientView.of(c) for c in page.items])


class GetClient:
    def __init__(self, units: UnitsOfWork) -> None:
        self._uow = units.reading()

    async def execute(self, owner_id: UUID, client_id: UUID) -> Versioned[ClientView]:
        async with self._uow as uow:
            client = await uow.clients.get(client_id, owner_id=owner_id)
        if client is None:
            raise ClientNotFound()
        return Versioned(ClientView.of(client), client.version)


@dataclass(frozen=True, slots=True)
class UpdateClientCommand:
    owner_id: UUID
    client_id: UUID
    name: Patch[str] = UNSET
    company: Patch[str | None] = UNSET
    notes: Patch[str | None] = UNSET
    precondition: Precondition = ANY


class UpdateClient:
    def __init__(self, units: UnitsOfWork, clock: Clock) -> None:
        self._uow = units.writing()
        self._clock = clock

    async def execute(self, cmd: UpdateClientCommand) -> Versioned[ClientView]:
        name = None if cmd.name is UNSET else ClientName.parse(cmd.name)
        return await retry_lost_races(lambda: self._attempt(cmd, name))

    async def _attempt(
        self, cmd: UpdateClientCommand, name: ClientName | None
    ) -> Versioned[ClientView]:
        async with self._uow as uow:
            client = await uow.clients.get(cmd.client_id, owner_id=cmd.owner_id, for_update=True)
            if client is None:
                raise ClientNotFound()
            cmd.precondition.check(client.version)
            now = self._clock.now()
            if name is not None and name.value != client.name:
                if name.key != client.name_key and await uow.clients.name_exists(
                    cmd.owner_id, name.key, excluding=client.id
                ):
                    raise ClientNameTaken()
                client.rename(name, now=now)
            if cmd.company is not UNSET:
                client.set_company(cmd.company, now=now)
            if cmd.notes is not UNSET:
                client.set_notes(cmd.notes, now=now)
            await uow.clients.update(client)
            await uow.commit()
        return Versioned(ClientView.of(client), client.version)


class DeleteClient:
    """Delete a client and its contacts; its meetings stay, without a client."""

    def __init__(self, units: UnitsOfWork) -> None:
        self._uow = units.writing()

    async def execute(
        self, owner_id: UUID, client_id: UUID, *, precondition: Precondition = ANY
    ) -> None:
        async with self._uow as uow:
            # Held until the end: no meeting can be pointed at it, nor contact added,
            # between the detach and the delete.
            client = await uow.clients.get(client_id, owner_id=owner_id, for_update=True)
            if client is None:
                raise ClientNotFound()
            precondition.check(client.version)
            await uow.meetings.detach_client(client_id)
            await uow.clients.delete(client_id, owner_id=owner_id)
            await uow.commit()


@dataclass(frozen=True, slots=True)
class AddContactCommand:
    owner_id: UUID
    client_id: UUID
    contact: ContactDraft


class AddContact:
    def __init__(self, units: UnitsOfWork, ids: IdGenerator, clock: Clock) -> None:
        self._uow = units.writing()
        self._ids = ids
        self._clock = clock

    async def execute(self, cmd: AddContactCommand) -> ContactView:
        return await retry_lost_races(lambda: self._attempt(cmd))

    async def _attempt(self, cmd: AddContactCommand) -> ContactView:
        now = self._clock.now()
        async with self._uow as uow:
            # Writers of one client queue here, so the contact limit is checked against
            # what the previous one stored.
            client = await uow.clients.get(cmd.client_id, owner_id=cmd.owner_id, for_update=True)
            if client is None:
                raise ClientNotFound()
            contact = Contact.create(
                id=self._ids.new(),
                kind=cmd.contact.kind,
                value=cmd.contact.value,
                label=cmd.contact.label,
                now=now,
            )
            client.add_contact(contact, now=now)
            await uow.clients.update(client)
            await uow.commit()
        return ContactView.of(contact)


class RemoveContact:
    def __init__(self, units: UnitsOfWork, clock: Clock) -> None:
        self._uow = units.writing()
        self._clock = clock

    async def execute(self, owner_id: UUID, client_id: UUID, contact_id: UUID) -> None:
        await retry_lost_races(lambda: self._attempt(owner_id, client_id, contact_id))

    async def _attempt(self, owner_id: UUID, client_id: UUID, contact_id: UUID) -> None:
        async with self._uow as uow:
            client = await uow.clients.get(client_id, owner_id=owner_id, for_update=True)
            if client is None:
                raise ClientNotFound()
            client.remove_contact(contact_id, now=self._clock.now())
            await uow.clients.update(client)
            await uow.commit()


# -- bulk import -----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ClientDraft:
    """One client to import, with the line it came from for error reports."""

    line: int
    name: str
    company: str | None = None
    notes: str | None = None
    contacts: Sequence[ContactDraft] = ()


@dataclass(frozen=True, slots=True)
class RejectedRow:
    line: int
    reason: str


@dataclass(slots=True)
class ImportReport:
    imported: int = 0
    rejected: list[RejectedRow] = field(default_factory=list)
    dry_run: bool = False


@dataclass(frozen=True, slots=True)
class ImportClientsCommand:
    owner_id: UUID
    drafts: Iterable[ClientDraft] | AsyncIterable[ClientDraft]
    dry_run: bool = False
    batch_size: int = 500


class ImportClients:
    """Import many clients in one transaction; bad rows are reported, good ones kept.

    Drafts are consumed as a stream and written in batches, so memory stays bounded by
    the batch size (plus one name key per imported client, to catch duplicates within
    the file). With ``dry_run`` everything is checked and nothing is kept.
    """

    def __init__(self, units: UnitsOfWork, ids: IdGenerator, clock: Clock) -> None:
        self._uow = units.writing()
        self._ids = ids
        self._clock = clock

    async def execute(self, cmd: ImportClientsCommand) -> ImportReport:
        report = ImportReport(dry_run=cmd.dry_run)
        seen_keys: set[str] = set()
        batch: list[tuple[int, Client]] = []
        async with self._uow as uow:

            async def flush() -> None:
                taken = await uow.clients.existing_name_keys(
                    cmd.owner_id, [client.name_key for _, client in batch]
                )
                keep = []
                for line, client in batch:
                    if client.name_key in taken:
                        report.rejected.append(
                            RejectedRow(line, f"a client named {client.name!r} already exists")
                        )
                    else:
                        keep.append(client)
                if keep:
                    await uow.clients.add_many(keep)
                report.imported += len(keep)
                batch.clear()

            async for draft in _aiter(cmd.drafts):
                try:
                    client = self._build(cmd.owner_id, draft)
                except InvalidInput as error:
                    where = f"{error.field}: " if error.field else ""
                    report.rejected.append(RejectedRow(draft.line, f"{where}{error.message}"))
                    continue
                if client.name_key in seen_keys:
                    report.rejected.append(
                        RejectedRow(draft.line, f"duplicate of an earlier row: {client.name!r}")
                    )
                    continue
                seen_keys.add(client.name_key)
                batch.append((draft.line, client))
                if len(batch) >= cmd.batch_size:
                    await flush()
            if batch:
                await flush()
            if not cmd.dry_run:
                await uow.commit()
        report.rejected.sort(key=lambda row: row.line)
        return report

    def _build(self, owner_id: UUID, draft: ClientDraft) -> Client:
        return Client.create(
            id=self._ids.new(),
            owner_id=owner_id,
            name=ClientName.parse(draft.name),
            company=draft.company,
            notes=draft.notes,
            contacts=_build_contacts(draft.contacts, self._ids, self._clock),
            now=self._clock.now(),
        )


async def _aiter(
    items: Iterable[ClientDraft] | AsyncIterable[ClientDraft],
) -> AsyncIterator[ClientDraft]:
    if isinstance(items, AsyncIterable):
        async for item in items:
            yield item
    else:
        for item in items:
            yield item
