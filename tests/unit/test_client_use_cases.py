"""Clients and contacts, through the use cases on the in-memory adapters."""

from __future__ import annotations

from uuid import UUID

import pytest

from application.clients import (
    AddClientCommand,
    AddContactCommand,
    ContactDraft,
    UpdateClientCommand,
)
from application.patch import UNSET
from application.views import ClientView
from domain.errors import (
    ClientNameTaken,
    ClientNotFound,
    ContactNotFound,
    InvalidContact,
    InvalidInput,
    InvalidName,
    TooManyContacts,
)
from domain.pagination import PageRequest
from domain.queries import ClientQuery, ClientSort

from .harness import Harness

OWNER = UUID(int=10_001)
STRANGER = UUID(int=10_002)


def phone(value: str, label: str | None = None) -> ContactDraft:
    return ContactDraft("phone", value, label)


# -- adding -------------------------------------------------------------------------------


async def test_add_client_with_contacts_stores_all_of_it(h: Harness) -> None:
    view = await h.add_client.execute(
        AddClientCommand(
            owner_id=OWNER,
            name="  Acme Corp  ",
            company=" Acme Holdings ",
            notes="  big one ",
            contacts=(
                ContactDraft("email", " Sales@Acme.Example ", " work "),
                ContactDraft(" PHONE ", "+44 (20) 7946-0000"),
                ContactDraft("other", "@acme on social", ""),
            ),
        )
    )

    assert view.name == "Acme Corp"
    assert view.company == "Acme Holdings"
    assert view.notes == "big one"
    assert [(c.kind, c.value, c.label) for c in view.contacts] == [
        ("email", "sales@acme.example", "work"),
        ("phone", "+44 (20) 7946-0000", None),
        ("other", "@acme on social", None),
    ]
    assert view.created_at == view.updated_at == h.clock.now()
    assert (await h.get_client.execute(OWNER, view.id)).view == view
    stored = h.store.tables.clients[view.id]
    assert stored.owner_id == OWNER
    assert len(stored.contacts) == 3


@pytest.mark.parametrize("name", ["", "   ", "x" * 201, " " + "y" * 201 + " "])
async def test_a_client_name_must_be_1_to_200_characters_after_trimming(
    h: Harness, name: str
) -> None:
    with pytest.raises(InvalidName) as caught:
        await h.client(OWNER, name)
    assert caught.value.field == "name"
    assert h.committed_clients == 0


@pytest.mark.parametrize("name", ["x", "y" * 200, "  " + "z" * 200 + "  "])
async def test_names_of_1_and_200_characters_are_fine(h: Harness, name: str) -> None:
    view = await h.client(OWNER, name)
    assert view.name == name.strip()


async def test_company_and_notes_have_limits(h: Harness) -> None:
    with pytest.raises(InvalidInput) as company:
        await h.add_client.execute(AddClientCommand(OWNER, "A", company="c" * 201))
    with pytest.raises(InvalidInput) as notes:
        await h.add_client.execute(AddClientCommand(OWNER, "B", notes="n" * 5001))
    assert (company.value.field, notes.value.field) == ("company", "notes")
    ok = await h.add_client.execute(AddClientCommand(OWNER, "C", "c" * 200, "n" * 5000))
    assert ok.company is not None
    assert h.committed_clients == 1


@pytest.mark.parametrize(("first", "second"), [("Acme", "ACME"), ("Straße", "STRASSE")])
async def test_client_names_are_unique_per_owner_case_insensitively(
    h: Harness, first: str, second: str
) -> None:
    await h.client(OWNER, first)
    with pytest.raises(ClientNameTaken) as caught:
        await h.client(OWNER, f"  {second} ")
    assert caught.value.code == "client_name_taken"
    assert h.committed_clients == 1


async def test_the_same_name_is_fine_for_different_owners(h: Harness) -> None:
    mine = await h.client(OWNER, "Acme")
    theirs = await h.client(STRANGER, "acme")
    assert mine.id != theirs.id
    assert h.committed_clients == 2


async def test_adding_a_client_is_all_or_nothing_when_the_third_contact_is_bad(
    h: Harness,
) -> None:
    with pytest.raises(InvalidContact) as caught:
        await h.client(
            OWNER,
            "Acme",
            contacts=(
                ContactDraft("email", "ok@acme.example"),
                phone("+1 555 0100 22"),
                phone("12-34"),
            ),
        )
    assert caught.value.field == "contacts.2.value"
    assert h.store.tables.clients == {}
    assert h.store.commits == 0


@pytest.mark.parametrize(
    "draft",
    [
        ContactDraft("email", "not-an-address"),
        ContactDraft("email", ""),
        ContactDraft("phone", "123456"),  # 6 digits
        ContactDraft("phone", "1234567890123456"),  # 16 digits
        ContactDraft("phone", "+1 555 0100 x22"),
        ContactDraft("phone", "1 555 0100+22"),
        ContactDraft("phone", "555/0100/22"),
        ContactDraft("phone", "phone me"),
        ContactDraft("other", "   "),
        ContactDraft("fax", "+1 555 0100 22"),
        ContactDraft("other", "fine", "l" * 51),
    ],
)
async def test_invalid_contacts_are_refused(h: Harness, draft: ContactDraft) -> None:
    with pytest.raises(InvalidInput):
        await h.client(OWNER, contacts=(draft,))
    assert h.committed_clients == 0


@pytest.mark.parametrize(
    "value",
    ["1234567", "123456789012345", "+44 20 7946 0000", "(555) 010-0222", "555.010.0222"],
)
async def test_valid_phones(h: Harness, value: str) -> None:
    view = await h.client(OWNER, contacts=(phone(value, "l" * 50),))
    assert view.contacts[0].value == value
    assert view.contacts[0].label == "l" * 50


async def test_a_client_holds_at_most_50_contacts(h: Harness) -> None:
    drafts = tuple(phone(f"+1 555 {n:07d}") for n in range(50))
    full = await h.client(OWNER, "Full", contacts=drafts)
    assert len(full.contacts) == 50

    with pytest.raises(TooManyContacts):
        await h.client(OWNER, "Overfull", contacts=(*drafts, phone("+1 555 9999999")))
    with pytest.raises(TooManyContacts) as caught:
        await h.add_contact.execute(AddContactCommand(OWNER, full.id, phone("+1 555 8888888")))
    assert caught.value.code == "too_many_contacts"
    assert h.committed_clients == 1
    assert len(h.store.tables.clients[full.id].contacts) == 50


# -- getting, updating, deleting ------------------------------------------------------------


async def test_another_users_client_does_not_exist_for_you(h: Harness) -> None:
    theirs = await h.client(STRANGER, "Secret", contacts=(phone("+1 555 0100 22"),))
    contact_id = theirs.contacts[0].id

    with pytest.raises(ClientNotFound):
        await h.get_client.execute(OWNER, theirs.id)
    with pytest.raises(ClientNotFound):
        await h.update_client.execute(UpdateClientCommand(OWNER, theirs.id, name="Mine now"))
    with pytest.raises(ClientNotFound):
        await h.delete_client.execute(OWNER, theirs.id)
    with pytest.raises(ClientNotFound):
        await h.add_contact.execute(AddContactCommand(OWNER, theirs.id, phone("+1 555 0100 33")))
    with pytest.raises(ClientNotFound) as caught:
        await h.remove_contact.execute(OWNER, theirs.id, contact_id)
    assert caught.value.code == "client_not_found"

    assert (await h.get_client.execute(STRANGER, theirs.id)).view == theirs


async def test_an_unknown_client_is_not_found(h: Harness) -> None:
    with pytest.raises(ClientNotFound):
        await h.get_client.execute(OWNER, UUID(int=404))
    with pytest.raises(ClientNotFound):
        await h.delete_client.execute(OWNER, UUID(int=404))


async def test_update_changes_only_the_given_fields(h: Harness) -> None:
    created = await h.add_client.execute(AddClientCommand(OWNER, "Acme", "Acme Inc", "notes"))
    h.clock.advance(hours=1)

    renamed = (
        await h.update_client.execute(UpdateClientCommand(OWNER, created.id, name=" Acme 2 "))
    ).view
    assert (renamed.name, renamed.company, renamed.notes) == ("Acme 2", "Acme Inc", "notes")
    assert renamed.updated_at == h.clock.now()
    assert renamed.created_at == created.created_at

    cleared = (
        await h.update_client.execute(
            UpdateClientCommand(OWNER, created.id, company=None, notes=UNSET)
        )
    ).view
    assert (cleared.name, cleared.company, cleared.notes) == ("Acme 2", None, "notes")

    noted = (await h.update_client.execute(UpdateClientCommand(OWNER, created.id, notes=None))).view
    assert noted.notes is None
    assert (await h.get_client.execute(OWNER, created.id)).view == noted


async def test_renaming_to_the_own_name_in_another_case_is_allowed(h: Harness) -> None:
    created = await h.client(OWNER, "acme")
    renamed = (
        await h.update_client.execute(UpdateClientCommand(OWNER, created.id, name="ACME"))
    ).view
    assert renamed.name == "ACME"
    assert h.store.tables.clients[created.id].name_key == "acme"


async def test_renaming_onto_another_clients_name_is_a_conflict(h: Harness) -> None:
    await h.client(OWNER, "Straße")
    other = await h.client(OWNER, "Other")
    with pytest.raises(ClientNameTaken):
        await h.update_client.execute(UpdateClientCommand(OWNER, other.id, name="STRASSE"))
    assert (await h.get_client.execute(OWNER, other.id)).view.name == "Other"


async def test_renaming_onto_a_name_another_owner_uses_is_fine(h: Harness) -> None:
    await h.client(STRANGER, "Taken Elsewhere")
    mine = await h.client(OWNER, "Mine")
    renamed = (
        await h.update_client.execute(UpdateClientCommand(OWNER, mine.id, name="taken elsewhere"))
    ).view
    assert renamed.name == "taken elsewhere"


async def test_update_refuses_an_invalid_name(h: Harness) -> None:
    created = await h.client(OWNER, "Acme")
    with pytest.raises(InvalidName):
        await h.update_client.execute(UpdateClientCommand(OWNER, created.id, name="  "))
    with pytest.raises(InvalidInput):
        await h.update_client.execute(UpdateClientCommand(OWNER, created.id, company="c" * 201))
    assert (await h.get_client.execute(OWNER, created.id)).view.company is None


async def test_delete_client_removes_it_and_keeps_its_meetings_without_a_client(
    h: Harness,
) -> None:
    gone = await h.client(OWNER, "Gone", contacts=(phone("+1 555 0100 22"),))
    kept = await h.client(OWNER, "Kept")
    m1 = await h.meeting(OWNER, client_id=gone.id)
    m2 = await h.meeting(OWNER, client_id=kept.id)

    await h.delete_client.execute(OWNER, gone.id)

    assert gone.id not in h.store.tables.clients
    with pytest.raises(ClientNotFound):
        await h.get_client.execute(OWNER, gone.id)
    assert (await h.get_meeting.execute(OWNER, m1.id)).view.client_id is None
    assert (await h.get_meeting.execute(OWNER, m2.id)).view.client_id == kept.id
    assert h.committed_meetings == 2


# -- contacts -------------------------------------------------------------------------------


async def test_add_and_remove_a_contact(h: Harness) -> None:
    created = await h.client(OWNER, "Acme")
    h.clock.advance(minutes=3)

    contact = await h.add_contact.execute(
        AddContactCommand(OWNER, created.id, ContactDraft("email", "X@Acme.Example", "work"))
    )
    assert (contact.kind, contact.value, contact.label) == ("email", "x@acme.example", "work")
    assert contact.created_at == h.clock.now()
    after_add = (await h.get_client.execute(OWNER, created.id)).view
    assert after_add.contacts == (contact,)
    assert after_add.updated_at == h.clock.now()

    await h.remove_contact.execute(OWNER, created.id, contact.id)
    assert (await h.get_client.execute(OWNER, created.id)).view.contacts == ()


async def test_add_contact_refuses_an_invalid_contact(h: Harness) -> None:
    created = await h.client(OWNER, "Acme")
    with pytest.raises(InvalidContact):
        await h.add_contact.execute(AddContactCommand(OWNER, created.id, phone("12")))
    assert (await h.get_client.execute(OWNER, created.id)).view.contacts == ()


async def test_removing_an_unknown_contact_is_not_found(h: Harness) -> None:
    mine = await h.client(OWNER, "Acme", contacts=(phone("+1 555 0100 22"),))
    other = await h.client(OWNER, "Other", contacts=(phone("+1 555 0100 33"),))
    with pytest.raises(ContactNotFound) as caught:
        await h.remove_contact.execute(OWNER, mine.id, other.contacts[0].id)
    assert caught.value.code == "contact_not_found"
    assert len((await h.get_client.execute(OWNER, other.id)).view.contacts) == 1


# -- listing -------------------------------------------------------------------------------


async def _names(h: Harness, **query: object) -> list[str]:
    page = await h.list_clients.execute(
        ClientQuery(owner_id=OWNER, page=PageRequest(limit=100), **query)  # type: ignore[arg-type]
    )
    return [c.name for c in page.items]


async def test_list_shows_only_the_owners_clients_with_contacts(h: Harness) -> None:
    await h.client(OWNER, "Mine", contacts=(phone("+1 555 0100 22"),))
    await h.client(STRANGER, "Theirs")
    page = await h.list_clients.execute(ClientQuery(OWNER, PageRequest()))
    assert page.total == 1
    assert isinstance(page.items[0], ClientView)
    assert page.items[0].name == "Mine"
    assert len(page.items[0].contacts) == 1


async def test_list_pages_with_total(h: Harness) -> None:
    for n in range(5):
        await h.client(OWNER, f"Client {n}")
    page = await h.list_clients.execute(ClientQuery(OWNER, PageRequest(limit=2, offset=2)))
    assert [c.name for c in page.items] == ["Client 2", "Client 3"]
    assert (page.total, page.limit, page.offset) == (5, 2, 2)
    beyond = await h.list_clients.execute(ClientQuery(OWNER, PageRequest(limit=2, offset=10)))
    assert (list(beyond.items), beyond.total) == ([], 5)


async def test_list_sorts_by_name_case_insensitively_and_by_creation(h: Harness) -> None:
    for name in ("banana", "Cherry", "apple"):
        h.clock.advance(seconds=1)
        await h.client(OWNER, name)

    assert await _names(h) == ["apple", "banana", "Cherry"]
    assert await _names(h, sort=ClientSort.NAME_DESC) == ["Cherry", "banana", "apple"]
    assert await _names(h, sort=ClientSort.CREATED_AT) == ["banana", "Cherry", "apple"]
    assert await _names(h, sort=ClientSort.CREATED_AT_DESC) == ["apple", "Cherry", "banana"]


async def test_search_matches_name_or_company_case_insensitively(h: Harness) -> None:
    await h.client(OWNER, "Grüne Straße GmbH")
    await h.client(OWNER, "Bob", company="ACME Widgets")
    await h.client(OWNER, "Carol", company="Elsewhere")
    await h.client(STRANGER, "acme too")

    assert await _names(h, search="acme") == ["Bob"]
    assert await _names(h, search="STRASSE") == ["Grüne Straße GmbH"]
    assert await _names(h, search="e") == ["Bob", "Carol", "Grüne Straße GmbH"]
    assert await _names(h, search="nothing") == []


async def test_search_takes_percent_and_underscore_literally(h: Harness) -> None:
    await h.client(OWNER, "100% Organic")
    await h.client(OWNER, "snake_case Ltd")
    await h.client(OWNER, "Plain")
    assert await _names(h, search="%") == ["100% Organic"]
    assert await _names(h, search="_") == ["snake_case Ltd"]
    assert await _names(h, search="e_c") == ["snake_case Ltd"]


@pytest.mark.parametrize(
    "command",
    [
        AddClientCommand(OWNER, "Ac\x00me"),
        AddClientCommand(OWNER, "Acme", company="Acme\x00Inc"),
        AddClientCommand(OWNER, "Acme", notes="a\x00b"),
        AddClientCommand(OWNER, "Acme", contacts=(ContactDraft("other", "x\x00y"),)),
        AddClientCommand(OWNER, "Acme", contacts=(ContactDraft("other", "x", "l\x00"),)),
    ],
)
async def test_text_with_nul_characters_is_refused(h: Harness, command: AddClientCommand) -> None:
    """PostgreSQL cannot store NUL, so the core refuses it for every adapter alike."""
    with pytest.raises(InvalidInput, match="NUL"):
        await h.add_client.execute(command)
    assert h.committed_clients == 0


def test_a_search_with_a_nul_character_is_refused() -> None:
    with pytest.raises(InvalidInput) as caught:
        ClientQuery(OWNER, PageRequest(), search="a\x00")
    assert caught.value.field == "q"
