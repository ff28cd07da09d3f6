"""The client aggregate: a client and the contacts it owns."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from uuid import UUID

from domain.errors import ContactNotFound, InvalidContact, TooManyContacts
from domain.values import (
    COMPANY_MAX_LENGTH,
    CONTACTS_PER_CLIENT,
    LABEL_MAX_LENGTH,
    NOTES_MAX_LENGTH,
    ClientName,
    ContactKind,
    parse_contact_value,
    parse_optional_text,
)


@dataclass(slots=True)
class Contact:
    id: UUID
    kind: ContactKind
    value: str
    label: str | None
    created_at: datetime

    @classmethod
    def create(
        cls, *, id: UUID, kind: str, value: str, label: str | None, now: datetime
    ) -> Contact:
        contact_kind = ContactKind.parse(kind)
        return cls(
            id=id,
            kind=contact_kind,
            value=parse_contact_value(contact_kind, value),
            label=parse_optional_text(
                label, limit=LABEL_MAX_LENGTH, field="label", error=InvalidContact
            ),
            created_at=now,
        )


@dataclass(slots=True)
class Client:
    id: UUID
    owner_id: UUID
    name: str
    name_key: str
    company: str | None
    notes: str | None
    created_at: datetime
    updated_at: datetime
    contacts: list[Contact] = field(default_factory=list)
    # Advanced by every stored change, contacts included: the aggregate's consistency
    # guard (a write proves nobody changed it since it was read) and its ETag.
    version: int = 1

    @classmethod
    def create(
        cls,
        *,
        id: UUID,
        owner_id: UUID,
        name: ClientName,
        company: str | None,
        notes: str | None,
        contacts: Iterable[Contact],
        now: datetime,
    ) -> Client:
        client = cls(
            id=id,
            owner_id=owner_id,
            name=name.value,
            name_key=name.key,
            company=parse_optional_text(company, limit=COMPANY_MAX_LENGTH, field="company"),
            notes=parse_optional_text(notes, limit=NOTES_MAX_LENGTH, field="notes"),
            created_at=now,
            updated_at=now,
        )
        for contact in contacts:
            client.add_contact(contact, now=now)
        client.updated_at = now
        return client

    def rename(self, name: ClientName, *, now: datetime) -> None:
        self.name = name.value
        self.name_key = name.key
        self.updated_at = now

    def set_company(self, company: str | None, *, now: datetime) -> None:
        self.company = parse_optional_text(company, limit=COMPANY_MAX_LENGTH, field="company")
        self.updated_at = now

    def set_notes(self, notes: str | None, *, now: datetime) -> None:
        self.notes = parse_optional_text(notes, limit=NOTES_MAX_LENGTH, field="notes")
        self.updated_at = now

    def add_contact(self, contact: Contact, *, now: datetime) -> None:
        if len(self.contacts) >= CONTACTS_PER_CLIENT:
            raise TooManyContacts(field="contacts")
        self.contacts.append(contact)
        self.updated_at = now

    def remove_contact(self, contact_id: UUID, *, now: datetime) -> Contact:
        for index, contact in enumerate(self.contacts):
            if contact.id == contact_id:
                self.updated_at = now
                return self.contacts.pop(index)
        raise ContactNotFound()
