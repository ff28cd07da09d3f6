"""A statement cannot hold a connection past the statement timeout, and a database error
reaches the log without the values of its statement."""

from __future__ import annotations

import traceback
from datetime import UTC, datetime
from uuid import uuid4

import pytest
from sqlalchemy import exc as sa_exc
from sqlalchemy import text

from adapters.sqlalchemy.engine import DatabaseConfig, build_engine, dispose_engine
from adapters.sqlalchemy.errors import DatabaseError, translate
from adapters.sqlalchemy.unit_of_work import SqlAlchemyUnitOfWork
from domain.errors import QueryTimedOut
from domain.users import User
from domain.values import EmailAddress

USER_TEXT = "Grace Hiddenname-9d2e"

pytestmark = pytest.mark.postgres


async def test_a_slow_statement_is_cut_off_and_the_connection_stays_usable(
    postgres_url: str,
) -> None:
    engine = build_engine(DatabaseConfig(url=postgres_url, statement_timeout=0.2))
    try:
        async with engine.connect() as conn:
            with pytest.raises(sa_exc.DBAPIError) as cut:
                # Minutes if nothing cut it off: the test would hang, not pass.
                await conn.execute(text("SELECT pg_sleep(600)"))
            assert isinstance(translate(cut.value), QueryTimedOut)
            await conn.rollback()
            assert (await conn.execute(text("SELECT 1"))).scalar_one() == 1
    finally:
        await dispose_engine(engine)


async def test_no_statement_timeout_when_switched_off(postgres_url: str) -> None:
    engine = build_engine(DatabaseConfig(url=postgres_url, statement_timeout=0))
    try:
        async with engine.connect() as conn:
            setting = (await conn.execute(text("SHOW statement_timeout"))).scalar_one()
    finally:
        await dispose_engine(engine)
    assert setting == "0"


async def test_a_driver_message_quoting_a_value_is_scrubbed(postgres_url: str) -> None:
    engine = build_engine(DatabaseConfig(url=postgres_url))
    now = datetime.now(UTC)
    user = User.register(
        id=uuid4(),
        email=EmailAddress.parse("grace@example.com"),
        full_name=USER_TEXT,
        password_hash="$2b$04$" + "x" * 53,
        now=now,
    )
    # A value the driver refuses (the domain refuses it first; the adapter must not rely
    # on that): a lone surrogate cannot be encoded, and asyncpg's message quotes it all.
    user.full_name = f"{USER_TEXT} \ud800"
    try:
        async with SqlAlchemyUnitOfWork(engine) as uow:
            with pytest.raises(DatabaseError) as failure:
                await uow.users.add(user)
    finally:
        await dispose_engine(engine)
    logged = "".join(traceback.format_exception(failure.value))
    assert USER_TEXT not in logged
    assert "INSERT INTO users" in logged  # still says what failed
    assert "asyncpg.exceptions.DataError; SQLSTATE 22000" in logged
