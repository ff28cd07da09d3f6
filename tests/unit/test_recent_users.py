"""The identity cache: expiry, eviction, copies, and how IdentifyUser uses it."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from uuid import uuid4

import pytest

from adapters.memory.recent_users import TtlRecentUsers
from application.auth import IdentifyUser, UpdateProfile, UpdateProfileCommand
from domain.errors import TokenInvalid
from domain.users import User

from .harness import Harness


def _user(**changes: object) -> User:
    now = datetime(2025, 1, 1, tzinfo=UTC)
    fields: dict[str, object] = {
        "id": uuid4(),
        "email": "ada@example.com",
        "full_name": "Ada",
        "password_hash": "x",
        "is_admin": False,
        "is_active": True,
        "created_at": now,
        "updated_at": now,
    }
    fields.update(changes)
    return User(**fields)  # type: ignore[arg-type]


class FakeClock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_an_entry_lives_for_its_ttl_and_no_longer() -> None:
    clock = FakeClock()
    cache = TtlRecentUsers(ttl_seconds=5, clock=clock)
    user = _user()
    cache.put(user)
    clock.now += 4.9
    assert cache.get(user.id) == user
    clock.now += 0.1
    assert cache.get(user.id) is None


def test_forget_drops_an_entry_at_once() -> None:
    cache = TtlRecentUsers(ttl_seconds=5)
    user = _user()
    cache.put(user)
    cache.forget(user.id)
    assert cache.get(user.id) is None


def test_callers_get_copies_so_changing_one_changes_nothing_cached() -> None:
    cache = TtlRecentUsers(ttl_seconds=5)
    user = _user()
    cache.put(user)
    user.full_name = "changed after put"
    got = cache.get(user.id)
    assert got is not None
    assert got.full_name == "Ada"
    got.full_name = "changed after get"
    again = cache.get(user.id)
    assert again is not None
    assert again.full_name == "Ada"


def test_the_oldest_entries_go_first_when_full() -> None:
    cache = TtlRecentUsers(ttl_seconds=5, max_entries=2)
    first, second, third = _user(), _user(), _user()
    for user in (first, second, third):
        cache.put(user)
    assert cache.get(first.id) is None
    assert cache.get(second.id) is not None
    assert cache.get(third.id) is not None


def test_a_zero_ttl_caches_nothing() -> None:
    cache = TtlRecentUsers(ttl_seconds=0)
    user = _user()
    cache.put(user)
    assert cache.get(user.id) is None


# -- IdentifyUser with the cache ----------------------------------------------------------


async def test_identify_user_reuses_a_recent_user_until_it_expires(h: Harness) -> None:
    clock = FakeClock()
    identify = IdentifyUser(h.units, h.issuer, TtlRecentUsers(ttl_seconds=5, clock=clock))
    user = await h.user()
    pair = await h.login()
    assert (await identify.execute(pair.access_token)).id == user.id
    h.store.tables.users[user.id].is_active = False
    # Within the time-to-live the recent answer stands: the staleness the cache accepts.
    assert (await identify.execute(pair.access_token)).id == user.id
    clock.now += 5
    with pytest.raises(TokenInvalid):
        await identify.execute(pair.access_token)


async def test_a_profile_change_here_is_seen_at_once(h: Harness) -> None:
    recent = TtlRecentUsers(ttl_seconds=60)
    identify = IdentifyUser(h.units, h.issuer, recent)
    update = UpdateProfile(h.units, h.hasher, h.clock, recent)
    user = await h.user()
    pair = await h.login()
    await identify.execute(pair.access_token)
    await update.execute(UpdateProfileCommand(user_id=user.id, full_name="Ada King"))
    assert (await identify.execute(pair.access_token)).full_name == "Ada King"


async def test_inactive_users_are_never_cached(h: Harness) -> None:
    recent = TtlRecentUsers(ttl_seconds=60)
    identify = IdentifyUser(h.units, h.issuer, recent)
    user = await h.user()
    pair = await h.login()
    h.store.tables.users[user.id].is_active = False
    with pytest.raises(TokenInvalid):
        await identify.execute(pair.access_token)
    assert recent.get(user.id) is None


async def test_one_identify_user_serves_concurrent_requests(h: Harness) -> None:
    """Shared by every request, it opens a unit of work of its own for each read."""
    identify = IdentifyUser(h.units, h.issuer, TtlRecentUsers(ttl_seconds=0))  # never cached
    users = [await h.user(f"user{i}@example.com") for i in range(5)]
    pairs = [await h.login(user.email) for user in users]
    seen = await asyncio.gather(*(identify.execute(pair.access_token) for pair in pairs * 3))
    assert [view.id for view in seen] == [user.id for user in users] * 3
