"""Waiting for a pooled connection is first come, first served, and bounded (issue 20).

Every test runs units of the service's kind (``SqlAlchemyUnitsOfWork`` with a pool wait)
on a pool of one connection, so each unit waits for the one before it.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from uuid import uuid4

import pytest

from adapters.sqlalchemy.engine import DatabaseConfig, build_engine, dispose_engine
from adapters.sqlalchemy.unit_of_work import SqlAlchemyUnitsOfWork
from domain.errors import StorageProblem, StorageUnavailable

from .support import SQL_BACKENDS

WAIT = 0.5


@pytest.fixture(params=SQL_BACKENDS)
async def units(
    request: pytest.FixtureRequest, database_url_for: object
) -> AsyncIterator[SqlAlchemyUnitsOfWork]:
    url = request.getfixturevalue("sqlite_url" if request.param == "sqlite" else "postgres_url")
    engine = build_engine(DatabaseConfig(url, pool_size=1, max_overflow=0, pool_timeout=WAIT))
    try:
        yield SqlAlchemyUnitsOfWork(engine, engine, pool_wait=WAIT)
    finally:
        await dispose_engine(engine)


async def test_units_get_the_connection_in_the_order_they_asked(
    units: SqlAlchemyUnitsOfWork,
) -> None:
    order: list[str] = []

    async def use(name: str) -> None:
        async with units.reading() as uow:
            order.append(name)
            await uow.users.get(uuid4())

    async def two_units_in_a_row() -> None:
        # Like a request that reads its caller and then runs its use case: the second
        # unit asks for the connection the moment the first gave it back, before the
        # unit that was woken for it runs. It must queue behind the others.
        async with units.reading() as uow:
            order.append("first")
            await asyncio.sleep(0.1)  # meanwhile, the others queue up
            await uow.users.get(uuid4())
        await use("second")

    holder = asyncio.create_task(two_units_in_a_row())
    await asyncio.sleep(0.02)
    waiters = []
    for index in range(4):
        waiters.append(asyncio.create_task(use(f"w{index}")))
        await asyncio.sleep(0.01)  # each one queued before the next arrives
    await asyncio.gather(holder, *waiters)
    assert order == ["first", "w0", "w1", "w2", "w3", "second"]


async def test_the_wait_is_bounded_and_says_the_service_is_busy(
    units: SqlAlchemyUnitsOfWork,
) -> None:
    async with units.writing():
        started = time.monotonic()
        with pytest.raises(StorageUnavailable) as raised:
            async with units.reading():
                pass
        waited = time.monotonic() - started
    assert raised.value.problem is StorageProblem.BUSY
    assert WAIT * 0.9 <= waited < WAIT + 1.0
    # The slot of the unit that gave up was never taken: the next one gets the connection.
    async with units.reading() as uow:
        assert await uow.users.get(uuid4()) is None


async def test_a_unit_cancelled_while_waiting_keeps_no_slot(
    units: SqlAlchemyUnitsOfWork,
) -> None:
    async def wait_in_line() -> None:
        async with units.reading():
            pass

    holder = units.writing()
    await holder.__aenter__()
    waiting = asyncio.create_task(wait_in_line())
    await asyncio.sleep(0.05)
    waiting.cancel()
    with pytest.raises(asyncio.CancelledError):
        await waiting
    await holder.__aexit__(None, None, None)
    for _ in range(3):  # one slot, still free after the cancelled waiter
        async with units.reading() as uow:
            assert await uow.users.get(uuid4()) is None
