"""Clients and their contacts."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from pydantic import MISSING, ConfigDict, Field

from application.clients import AddClientCommand, ContactDraft, UpdateClientCommand
from domain.values import ContactKind
from entrypoints.http.schemas.common import Input, Output, PageOut, patch


class ContactIn(Input):
    kind: ContactKind = Field(examples=["email"])
    value: str = Field(examples=["ada@example.com"])
    label: str | None = Field(None, examples=["work"])

    def to_draft(self) -> ContactDraft:
        return ContactDraft(kind=self.kind.value, value=self.value, label=self.label)


class ClientIn(Input):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "name": "Analytical Engines Ltd",
                    "company": "Babbage & Co",
                    "notes": "Prefers mornings.",
                    "contacts": [
                        {"kind": "email", "value": "charles@example.com", "label": "work"},
                        {"kind": "phone", "value": "+44 20 7946 0958"},
                    ],
                }
            ]
        }
    )

    name: str
    company: str | None = None
    notes: str | None = None
    contacts: list[ContactIn] = Field(default_factory=list, description="At most 50.")

    def to_command(self, owner_id: UUID) -> AddClientCommand:
        return AddClientCommand(
            owner_id=owner_id,
            name=self.name,
            company=self.company,
            notes=self.notes,
            contacts=[contact.to_draft() for contact in self.contacts],
        )


class ClientPatch(Input):
    """Absent fields stay as they are; `null` clears `company` or `notes`."""

    model_config = ConfigDict(
        json_schema_extra={"examples": [{"notes": "Moved to quarterly billing."}]}
    )

    name: str | MISSING = MISSING
    company: str | MISSING | None = MISSING
    notes: str | MISSING | None = MISSING

    def to_command(self, owner_id: UUID, client_id: UUID) -> UpdateClientCommand:
        return UpdateClientCommand(
            owner_id=owner_id,
            client_id=client_id,
            name=patch(self.name),
            company=patch(self.company),
            notes=patch(self.notes),
        )


class ContactOut(Output):
    id: UUID
    kind: str = Field(examples=["email"])
    value: str
    label: str | None
    created_at: datetime


class ClientOut(Output):
    id: UUID
    name: str = Field(examples=["Analytical Engines Ltd"])
    company: str | None
    notes: str | None
    contacts: list[ContactOut]
    created_at: datetime
    updated_at: datetime


class ClientPage(PageOut[ClientOut]):
    pass
