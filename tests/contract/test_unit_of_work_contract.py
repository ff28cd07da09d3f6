"""UnitOfWork: transactions behave the same on every adapter."""

from __future__ import annotations

import pytest

from domain.pagination import PageRequest

from .support import Backend, add_user, make_user


class Boom(Exception):
    pass


async def _count_users(backend: Backend) -> int:
    async with backend.new_uow() as uow:
        return (await uow.users.list(PageRequest())).total


async def test_leaving_without_commit_keeps_nothing(backend: Backend) -> None:
    async with backend.new_uow() as uow:
        await uow.users.add(make_user())
    assert await _count_users(backend) == 0


async def test_an_error_rolls_everything_back(backend: Backend) -> None:
    async def fail_halfway() -> None:
        async with backend.new_uow() as uow:
            await uow.users.add(make_user())
            await uow.users.add(make_user())
            raise Boom

    with pytest.raises(Boom):
        await fail_halfway()
    assert await _count_users(backend) == 0


async def test_rollback_discards_and_the_unit_goes_on(backend: Backend) -> None:
    kept = make_user()
    async with backend.new_uow() as uow:
        await uow.users.add(make_user())
        await uow.rollback()
        await uow.users.add(kept)
        await uow.commit()
    async with backend.new_uow() as uow:
        page = await uow.users.list(PageRequest())
    assert [u.id for u in page.items] == [kept.id]


async def test_a_unit_may_be_entered_again_each_time_a_new_transaction(
    backend: Backend,
) -> None:
    uow = backend.new_uow()
    first, second = make_user(), make_user()
    async with uow:
        await uow.users.add(first)
        await uow.commit()
    async with uow:
        await uow.users.add(second)  # not committed
    async with uow:
        assert await uow.users.get(first.id) == first
        assert await uow.users.get(second.id) is None


async def test_work_after_a_commit_needs_its_own_commit(backend: Backend) -> None:
    committed, dropped = make_user(), make_user()
    async with backend.new_uow() as uow:
        await uow.users.add(committed)
        await uow.commit()
        await uow.users.add(dropped)
    async with backend.new_uow() as uow:
        assert await uow.users.get(committed.id) == committed
        assert await uow.users.get(dropped.id) is None


async def test_a_unit_sees_its_own_uncommitted_writes(backend: Backend) -> None:
    user = await add_user(backend)
    async with backend.new_uow() as uow:
        user.rename("Changed", now=user.updated_at)
        await uow.users.update(user)
        assert (await uow.users.get(user.id)) == user
