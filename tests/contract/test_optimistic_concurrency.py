"""Compare-and-set on every aggregate, and the locks that order writers: every adapter.

A repository's ``update`` stores an aggregate only over the version that was read and
advances it; a writer that read an older version gets ``ConcurrentUpdate`` and changes
nothing. The memory adapter runs units one at a time, so its races are staged with
copies read before the other writer committed; the SQL adapters are raced for real.
"""

from __future__ import annotations

import asyncio
import copy
from datetime import timedelta
from uuid import UUID, uuid4

import pytest

from domain.clients import Client, Contact
from domain.errors import ConcurrentUpdate
from domain.meetings import Meeting
from domain.values import ClientName, ContactKind

from .support import T0, Backend, add_user, later

WRITERS = 8


def new_client(owner_id: object, name: str = "Acme") -> Client:
    parsed = ClientName.parse(name)
    return Client(uuid4(), owner_id, parsed.value, parsed.key, None, None, T0, T0)  # type: ignore[arg-type]


def new_contact(value: str) -> Contact:
    return Contact(uuid4(), ContactKind.PHONE, value, None, T0)


def new_meeting(owner_id: UUID, client_id: UUID | None = None) -> Meeting:
    return Meeting.schedule(
        id=uuid4(),
        owner_id=owner_id,
        client_id=client_id,
        starts_at=T0,
        duration_minutes=30,
        revenue="10",
        notes=None,
        now=T0,
    )


async def stored_client(backend: Backend) -> Client:
    owner = await add_user(backend)
    made = new_client(owner.id)
    async with backend.new_uow() as uow:
        await uow.clients.add(made)
        await uow.commit()
    return made


async def read_client(backend: Backend, made: Client) -> Client:
    async with backend.new_uow() as uow:
        loaded = await uow.clients.get(made.id, owner_id=made.owner_id)
    assert loaded is not None
    return loaded


async def test_new_aggregates_start_at_version_one(backend: Backend) -> None:
    user = await add_user(backend)
    made = await stored_client(backend)
    async with backend.new_uow() as uow:
        assert (await uow.users.get(user.id)).version == 1  # type: ignore[union-attr]
    assert (await read_client(backend, made)).version == 1


async def test_an_update_advances_the_version_it_read(backend: Backend) -> None:
    made = await stored_client(backend)
    for expected in (2, 3):
        loaded = await read_client(backend, made)
        loaded.set_notes(f"v{expected}", now=later(expected))
        async with backend.new_uow() as uow:
            await uow.clients.update(loaded)
            await uow.commit()
        assert loaded.version == expected
        assert (await read_client(backend, made)).version == expected


async def test_a_stale_client_write_loses_and_keeps_the_winners_contacts(
    backend: Backend,
) -> None:
    made = await stored_client(backend)
    first, second = await read_client(backend, made), await read_client(backend, made)
    first.add_contact(new_contact("+1 555 010 0001"), now=later(1))
    async with backend.new_uow() as uow:
        await uow.clients.update(first)
        await uow.commit()
    second.add_contact(new_contact("+1 555 010 0002"), now=later(2))
    second.rename(ClientName.parse("Loser"), now=later(2))
    async with backend.new_uow() as uow:
        with pytest.raises(ConcurrentUpdate):
            await uow.clients.update(second)
        await uow.commit()
    assert second.version == 1
    stored = await read_client(backend, made)
    assert stored.name == "Acme"
    assert [c.value for c in stored.contacts] == ["+1 555 010 0001"]
    assert stored.version == 2


async def test_stale_user_and_meeting_writes_lose(backend: Backend) -> None:
    user = await add_user(backend)
    stale_user = copy.copy(user)
    user.rename("Winner", now=later(1))
    meeting = new_meeting(user.id)
    async with backend.new_uow() as uow:
        await uow.users.update(user)
        await uow.meetings.add(meeting)
        await uow.commit()
    stale_meeting = copy.copy(meeting)
    meeting.reschedule(T0 + timedelta(days=1), now=later(2))
    async with backend.new_uow() as uow:
        await uow.meetings.update(meeting)
        await uow.commit()
    stale_user.rename("Loser", now=later(3))
    stale_meeting.set_notes("lost", now=later(3))
    async with backend.new_uow() as uow:
        with pytest.raises(ConcurrentUpdate):
            await uow.users.update(stale_user)
        with pytest.raises(ConcurrentUpdate):
            await uow.meetings.update(stale_meeting)
        await uow.commit()
    async with backend.new_uow() as uow:
        assert (await uow.users.get(user.id)) == user
        assert (await uow.meetings.get(meeting.id, owner_id=user.id)) == meeting
    assert (user.version, meeting.version) == (2, 2)


async def test_parallel_writers_of_one_version_give_exactly_one_winner(
    backend: Backend,
) -> None:
    made = await stored_client(backend)
    copies = [await read_client(backend, made) for _ in range(WRITERS)]

    async def write(index: int, mine: Client) -> bool:
        mine.add_contact(new_contact(f"+1 555 010 {index:04d}"), now=later(index))
        try:
            async with backend.new_uow() as uow:
                await uow.clients.update(mine)
                # Hold the transaction so the other writers overlap it.
                await asyncio.sleep(0.02)
                await uow.commit()
        except ConcurrentUpdate:
            return False
        return True

    outcomes = await asyncio.gather(*(write(i, c) for i, c in enumerate(copies)))
    assert outcomes.count(True) == 1
    stored = await read_client(backend, made)
    assert len(stored.contacts) == 1
    assert stored.version == 2


async def test_read_modify_write_in_parallel_never_loses_an_update(backend: Backend) -> None:
    # Each writer reads and writes in one unit: whoever loses is told, and every
    # reported success is in the stored aggregate.
    made = await stored_client(backend)

    async def add_one(index: int) -> bool:
        try:
            async with backend.new_uow() as uow:
                loaded = await uow.clients.get(made.id, owner_id=made.owner_id)
                assert loaded is not None
                await asyncio.sleep(0.01)
                loaded.add_contact(new_contact(f"+1 555 020 {index:04d}"), now=later(index))
                await uow.clients.update(loaded)
                await uow.commit()
        except ConcurrentUpdate:
            return False
        return True

    outcomes = await asyncio.gather(*(add_one(i) for i in range(WRITERS)))
    stored = await read_client(backend, made)
    assert outcomes.count(True) >= 1
    assert len(stored.contacts) == outcomes.count(True)
    assert stored.version == 1 + outcomes.count(True)


async def test_lock_holds_the_user_until_the_transaction_ends(backend: Backend) -> None:
    user = await add_user(backend)
    order: list[str] = []
    first_holds = asyncio.Event()

    async def first() -> None:
        async with backend.new_uow() as uow:
            held = await uow.users.lock(user.id)
            assert held is not None
            first_holds.set()
            await asyncio.sleep(0.2)
            held.rename("First", now=later(1))
            await uow.users.update(held)
            order.append("first wrote")
            await uow.commit()

    async def second() -> None:
        await first_holds.wait()
        async with backend.new_uow() as uow:
            held = await uow.users.lock(user.id)
            order.append("second holds")
            # Taken only after the first committed, so it sees the first's write.
            assert held is not None
            assert (held.full_name, held.version) == ("First", 2)

    await asyncio.gather(first(), second())
    assert order == ["first wrote", "second holds"]


async def test_a_client_read_for_update_holds_it_until_the_transaction_ends(
    backend: Backend,
) -> None:
    made = await stored_client(backend)
    stranger = await add_user(backend)
    order: list[str] = []
    first_holds = asyncio.Event()

    async def first() -> None:
        async with backend.new_uow() as uow:
            held = await uow.clients.get(made.id, owner_id=made.owner_id, for_update=True)
            assert held is not None
            first_holds.set()
            await asyncio.sleep(0.2)
            held.add_contact(new_contact("+1 555 030 0001"), now=later(1))
            await uow.clients.update(held)
            order.append("first wrote")
            await uow.commit()

    async def second() -> None:
        await first_holds.wait()
        async with backend.new_uow() as uow:
            assert await uow.clients.get(made.id, owner_id=stranger.id, for_update=True) is None
            held = await uow.clients.get(made.id, owner_id=made.owner_id, for_update=True)
            order.append("second holds")
            assert held is not None
            assert (len(held.contacts), held.version) == (1, 2)

    await asyncio.gather(first(), second())
    assert order == ["first wrote", "second holds"]
    async with backend.new_uow() as uow:
        assert await uow.users.lock(uuid4()) is None


async def test_a_versioned_delete_removes_only_the_version_named(backend: Backend) -> None:
    user = await add_user(backend)
    meeting = new_meeting(user.id)
    async with backend.new_uow() as uow:
        await uow.meetings.add(meeting)
        await uow.commit()
    async with backend.new_uow() as uow:
        assert not await uow.meetings.delete(meeting.id, owner_id=user.id, version=2)
        assert await uow.meetings.get(meeting.id, owner_id=user.id) is not None
        assert await uow.meetings.delete(meeting.id, owner_id=user.id, version=1)
        await uow.commit()


async def test_detaching_a_client_advances_its_meetings_versions(backend: Backend) -> None:
    made = await stored_client(backend)
    meeting = new_meeting(made.owner_id, client_id=made.id)
    async with backend.new_uow() as uow:
        await uow.meetings.add(meeting)
        await uow.commit()
    async with backend.new_uow() as uow:
        await uow.meetings.detach_client(made.id)
        await uow.commit()
    async with backend.new_uow() as uow:
        detached = await uow.meetings.get(meeting.id, owner_id=made.owner_id)
    assert detached is not None
    assert (detached.client_id, detached.version) == (None, 2)
