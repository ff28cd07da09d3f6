"""The listing views' ``of`` builds each view without its generated ``__init__``
(application/views.py): what it builds must be what the constructor builds, every field
in declaration order (orjson writes a view's ``__dict__`` in that order), still frozen."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any
from uuid import uuid4

import pytest

from application.views import ClientView, ContactView, MeetingView
from domain.clients import Client, Contact
from domain.meetings import Meeting
from domain.values import ContactKind

NOW = datetime(2025, 3, 4, 5, 6, 7, tzinfo=UTC)


def _by_constructor(view: Any) -> Any:
    return type(view)(**{f.name: getattr(view, f.name) for f in dataclasses.fields(view)})


def _check(view: Any) -> None:
    names = [f.name for f in dataclasses.fields(view)]
    assert list(vars(view)) == names
    assert view == _by_constructor(view)
    assert repr(view) == repr(_by_constructor(view))
    with pytest.raises(dataclasses.FrozenInstanceError):
        view.id = uuid4()


def _contact(label: str | None) -> Contact:
    return Contact(uuid4(), ContactKind.PHONE, "+1 555 0100", label, NOW)


def test_contact_view() -> None:
    contact = _contact("work")
    view = ContactView.of(contact)
    _check(view)
    assert view == ContactView(contact.id, "phone", "+1 555 0100", "work", NOW)


@pytest.mark.parametrize("contacts", [0, 3])
def test_client_view(contacts: int) -> None:
    client = Client(
        uuid4(), uuid4(), "Acme", "acme", None, "notes", NOW, NOW,
        [_contact(None) for _ in range(contacts)],
    )  # fmt: skip
    view = ClientView.of(client)
    _check(view)
    assert view.contacts == tuple(ContactView.of(c) for c in client.contacts)
    assert isinstance(view.contacts, tuple)


def test_meeting_view() -> None:
    meeting = Meeting(uuid4(), uuid4(), None, NOW, 60, Decimal("12.50"), None, NOW, NOW, 3)
    view = MeetingView.of(meeting)
    _check(view)
    assert view.revenue == Decimal("12.50")
    assert view.client_id is None
