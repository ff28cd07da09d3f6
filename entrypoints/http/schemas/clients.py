"""Clients and their contacts."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal, TypeAlias
from uuid import UUID

from pydantic import MISSING, ConfigDict, Field

from application.clients import AddClientCommand, ContactDraft, UpdateClientCommand
from application.concurrency import ANY, Precondition
from domain.values import COMPANY_MAX_LENGTH, NOTES_MAX_LENGTH
from entrypoints.http.schemas.common import Input, Output, PageOut, patch
from entrypoints.http.schemas.fields import (
    CONTACTS_AT_MOST,
    CONTACTS_COUNT,
    ClientNameText,
    ContactEmail,
    ContactLabel,
    OtherContactValue,
    PhoneNumber,
    bounded,
)

Company: TypeAlias = Annotated[str, bounded(COMPANY_MAX_LENGTH)]
Notes: TypeAlias = Annotated[str, bounded(NOTES_MAX_LENGTH)]


class _ContactIn(Input):
    label: ContactLabel | None = Field(None, examples=["work"])

    def to_draft(self) -> ContactDraft:
        kind: str = getattr(self, "kind")  # noqa: B009 - each subclass declares its literal
        value: str = getattr(self, "value")  # noqa: B009
        return ContactDraft(kind=kind, value=value, label=self.label)


class EmailContactIn(_ContactIn):
    kind: Literal["email"]
    value: ContactEmail = Field(examples=["ada@example.com"])


class PhoneContactIn(_ContactIn):
    kind: Literal["phone"]
    value: PhoneNumber = Field(examples=["+44 20 7946 0958"])


class OtherContactIn(_ContactIn):
    kind: Literal["other"]
    value: OtherContactValue = Field(examples=["@ada on the team chat"])


# The value's rule depends on the kind: one schema per kind, chosen by ``kind``.
ContactIn = Annotated[EmailContactIn | PhoneContactIn | OtherContactIn, Field(discriminator="kind")]


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

    name: ClientNameText
    company: Company | None = None
    notes: Notes | None = None
    contacts: Annotated[list[ContactIn], CONTACTS_AT_MOST, CONTACTS_COUNT] = Field(
        default_factory=list, description="At most 50."
    )

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

    name: ClientNameText | MISSING = MISSING
    company: Company | MISSING | None = MISSING
    notes: Notes | MISSING | None = MISSING

    def to_command(
        self, owner_id: UUID, client_id: UUID, precondition: Precondition = ANY
    ) -> UpdateClientCommand:
        return UpdateClientCommand(
            owner_id=owner_id,
            client_id=client_id,
            name=patch(self.name),
            company=patch(self.company),
            notes=patch(self.notes),
            precondition=precondition,
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
