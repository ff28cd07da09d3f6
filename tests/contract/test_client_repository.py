"""ClientRepository: one behaviour, every adapter."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from uuid import UUID, uuid4

import pytest

from domain.clients import Client, Contact
from domain.errors import ClientNameTaken, ConcurrentUpdate
from domain.pagination import PageRequest
from domain.queries import ClientQuery, ClientSort
from domain.values import ClientName, ContactKind

from .support import T0, Backend, add_user, later


def contact(value: str = "+44 20 7946 0958", *, kind: str = "phone", **extra: object) -> Contact:
    return Contact(
        id=extra.get("id", uuid4()),  # type: ignore[arg-type]
        kind=ContactKind(kind),
        value=value,
        label=extra.get("label"),  # type: ignore[arg-type]
        created_at=extra.get("created_at", T0),  # type: ignore[arg-type]
    )


def client(
    owner_id: UUID,
    name: str,
    *,
    company: str | None = None,
    contacts: list[Contact] | None = None,
    created_at: object = T0,
    client_id: UUID | None = None,
) -> Client:
    parsed = ClientName.parse(name)
    return Client(
        id=client_id or uuid4(),
        owner_id=owner_id,
        name=parsed.value,
        name_key=parsed.key,
        company=company,
        notes=None,
        created_at=created_at,  # type: ignore[arg-type]
        updated_at=created_at,  # type: ignore[arg-type]
        contacts=contacts or [],
    )


async def store(backend: Backend, *clients: Client) -> None:
    async with backend.new_uow() as uow:
        await uow.clients.add_many(list(clients))
        await uow.commit()


async def test_a_client_round_trips_with_its_contacts_in_order(backend: Backend) -> None:
    owner = await add_user(backend)
    # Random ids and one timestamp: only the stored order can keep the list order.
    contacts = [
        contact("zoë@exämple.com".replace("ä", "a"), kind="email", label="work 💼"),
        contact("+1 (555) 010-9999", label=None),
        contact("Telegram: @émile_🦊", kind="other", label="chat"),
    ]
    original = client(owner.id, "Café Zoë 🦊", company="Ünïcode GmbH", contacts=contacts)
    original.notes = "Notes with 'quotes', \"double\", back\\slash and 100% 漢字"
    async with backend.new_uow() as uow:
        await uow.clients.add(original)
        await uow.commit()
    async with backend.new_uow() as uow:
        loaded = await uow.clients.get(original.id, owner_id=owner.id)
    assert loaded == original


async def test_someone_elses_client_does_not_exist(backend: Backend) -> None:
    owner, stranger = await add_user(backend), await add_user(backend)
    mine = client(owner.id, "Acme")
    await store(backend, mine)
    async with backend.new_uow() as uow:
        assert await uow.clients.get(mine.id, owner_id=stranger.id) is None
        assert not await uow.clients.exists(mine.id, owner_id=stranger.id)
        assert await uow.clients.exists(mine.id, owner_id=owner.id)
        assert not await uow.clients.delete(mine.id, owner_id=stranger.id)
        assert await uow.clients.get(UUID(int=7), owner_id=owner.id) is None


@pytest.mark.parametrize(
    ("first", "second"),
    [("Straße", "STRASSE"), ("Émile", "émile"), ("acme", "ACME"), ("ǅemal", "ǆemal")],
)
async def test_names_are_unique_per_owner_by_case_folding(
    backend: Backend, first: str, second: str
) -> None:
    owner, other = await add_user(backend), await add_user(backend)
    await store(backend, client(owner.id, first))
    with pytest.raises(ClientNameTaken):
        await store(backend, client(owner.id, second))
    await store(backend, client(other.id, second))  # another owner may use it
    async with backend.new_uow() as uow:
        assert await uow.clients.name_exists(owner.id, ClientName.parse(second).key)
        assert not await uow.clients.name_exists(owner.id, "someone else")


async def test_name_exists_can_exclude_the_client_itself(backend: Backend) -> None:
    owner = await add_user(backend)
    acme = client(owner.id, "Acme")
    await store(backend, acme)
    async with backend.new_uow() as uow:
        assert not await uow.clients.name_exists(owner.id, "acme", excluding=acme.id)
        assert await uow.clients.name_exists(owner.id, "acme", excluding=uuid4())


async def test_existing_name_keys_reports_only_the_owners_taken_keys(backend: Backend) -> None:
    owner, other = await add_user(backend), await add_user(backend)
    await store(backend, client(owner.id, "Acme"), client(owner.id, "Straße"))
    await store(backend, client(other.id, "Globex"))
    async with backend.new_uow() as uow:
        taken = await uow.clients.existing_name_keys(owner.id, ["acme", "strasse", "globex", "x"])
        none = await uow.clients.existing_name_keys(owner.id, [])
    assert taken == {"acme", "strasse"}
    assert none == set()


async def test_add_many_is_all_or_nothing_on_a_duplicate(backend: Backend) -> None:
    owner = await add_user(backend)
    await store(backend, client(owner.id, "Acme"))
    with pytest.raises(ClientNameTaken):
        await store(backend, client(owner.id, "New one"), client(owner.id, "ACME"))
    async with backend.new_uow() as uow:
        page = await uow.clients.list(ClientQuery(owner.id, PageRequest()))
    assert [c.name for c in page.items] == ["Acme"]


async def test_update_saves_fields_and_makes_contacts_match(backend: Backend) -> None:
    owner = await add_user(backend)
    kept, dropped = contact("+1 555 010 0001"), contact("+1 555 010 0002")
    acme = client(owner.id, "Acme", company="Acme Inc", contacts=[dropped, kept])
    await store(backend, acme)
    async with backend.new_uow() as uow:
        loaded = await uow.clients.get(acme.id, owner_id=owner.id)
        assert loaded is not None
        loaded.rename(ClientName.parse("Acme Ltd"), now=later(5))
        loaded.set_company(None, now=later(5))
        loaded.set_notes("renamed ✓", now=later(5))
        loaded.remove_contact(dropped.id, now=later(6))
        added = contact("new@example.com", kind="email", created_at=later(6))
        loaded.add_contact(added, now=later(6))
        await uow.clients.update(loaded)
        await uow.commit()
    async with backend.new_uow() as uow:
        again = await uow.clients.get(acme.id, owner_id=owner.id)
    assert again == loaded
    assert again is not None
    assert [c.id for c in again.contacts] == [kept.id, added.id]


async def test_update_without_loading_first_still_matches_contacts(backend: Backend) -> None:
    owner = await add_user(backend)
    first, second = contact("+1 555 010 0001"), contact("+1 555 010 0002")
    acme = client(owner.id, "Acme", contacts=[first, second])
    await store(backend, acme)
    third = contact("+1 555 010 0003")
    acme.contacts = [second, third]
    async with backend.new_uow() as uow:
        await uow.clients.update(acme)
        await uow.commit()
    async with backend.new_uow() as uow:
        loaded = await uow.clients.get(acme.id, owner_id=owner.id)
    assert loaded is not None
    assert [c.id for c in loaded.contacts] == [second.id, third.id]


async def test_renaming_onto_a_taken_name_is_a_conflict(backend: Backend) -> None:
    owner = await add_user(backend)
    acme, globex = client(owner.id, "Acme"), client(owner.id, "Globex")
    await store(backend, acme, globex)
    globex.rename(ClientName.parse("ACME"), now=later(1))
    async with backend.new_uow() as uow:
        with pytest.raises(ClientNameTaken):
            await uow.clients.update(globex)


async def test_updating_a_missing_client_is_a_lost_race_and_changes_nothing(
    backend: Backend,
) -> None:
    owner = await add_user(backend)
    ghost = client(owner.id, "Ghost", contacts=[contact()])
    async with backend.new_uow() as uow:
        with pytest.raises(ConcurrentUpdate):
            await uow.clients.update(ghost)
        await uow.commit()
    async with backend.new_uow() as uow:
        assert await uow.clients.get(ghost.id, owner_id=owner.id) is None


async def test_delete_removes_the_client_and_its_contacts(backend: Backend) -> None:
    owner = await add_user(backend)
    acme = client(owner.id, "Acme", contacts=[contact(), contact("a@b.co", kind="email")])
    await store(backend, acme)
    async with backend.new_uow() as uow:
        assert await uow.clients.delete(acme.id, owner_id=owner.id)
        assert not await uow.clients.delete(acme.id, owner_id=owner.id)
        await uow.commit()
    async with backend.new_uow() as uow:
        assert await uow.clients.get(acme.id, owner_id=owner.id) is None
    # The name is free again, and so are the contacts' ids.
    await store(backend, client(owner.id, "acme", contacts=acme.contacts))


def _names(page: object) -> list[str]:
    return [c.name for c in page.items]  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("search", "expected"),
    [
        ("100%", ["100% Organic"]),
        ("%", ["100% Organic"]),
        ("_", ["snake_case Ltd"]),
        ("e_c", ["snake_case Ltd"]),
        ("\\", ["Back\\slash"]),
        ("o'b", ["O'Brien & Sons"]),
        ('"q', ['"Quoted"']),
        ("STRASSE", ["Straße Bau"]),
        ("ÉMILE", ["Chez Émile"]),
        ("globex", ["Initech"]),  # matched by company
        ("zzz", []),
    ],
)
async def test_search_is_a_literal_case_folded_substring_of_name_or_company(
    backend: Backend, search: str, expected: list[str]
) -> None:
    owner, other = await add_user(backend), await add_user(backend)
    names = ["100% Organic", "snake_case Ltd", "Back\\slash", "O'Brien & Sons", '"Quoted"']
    await store(
        backend,
        *(client(owner.id, n) for n in names),
        client(owner.id, "Straße Bau"),
        client(owner.id, "Chez Émile"),
        client(owner.id, "Initech", company="Globex Corporation"),
        client(owner.id, "Plain", company="Snakecase"),
    )
    await store(backend, client(other.id, "100% Other"), client(other.id, "Straße"))
    async with backend.new_uow() as uow:
        page = await uow.clients.list(ClientQuery(owner.id, PageRequest(), search=search))
    assert _names(page) == expected
    assert page.total == len(expected)


@pytest.mark.parametrize("sort", list(ClientSort))
async def test_list_sorts_with_id_as_tie_break_and_pages_with_a_total(
    backend: Backend, sort: ClientSort
) -> None:
    owner = await add_user(backend)
    made = [
        client(owner.id, "beta", created_at=later(2)),
        client(owner.id, "Alpha", created_at=later(1)),
        client(owner.id, "Émile", created_at=later(2)),
        client(owner.id, "zeta", created_at=later(0)),
        client(owner.id, "Zed", created_at=later(2)),
    ]
    await store(backend, *made)
    if sort in (ClientSort.NAME, ClientSort.NAME_DESC):
        ordered = sorted(made, key=lambda c: (c.name_key, c.id))
    else:
        ordered = sorted(made, key=lambda c: (c.created_at, c.id))  # type: ignore[arg-type]
    if sort.startswith("-"):
        ordered.reverse()
    async with backend.new_uow() as uow:
        pages = [
            await uow.clients.list(ClientQuery(owner.id, PageRequest(2, offset), sort=sort))
            for offset in (0, 2, 4, 6)
        ]
    assert [c.id for p in pages for c in p.items] == [c.id for c in ordered]
    assert [p.total for p in pages] == [5, 5, 5, 5]
    assert [len(p.items) for p in pages] == [2, 2, 1, 0]


async def test_a_search_past_its_last_page_still_counts_its_matches(backend: Backend) -> None:
    owner, other = await add_user(backend), await add_user(backend)
    await store(
        backend, *(client(owner.id, f"Acme {i}") for i in range(3)), client(owner.id, "Zed")
    )
    await store(backend, client(other.id, "Acme elsewhere"))
    async with backend.new_uow() as uow:
        for sort in ClientSort:
            query = ClientQuery(owner.id, PageRequest(2, 5), search="acme", sort=sort)
            page = await uow.clients.list(query)
            assert (list(page.items), page.total) == ([], 3)


async def test_the_total_is_counted_up_to_the_cap_then_is_a_lower_bound(
    backend: Backend,
) -> None:
    owner, other = await add_user(backend), await add_user(backend)
    await store(
        backend, *(client(owner.id, f"Acme {i}") for i in range(6)), client(owner.id, "Zed")
    )
    await store(backend, *(client(other.id, f"Acme {i}") for i in range(5)))

    async def counted(request: PageRequest, search: str | None) -> tuple[int, int, bool]:
        async with backend.new_uow() as uow:
            for sort in ClientSort:
                page = await uow.clients.list(ClientQuery(owner.id, request, search, sort))
                if sort is ClientSort.NAME:
                    first = (len(page.items), page.total, page.total_exact)
                assert (len(page.items), page.total, page.total_exact) == first
        return first

    for search, matches in ((None, 7), ("acme", 6)):
        # counted to the end before the cap (offset + limit + count_ahead): exact
        assert await counted(PageRequest(2, 0, count_ahead=10), search) == (2, matches, True)
        assert await counted(PageRequest(2, 0, count_ahead=None), search) == (2, matches, True)
        # the cap reached: at least that many (the page and one more here)
        assert await counted(PageRequest(2, 0, count_ahead=1), search) == (2, 3, False)
        assert await counted(PageRequest(2, 2, count_ahead=0), search) == (2, 4, False)
        # the last page, and past it: the cap lies beyond the matches, so the count is exact
        last = matches - 1
        assert await counted(PageRequest(2, last, count_ahead=0), search) == (1, matches, True)
        assert await counted(PageRequest(2, 20, count_ahead=0), search) == (0, matches, True)


async def test_list_returns_each_clients_own_contacts(backend: Backend) -> None:
    owner = await add_user(backend)
    with_two = client(
        owner.id, "A", contacts=[contact("+1 555 000 0001"), contact("x", kind="other")]
    )
    without = client(owner.id, "B")
    with_one = client(owner.id, "C", contacts=[contact("c@example.com", kind="email")])
    await store(backend, with_two, without, with_one)
    async with backend.new_uow() as uow:
        page = await uow.clients.list(ClientQuery(owner.id, PageRequest()))
    assert list(page.items) == [with_two, without, with_one]


async def test_concurrent_duplicates_give_one_client_and_one_conflict(backend: Backend) -> None:
    owner = await add_user(backend)

    async def create() -> str:
        try:
            async with backend.new_uow() as uow:
                await uow.clients.add(client(owner.id, "Race"))
                # Hold the transaction open so the other writer overlaps it.
                await asyncio.sleep(0.05)
                await uow.commit()
        except ClientNameTaken:
            return "conflict"
        return "created"

    outcomes = await asyncio.gather(create(), create())
    assert sorted(outcomes) == ["conflict", "created"]
    async with backend.new_uow() as uow:
        assert (await uow.clients.list(ClientQuery(owner.id, PageRequest()))).total == 1


async def test_created_and_updated_times_come_back_in_utc(backend: Backend) -> None:
    owner = await add_user(backend)
    acme = client(owner.id, "Acme", created_at=T0 + timedelta(microseconds=123456))
    await store(backend, acme)
    async with backend.new_uow() as uow:
        loaded = await uow.clients.get(acme.id, owner_id=owner.id)
    assert loaded is not None
    assert loaded.created_at == acme.created_at
    assert loaded.created_at.utcoffset() == timedelta(0)


async def test_names_come_by_folded_name_only_the_owner_s_and_counted(backend: Backend) -> None:
    owner = await add_user(backend)
    other = await add_user(backend)
    names = ["beta", "Alpha", "Émile", "ALPHA two", "gamma"]
    stored = [client(owner.id, name, contacts=[contact()]) for name in names]
    await store(backend, *stored, client(other.id, "Aaron"))
    ids = {c.name: c.id for c in stored}

    async with backend.new_uow() as uow:
        every = await uow.clients.list_names(owner.id, PageRequest(10))
        first = await uow.clients.list_names(owner.id, PageRequest(2))
        second = await uow.clients.list_names(owner.id, PageRequest(2, 2))
        capped = await uow.clients.list_names(owner.id, PageRequest(2, 0, count_ahead=1))
        nobody = await uow.clients.list_names(uuid4(), PageRequest(10))

    ordered = ["Alpha", "ALPHA two", "beta", "gamma", "Émile"]  # str.casefold order
    assert [name for _, name in every.items] == ordered
    assert [client_id for client_id, _ in every.items] == [ids[name] for name in ordered]
    assert (every.total, every.total_exact) == (5, True)
    assert [name for _, name in first.items] == ordered[:2]
    assert (first.total, first.total_exact) == (5, True)
    assert [name for _, name in second.items] == ordered[2:4]
    assert (capped.total, capped.total_exact) == (3, False)
    assert (nobody.items, nobody.total) == ([], 0)
