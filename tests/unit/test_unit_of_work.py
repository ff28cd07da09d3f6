"""The in-memory Unit of Work: real transactions, so the use cases' all-or-nothing holds."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from uuid import UUID

import pytest

from adapters.memory.repositories import InMemoryClientRepository, InMemoryUserRepository
from adapters.memory.store import InMemoryStorage, InMemoryStore
from adapters.memory.unit_of_work import InMemoryUnitOfWork, InMemoryUnitsOfWork
from application.auth import UpdateProfile, UpdateProfileCommand
from application.clients import ClientDraft, DeleteClient, ImportClients, ImportClientsCommand
from application.health import CheckReadiness
from domain.errors import EmailTaken, TokenInvalid
from domain.users import User

from .harness import PASSWORD, Harness

NOW = datetime(2026, 3, 1, tzinfo=UTC)
OWNER = UUID(int=40_001)


def a_user(n: int, email: str | None = None) -> User:
    return User(
        id=UUID(int=n),
        email=email or f"user{n}@example.com",
        full_name=None,
        password_hash="x",
        is_admin=False,
        is_active=True,
        created_at=NOW,
        updated_at=NOW,
    )


async def test_commit_publishes_the_changes() -> None:
    store = InMemoryStore()
    uow = InMemoryUnitOfWork(store)
    async with uow:
        await uow.users.add(a_user(1))
        assert store.tables.users == {}  # invisible to others until committed
        await uow.commit()
        assert uow.committed is True
    assert list(store.tables.users) == [UUID(int=1)]
    assert store.commits == 1
    async with InMemoryUnitOfWork(store) as other:
        assert await other.users.get(UUID(int=1)) == a_user(1)


async def test_leaving_without_commit_rolls_back() -> None:
    store = InMemoryStore()
    async with InMemoryUnitOfWork(store) as uow:
        await uow.users.add(a_user(1))
    assert store.tables.users == {}
    assert store.commits == 0


async def test_an_error_inside_rolls_back_everything() -> None:
    store = InMemoryStore()

    async def half_done() -> None:
        async with InMemoryUnitOfWork(store) as uow:
            await uow.users.add(a_user(1))
            await uow.users.add(a_user(2))
            raise RuntimeError("boom")

    with pytest.raises(RuntimeError, match="boom"):
        await half_done()
    assert store.tables.users == {}


async def test_rollback_discards_what_was_done_so_far() -> None:
    store = InMemoryStore()
    async with InMemoryUnitOfWork(store) as uow:
        await uow.users.add(a_user(1))
        await uow.rollback()
        await uow.users.add(a_user(2))
        await uow.commit()
    assert list(store.tables.users) == [UUID(int=2)]


async def test_changes_to_loaded_entities_need_an_update_to_count() -> None:
    store = InMemoryStore()
    async with InMemoryUnitOfWork(store) as uow:
        await uow.users.add(a_user(1))
        await uow.commit()
    async with InMemoryUnitOfWork(store) as uow:
        loaded = await uow.users.get(UUID(int=1))
        assert loaded is not None
        loaded.full_name = "Changed in memory only"
        await uow.commit()
    assert store.tables.users[UUID(int=1)].full_name is None


async def test_a_unit_of_work_can_be_entered_again_as_a_new_transaction() -> None:
    store = InMemoryStore()
    uow = InMemoryUnitOfWork(store)
    async with uow:
        await uow.users.add(a_user(1))
    async with uow:
        assert uow.committed is False
        await uow.users.add(a_user(2))
        await uow.commit()
    assert list(store.tables.users) == [UUID(int=2)]


async def test_repositories_refuse_to_work_outside_their_unit_of_work() -> None:
    uow = InMemoryUnitOfWork(InMemoryStore())
    with pytest.raises(RuntimeError):
        await uow.users.get(UUID(int=1))


async def test_transactions_are_serialised_so_no_update_is_lost() -> None:
    store = InMemoryStore()
    async with InMemoryUnitOfWork(store) as uow:
        await uow.users.add(a_user(1))
        await uow.commit()

    async def increment() -> None:
        async with InMemoryUnitOfWork(store) as uow:
            user = await uow.users.get(UUID(int=1))
            assert user is not None
            await asyncio.sleep(0)  # give the other transaction a chance to interleave
            user.full_name = str(int(user.full_name or "0") + 1)
            await uow.users.update(user)
            await uow.commit()

    await asyncio.gather(*(increment() for _ in range(5)))
    assert store.tables.users[UUID(int=1)].full_name == "5"
    assert store.commits == 6


async def test_a_duplicate_email_is_refused_by_the_repository_too() -> None:
    store = InMemoryStore()
    async with InMemoryUnitOfWork(store) as uow:
        await uow.users.add(a_user(1, "same@example.com"))
        with pytest.raises(EmailTaken):
            await uow.users.add(a_user(2, "same@example.com"))


async def test_concurrent_registrations_of_one_email_store_one_user(h: Harness) -> None:
    results = await asyncio.gather(
        h.user("twin@example.com"), h.user("twin@example.com"), return_exceptions=True
    )
    assert sum(isinstance(r, EmailTaken) for r in results) == 1
    assert len(h.store.tables.users) == 1


async def test_in_memory_storage_is_always_ready() -> None:
    await CheckReadiness(InMemoryStorage(InMemoryStore())).execute()  # does not raise


# -- a use case failing half way leaves nothing -------------------------------------------


class ExplodingDelete(InMemoryClientRepository):
    async def delete(self, client_id: UUID, *, owner_id: UUID) -> bool:
        raise RuntimeError("the disk is on fire")


class ExplodingAddMany(InMemoryClientRepository):
    """Lets the first batch through, then fails."""

    batches = 0

    async def add_many(self, clients: object) -> None:
        type(self).batches += 1
        if type(self).batches > 1:
            raise RuntimeError("connection lost")
        await super().add_many(clients)  # type: ignore[arg-type]


class ExplodingUserUpdate(InMemoryUserRepository):
    async def update(self, user: User) -> None:
        raise RuntimeError("write failed")


class FaultyUnitOfWork(InMemoryUnitOfWork):
    def __init__(self, store: InMemoryStore, **repositories: type) -> None:
        super().__init__(store)
        for name, cls in repositories.items():
            setattr(self, name, cls(self._tables))


class FaultyUnits(InMemoryUnitsOfWork):
    """Units of work whose repositories named in ``repositories`` are replaced."""

    def __init__(self, store: InMemoryStore, **repositories: type) -> None:
        super().__init__(store)
        self._repositories = repositories

    def reading(self) -> FaultyUnitOfWork:
        return FaultyUnitOfWork(self._store, **self._repositories)

    def writing(self) -> FaultyUnitOfWork:
        return FaultyUnitOfWork(self._store, **self._repositories)


async def test_delete_client_failing_after_detaching_meetings_leaves_everything(
    h: Harness,
) -> None:
    client = await h.client(OWNER, "Acme")
    meeting = await h.meeting(OWNER, client_id=client.id)
    delete = DeleteClient(FaultyUnits(h.store, clients=ExplodingDelete))

    with pytest.raises(RuntimeError):
        await delete.execute(OWNER, client.id)

    assert client.id in h.store.tables.clients
    assert h.store.tables.meetings[meeting.id].client_id == client.id


async def test_import_failing_in_its_second_batch_keeps_not_even_the_first(h: Harness) -> None:
    ExplodingAddMany.batches = 0
    importer = ImportClients(FaultyUnits(h.store, clients=ExplodingAddMany), h.ids, h.clock)
    rows = [ClientDraft(n, f"Client {n}") for n in range(2, 8)]

    with pytest.raises(RuntimeError):
        await importer.execute(ImportClientsCommand(OWNER, rows, batch_size=3))

    assert ExplodingAddMany.batches == 2
    assert h.store.tables.clients == {}
    assert h.store.commits == 0


async def test_password_change_failing_after_revoking_sessions_revokes_nothing(
    h: Harness,
) -> None:
    user = await h.user()
    pair = await h.login()
    change = UpdateProfile(FaultyUnits(h.store, users=ExplodingUserUpdate), h.hasher, h.clock)

    with pytest.raises(RuntimeError):
        await change.execute(
            UpdateProfileCommand(user.id, password="new pass 1", current_password=PASSWORD)
        )

    assert all(s.revoked_at is None for s in h.store.tables.refresh_sessions.values())
    assert (await h.refresh_tokens.execute(pair.refresh_token)).refresh_token
    await h.login(password=PASSWORD)


async def test_refresh_failing_after_consuming_the_token_leaves_it_usable(h: Harness) -> None:
    user = await h.user()
    pair = await h.login()
    h.store.tables.users[user.id].is_active = False
    with pytest.raises(TokenInvalid):
        await h.refresh_tokens.execute(pair.refresh_token)  # consumes, then fails

    h.store.tables.users[user.id].is_active = True
    assert (await h.refresh_tokens.execute(pair.refresh_token)).refresh_token
