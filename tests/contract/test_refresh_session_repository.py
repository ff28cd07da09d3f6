"""RefreshSessionRepository: one behaviour, every adapter."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from uuid import UUID, uuid4

from domain.users import RefreshSession, hash_refresh_token

from .support import T0, Backend, add_user


def session(
    user_id: UUID, *, family_id: UUID | None = None, token: str | None = None
) -> RefreshSession:
    return RefreshSession(
        id=uuid4(),
        user_id=user_id,
        family_id=family_id or uuid4(),
        token_hash=hash_refresh_token(token or uuid4().hex),
        created_at=T0,
        expires_at=T0 + timedelta(days=14),
    )


async def store(backend: Backend, *sessions: RefreshSession) -> None:
    async with backend.new_uow() as uow:
        for s in sessions:
            await uow.refresh_sessions.add(s)
        await uow.commit()


async def fetch(backend: Backend, s: RefreshSession) -> RefreshSession | None:
    async with backend.new_uow() as uow:
        return await uow.refresh_sessions.get_by_token_hash(s.token_hash)


async def test_a_session_round_trips_by_token_hash(backend: Backend) -> None:
    user = await add_user(backend)
    original = session(user.id, token="opaque-token")
    await store(backend, original)
    assert await fetch(backend, original) == original
    async with backend.new_uow() as uow:
        assert await uow.refresh_sessions.get_by_token_hash(hash_refresh_token("other")) is None


async def test_mark_used_succeeds_once_and_never_on_a_revoked_session(backend: Backend) -> None:
    user = await add_user(backend)
    fresh, revoked = session(user.id), session(user.id)
    await store(backend, fresh, revoked)
    at = T0 + timedelta(minutes=5)
    async with backend.new_uow() as uow:
        await uow.refresh_sessions.revoke_family(revoked.family_id, at=at)
        assert await uow.refresh_sessions.mark_used(fresh.id, at=at)
        assert not await uow.refresh_sessions.mark_used(fresh.id, at=at)
        assert not await uow.refresh_sessions.mark_used(revoked.id, at=at)
        assert not await uow.refresh_sessions.mark_used(uuid4(), at=at)
        await uow.commit()
    used = await fetch(backend, fresh)
    assert used is not None
    assert used.used_at == at
    assert used.revoked_at is None


async def test_revoke_family_touches_that_family_and_keeps_earlier_revocations(
    backend: Backend,
) -> None:
    user = await add_user(backend)
    family = uuid4()
    first, second = session(user.id, family_id=family), session(user.id, family_id=family)
    other = session(user.id)
    await store(backend, first, second, other)
    early, late = T0 + timedelta(minutes=1), T0 + timedelta(minutes=9)
    async with backend.new_uow() as uow:
        await uow.refresh_sessions.revoke_all_for_user(uuid4(), at=early)  # nobody's
        await uow.refresh_sessions.revoke_family(family, at=early)
        await uow.commit()
    async with backend.new_uow() as uow:
        await uow.refresh_sessions.revoke_family(family, at=late)
        await uow.commit()
    assert [(await fetch(backend, s)).revoked_at for s in (first, second, other)] == [  # type: ignore[union-attr]
        early,
        early,
        None,
    ]


async def test_revoke_all_for_user_spares_other_users(backend: Backend) -> None:
    alice, bob = await add_user(backend), await add_user(backend)
    hers, his = session(alice.id), session(bob.id)
    await store(backend, hers, his)
    async with backend.new_uow() as uow:
        await uow.refresh_sessions.revoke_all_for_user(alice.id, at=T0)
        await uow.commit()
    assert (await fetch(backend, hers)).revoked_at == T0  # type: ignore[union-attr]
    assert (await fetch(backend, his)).revoked_at is None  # type: ignore[union-attr]


async def test_two_concurrent_consumers_exactly_one_wins(backend: Backend) -> None:
    user = await add_user(backend)
    contested = session(user.id)
    await store(backend, contested)

    async def consume() -> bool:
        async with backend.new_uow() as uow:
            won = await uow.refresh_sessions.mark_used(contested.id, at=T0)
            # Keep the row locked a moment so the other consumer's UPDATE overlaps it.
            await asyncio.sleep(0.05)
            await uow.commit()
        return won

    assert sorted(await asyncio.gather(consume(), consume())) == [False, True]
