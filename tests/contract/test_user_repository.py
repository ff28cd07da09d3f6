"""UserRepository: one behaviour, every adapter."""

from __future__ import annotations

from datetime import timedelta
from uuid import UUID

import pytest

from domain.errors import EmailTaken
from domain.pagination import PageRequest

from .support import T0, Backend, add_user, make_user


async def test_a_user_round_trips_unchanged(backend: Backend) -> None:
    user = make_user("émile.zoë@example.com", full_name="Émile Zoë 🦊 Ñandú")
    user.is_admin = True
    async with backend.new_uow() as uow:
        await uow.users.add(user)
        await uow.commit()
    async with backend.new_uow() as uow:
        by_id = await uow.users.get(user.id)
        by_email = await uow.users.get_by_email("émile.zoë@example.com")
    assert by_id == user
    assert by_email == user
    assert by_id is not None
    assert by_id.created_at.utcoffset() == timedelta(0)


async def test_unknown_users_are_none(backend: Backend) -> None:
    async with backend.new_uow() as uow:
        assert await uow.users.get(UUID(int=1)) is None
        assert await uow.users.get_by_email("nobody@example.com") is None


async def test_a_taken_email_is_a_conflict(backend: Backend) -> None:
    await add_user(backend, "ada@example.com")
    async with backend.new_uow() as uow:
        with pytest.raises(EmailTaken):
            await uow.users.add(make_user("ada@example.com"))
    async with backend.new_uow() as uow:
        page = await uow.users.list(PageRequest())
    assert page.total == 1


async def test_update_persists_every_field(backend: Backend) -> None:
    user = await add_user(backend, "grace@example.com")
    user.rename("Grace Hopper", now=T0 + timedelta(days=1))
    user.change_password_hash("$2b$04$other", now=T0 + timedelta(days=2))
    user.move_to("America/Argentina/Buenos_Aires", now=T0 + timedelta(days=3))
    user.is_active = False
    async with backend.new_uow() as uow:
        await uow.users.update(user)
        await uow.commit()
    async with backend.new_uow() as uow:
        assert await uow.users.get(user.id) == user


async def test_list_orders_by_creation_then_id_with_a_total(backend: Backend) -> None:
    same_time = [make_user(created_at=T0) for _ in range(3)]
    older = make_user(created_at=T0 - timedelta(hours=1))
    async with backend.new_uow() as uow:
        for user in [*same_time, older]:
            await uow.users.add(user)
        await uow.commit()
    expected = [older.id, *sorted(u.id for u in same_time)]
    async with backend.new_uow() as uow:
        first = await uow.users.list(PageRequest(limit=3, offset=0))
        second = await uow.users.list(PageRequest(limit=3, offset=3))
        beyond = await uow.users.list(PageRequest(limit=3, offset=10))
    assert [u.id for u in first.items] + [u.id for u in second.items] == expected
    assert (first.total, second.total, beyond.total) == (4, 4, 4)
    assert beyond.items == []
    assert (first.limit, second.offset) == (3, 3)
