"""PERSISTENCE=sqlalchemy (the default) wires the SQL adapters end to end."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from adapters.sqlalchemy.storage import SqlAlchemyStorage
from adapters.sqlalchemy.unit_of_work import SqlAlchemyUnitOfWork
from application.auth import RegisterUserCommand
from application.clients import AddClientCommand, ContactDraft
from config import load_settings
from container import Container
from domain.errors import ClientNameTaken, EmailTaken
from domain.pagination import PageRequest
from domain.queries import ClientQuery


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
async def container(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Container]:
    url = (
        f"sqlite:///{tmp_path / 'book.db'}"
        if request.param == "sqlite"
        else request.getfixturevalue("postgres_url")
    )
    made = Container()
    settings = load_settings(env="test", database_url=url, secret_key="x" * 32, bcrypt_rounds=4)
    with made.settings.override(settings):
        yield made
        await made.storage().close()
    made.reset_singletons()


async def test_the_default_persistence_is_sqlalchemy(container: Container) -> None:
    assert container.settings().persistence == "sqlalchemy"
    units = container.units()
    assert isinstance(units.writing(), SqlAlchemyUnitOfWork)
    assert units.writing() is not units.writing()  # one unit per use case
    assert isinstance(units.reading(), SqlAlchemyUnitOfWork)
    assert isinstance(container.storage(), SqlAlchemyStorage)
    assert container.engine() is container.engine()


async def test_reads_have_an_autocommit_pool_of_their_own_on_postgresql(
    container: Container,
) -> None:
    engine, reading = container.engine(), container.reading_engine()
    if engine.dialect.name != "postgresql":
        assert reading is engine  # SQLite: one engine (an in-memory one is one connection)
        return
    assert reading is not engine
    assert reading.pool is not engine.pool
    async with reading.connect() as conn:
        raw = (await conn.get_raw_connection()).driver_connection
        assert raw is not None
        await conn.exec_driver_sql("SELECT 1")
        assert not raw.is_in_transaction()  # a read, with no BEGIN before it
    async with engine.connect() as conn:
        raw = (await conn.get_raw_connection()).driver_connection
        assert raw is not None
        await conn.exec_driver_sql("SELECT 1")
        assert raw.is_in_transaction()  # the writing pool's units are transactions


async def test_migrate_then_run_use_cases_against_the_database(container: Container) -> None:
    migrator = container.migrator()
    assert await migrator.upgrade() == await migrator.head()
    assert await migrator.current() == await migrator.head()
    await container.check_readiness().execute()

    user = await container.register_user().execute(
        RegisterUserCommand("Owner@Example.com", "correct horse battery")
    )
    with pytest.raises(EmailTaken):
        await container.register_user().execute(
            RegisterUserCommand("owner@example.COM", "correct horse battery")
        )
    command = AddClientCommand(user.id, "Straße", contacts=[ContactDraft("email", "a@example.com")])
    added = await container.add_client().execute(command)
    with pytest.raises(ClientNameTaken):
        await container.add_client().execute(AddClientCommand(user.id, "STRASSE"))
    page = await container.list_clients().execute(ClientQuery(user.id, PageRequest()))
    assert [c.id for c in page.items] == [added.id]
    assert [c.value for c in page.items[0].contacts] == ["a@example.com"]
