"""What only the SQL adapters can show: statement counts, database-side constraints,
time zones at the driver boundary, and unreachable databases."""

from __future__ import annotations

import asyncio
import threading
from dataclasses import replace
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any
from uuid import uuid4

import pytest
from sqlalchemy import bindparam, event, func, select, text
from sqlalchemy import exc as sa_exc
from sqlalchemy.ext.asyncio import create_async_engine

from adapters.sqlalchemy.engine import (
    DatabaseConfig,
    async_database_url,
    build_engine,
    build_reading_engine,
    dispose_engine,
)
from adapters.sqlalchemy.errors import translate
from adapters.sqlalchemy.schema import UtcDateTime
from adapters.sqlalchemy.storage import SqlAlchemyStorage
from adapters.sqlalchemy.tables import clients, contacts, meetings, users
from adapters.sqlalchemy.unit_of_work import SqlAlchemyUnitOfWork
from domain.clients import Client, Contact
from domain.errors import (
    ClientNameTaken,
    ClientNotFound,
    Conflict,
    DomainError,
    EmailTaken,
    NotFound,
    StorageUnavailable,
)
from domain.pagination import PageRequest
from domain.queries import ClientQuery, Period
from domain.reports import ReportGrouping
from domain.values import ClientName, ContactKind

from .support import T0, Backend, add_user, make_user
from .test_meeting_repository import meeting


def _client(owner_id, name: str, contact_count: int = 2) -> Client:  # type: ignore[no-untyped-def]
    parsed = ClientName.parse(name)
    found = [
        Contact(uuid4(), ContactKind.OTHER, f"contact {i}", None, T0) for i in range(contact_count)
    ]
    return Client(uuid4(), owner_id, parsed.value, parsed.key, None, None, T0, T0, found)


async def _statements_to_list(backend: Backend, owner_id, limit: int) -> int:  # type: ignore[no-untyped-def]
    async with backend.new_uow() as uow:
        with backend.counting() as seen:
            page = await uow.clients.list(ClientQuery(owner_id, PageRequest(limit=limit)))
    assert len(page.items) == limit
    assert all(len(c.contacts) == 2 for c in page.items)
    return len(seen)


async def test_listing_clients_costs_the_same_statements_for_1_or_50(
    sql_backend: Backend,
) -> None:
    owner = await add_user(sql_backend)
    async with sql_backend.new_uow() as uow:
        await uow.clients.add_many([_client(owner.id, f"client {i:02d}") for i in range(50)])
        await uow.commit()
    one = await _statements_to_list(sql_backend, owner.id, 1)
    fifty = await _statements_to_list(sql_backend, owner.id, 50)
    assert one == fifty == 2  # the page (with its total), and all its contacts


async def test_add_many_batches_its_inserts(sql_backend: Backend) -> None:
    owner = await add_user(sql_backend)
    batch = [_client(owner.id, f"client {i:03d}", contact_count=3) for i in range(200)]
    async with sql_backend.new_uow() as uow:
        with sql_backend.counting() as seen:
            await uow.clients.add_many(batch)
        await uow.commit()
    # Statement count must not grow with the batch (drivers may split very large ones).
    assert len(seen) <= 4


async def test_a_meeting_and_its_client_check_are_one_statement(sql_backend: Backend) -> None:
    owner, stranger = await add_user(sql_backend), await add_user(sql_backend)
    acme = _client(owner.id, "Acme")
    async with sql_backend.new_uow() as uow:
        await uow.clients.add(acme)
        await uow.commit()
    for client_id in (acme.id, None):
        async with sql_backend.new_uow() as uow:
            with sql_backend.counting() as seen:
                await uow.meetings.add(meeting(owner.id, T0, client_id=client_id))
            await uow.commit()
        assert [statement.split()[0] for statement in seen] == ["INSERT"]
    for owner_id, client_id in ((owner.id, uuid4()), (stranger.id, acme.id)):
        async with sql_backend.new_uow() as uow:
            with sql_backend.counting() as seen, pytest.raises(ClientNotFound):
                await uow.meetings.add(meeting(owner_id, T0, client_id=client_id))
        assert len(seen) == 1


async def test_a_revenue_report_is_one_aggregate_query(sql_backend: Backend) -> None:
    owner = await add_user(sql_backend)
    async with sql_backend.new_uow() as uow:
        await uow.meetings.add_many(
            [meeting(owner.id, T0 + timedelta(days=i), revenue="1.5") for i in range(40)]
        )
        await uow.commit()
    period = Period(T0, T0 + timedelta(days=365))
    for grouping in (None, ReportGrouping.CLIENT, ReportGrouping.MONTH):
        async with sql_backend.new_uow() as uow:
            with sql_backend.counting() as seen:
                groups = await uow.meetings.revenue_groups(owner.id, period, grouping)
        assert len(seen) == 1
        assert "GROUP BY" in seen[0] or grouping is None
        assert sum(g.totals.meetings for g in groups) == 40


async def test_foreign_keys_cascade_in_the_database(sql_backend: Backend) -> None:
    """Even a raw DELETE, past the use case, keeps the data consistent."""
    owner = await add_user(sql_backend)
    acme = _client(owner.id, "Acme")
    kept = meeting(owner.id, T0, client_id=acme.id)
    async with sql_backend.new_uow() as uow:
        await uow.clients.add(acme)
        await uow.meetings.add(kept)
        await uow.commit()
    assert sql_backend.engine is not None
    async with sql_backend.engine.begin() as conn:
        await conn.execute(clients.delete().where(clients.c.id == acme.id))
        remaining = await conn.scalar(select(func.count()).select_from(contacts))
        client_id = await conn.scalar(select(meetings.c.client_id).where(meetings.c.id == kept.id))
    assert remaining == 0
    assert client_id is None
    async with sql_backend.engine.begin() as conn:
        await conn.execute(users.delete().where(users.c.id == owner.id))
        assert await conn.scalar(select(func.count()).select_from(meetings)) == 0


async def test_non_utc_instants_are_stored_as_utc_and_naive_ones_refused(
    sql_backend: Backend,
) -> None:
    tokyo = timezone(timedelta(hours=9))
    user = make_user(created_at=datetime(2024, 7, 1, 9, 0, tzinfo=tokyo))
    async with sql_backend.new_uow() as uow:
        await uow.users.add(user)
        await uow.commit()
    async with sql_backend.new_uow() as uow:
        loaded = await uow.users.get(user.id)
    assert loaded is not None
    assert loaded.created_at == datetime(2024, 7, 1, 0, 0, tzinfo=UTC)
    assert loaded.created_at.tzinfo == UTC
    naive = make_user(created_at=datetime(2024, 7, 1, 9, 0))
    with pytest.raises(Exception, match="naive"):
        async with sql_backend.new_uow() as uow:
            await uow.users.add(naive)


@pytest.mark.postgres
async def test_instants_read_through_asyncpg_are_utc_whatever_the_session_time_zone(
    postgres_url: str,
) -> None:
    # UtcDateTime leaves asyncpg's values alone: this is what makes that correct.
    engine = create_async_engine(
        async_database_url(postgres_url),
        connect_args={"server_settings": {"timezone": "Asia/Tokyo"}},
    )
    try:
        owner = make_user(
            created_at=datetime(2024, 7, 1, 9, 0, tzinfo=timezone(timedelta(hours=9)))
        )
        found = _client(owner.id, "Tokyo")
        async with SqlAlchemyUnitOfWork(engine) as uow:
            await uow.users.add(owner)
            await uow.clients.add(found)
            await uow.commit()
        async with SqlAlchemyUnitOfWork(engine) as uow:
            zone = (await uow._db.execute(text("SHOW timezone"))).scalar_one()
            loaded_user = await uow.users.get(owner.id)
            page = await uow.clients.list(ClientQuery(owner.id, PageRequest()))
        assert zone == "Asia/Tokyo"
        assert loaded_user is not None
        instants = [loaded_user.created_at, page.items[0].created_at]
        instants += [c.created_at for c in page.items[0].contacts]
        assert instants[0] == datetime(2024, 7, 1, 0, 0, tzinfo=UTC)
        assert instants[1:] == [T0] * 3
        assert all(instant.tzinfo is UTC for instant in instants)
    finally:
        await dispose_engine(engine)


@pytest.mark.postgres
async def test_the_service_engines_read_and_bind_timestamps_as_utc_text(
    postgres_url: str,
) -> None:
    # build_engine reads timestamptz as PostgreSQL's ISO text (cheaper to decode than
    # the binary form) in a session pinned to UTC: every instant, to the microsecond and
    # on either side of the epoch, comes back as asyncpg's binary codec gave it, and a
    # bound instant compares as the same instant.
    instants = [
        datetime(1969, 12, 31, 23, 59, 59, 999_999, tzinfo=UTC),
        datetime(2024, 2, 29, 12, 0, 0, 120_000, tzinfo=UTC),
        datetime(2026, 3, 29, 1, 30, tzinfo=timezone(timedelta(hours=-5))),
        datetime(9999, 12, 31, 23, 59, 59, 999_999, tzinfo=UTC),
    ]
    config = DatabaseConfig(url=postgres_url, pool_size=1)
    for engine in (build_engine(config), build_reading_engine(config, build_engine(config))):
        try:
            async with engine.connect() as conn:
                zone = await conn.scalar(text("SHOW TimeZone"))
                read = [
                    await conn.scalar(select(bindparam("at", at, UtcDateTime))) for at in instants
                ]
                later = await conn.scalar(
                    select(bindparam("a", instants[1], UtcDateTime) < func.now())
                )
                # A session whose zone was changed under it still reads the same instants.
                await conn.execute(text("SET TimeZone = 'Asia/Tokyo'"))
                in_tokyo = await conn.scalar(select(bindparam("at", instants[1], UtcDateTime)))
            assert zone == "UTC"
            assert read == instants
            assert all(value.tzinfo is UTC for value in read)
            assert later is True
            assert in_tokyo == instants[1]
        finally:
            await dispose_engine(engine)


async def test_a_duplicate_email_from_raw_inserts_is_email_taken(sql_backend: Backend) -> None:
    """Two units that both skipped the check: the constraint decides, named correctly."""
    await add_user(sql_backend, "same@example.com")
    async with sql_backend.new_uow() as uow:
        with pytest.raises(EmailTaken):
            await uow.users.add(make_user("same@example.com"))


async def test_a_name_conflict_is_recognised_by_constraint_name(sql_backend: Backend) -> None:
    owner = await add_user(sql_backend)
    async with sql_backend.new_uow() as uow:
        await uow.clients.add(_client(owner.id, "Acme"))
        with pytest.raises(ClientNameTaken):
            await uow.clients.add(_client(owner.id, "ACME"))


async def test_storage_ping_answers(sql_backend: Backend) -> None:
    assert sql_backend.engine is not None
    await SqlAlchemyStorage(sql_backend.engine).ping()


UNREACHABLE = [
    "postgresql+asyncpg://postgres@127.0.0.1:1/none",
    "postgresql+asyncpg://postgres@host.invalid:5432/none",
]


@pytest.mark.parametrize("url", UNREACHABLE)
async def test_an_unreachable_postgres_is_storage_unavailable(url: str) -> None:
    engine = build_engine(DatabaseConfig(url, connect_timeout=2, pool_timeout=2))
    try:
        with pytest.raises(StorageUnavailable):
            async with SqlAlchemyUnitOfWork(engine):
                pass
        with pytest.raises(StorageUnavailable):
            await SqlAlchemyStorage(engine).ping()
    finally:
        await dispose_engine(engine)


async def test_an_unopenable_sqlite_file_is_storage_unavailable(tmp_path: Path) -> None:
    engine = build_engine(DatabaseConfig(f"sqlite:///{tmp_path}/missing/dir/db.sqlite"))
    try:
        with pytest.raises(StorageUnavailable):
            async with SqlAlchemyUnitOfWork(engine) as uow:
                await uow.users.get(uuid4())
        with pytest.raises(StorageUnavailable):
            await SqlAlchemyStorage(engine).ping()
    finally:
        await dispose_engine(engine)
        # A failed aiosqlite connect stops its worker thread without waiting for it; let
        # those threads report back while this test's event loop still runs.
        workers = [
            t for t in threading.enumerate() if t.name.endswith("(_connection_worker_thread)")
        ]
        await asyncio.to_thread(lambda: [t.join(2) for t in workers])


@pytest.mark.postgres
async def test_a_connection_lost_mid_transaction_is_storage_unavailable(
    postgres_url: str,
) -> None:
    engine = build_engine(DatabaseConfig(postgres_url, pool_size=2))
    try:
        uow = SqlAlchemyUnitOfWork(engine)
        async with uow:
            await uow.users.list(PageRequest())
            async with engine.connect() as admin:
                await admin.execute(
                    text(
                        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                        "WHERE datname = current_database() AND pid <> pg_backend_pid()"
                    )
                )
                await admin.commit()
            with pytest.raises(StorageUnavailable):
                await uow.users.get(uuid4())
        # The pool notices and recovers on its own: the next unit works.
        async with uow:
            assert await uow.users.get(uuid4()) is None
    finally:
        await dispose_engine(engine)


@pytest.mark.postgres
async def test_an_exhausted_pool_is_storage_unavailable(postgres_url: str) -> None:
    engine = build_engine(
        DatabaseConfig(postgres_url, pool_size=1, max_overflow=0, pool_timeout=0.2)
    )
    try:
        async with SqlAlchemyUnitOfWork(engine):
            with pytest.raises(StorageUnavailable):
                async with SqlAlchemyUnitOfWork(engine):
                    pass
    finally:
        await dispose_engine(engine)


async def test_concurrent_units_do_not_share_a_connection(sql_backend: Backend) -> None:
    users_made = [make_user() for _ in range(8)]

    async def register(index: int) -> None:
        async with sql_backend.new_uow() as uow:
            await uow.users.add(users_made[index])
            await asyncio.sleep(0)
            await uow.commit()

    await asyncio.gather(*(register(i) for i in range(8)))
    async with sql_backend.new_uow() as uow:
        assert (await uow.users.list(PageRequest(limit=50))).total == 8


def test_plain_urls_get_their_async_driver() -> None:
    assert async_database_url("sqlite:///./x.db") == "sqlite+aiosqlite:///./x.db"
    assert async_database_url("postgresql://u@h/db") == "postgresql+asyncpg://u@h/db"
    assert async_database_url("postgres://u@h/db") == "postgresql+asyncpg://u@h/db"
    assert async_database_url("postgresql+asyncpg://u@h/db") == "postgresql+asyncpg://u@h/db"


async def test_a_violation_reported_at_commit_is_translated_too(sqlite_url: str) -> None:
    """SQLite checks deferred foreign keys at COMMIT: the error still comes out as ours."""
    engine = build_engine(DatabaseConfig(sqlite_url))
    try:
        uow = SqlAlchemyUnitOfWork(engine)
        async with uow:
            await uow._connection().exec_driver_sql("PRAGMA defer_foreign_keys = ON")
            await uow.clients.add(_client(uuid4(), "Orphan"))  # no such owner
            with pytest.raises(NotFound):
                await uow.commit()
    finally:
        await dispose_engine(engine)


class _Driver(Exception):
    pass


@pytest.mark.parametrize(
    ("error", "expected"),
    [
        (ConnectionRefusedError(111, "refused"), StorageUnavailable),
        (TimeoutError(), StorageUnavailable),
        (sa_exc.TimeoutError("QueuePool limit reached"), StorageUnavailable),
        (sa_exc.OperationalError("SELECT 1", {}, _Driver("server closed")), StorageUnavailable),
        (
            sa_exc.IntegrityError("INSERT", {}, _Driver("UNIQUE constraint failed: users.email")),
            EmailTaken,
        ),
        (
            sa_exc.IntegrityError(
                "INSERT",
                {},
                _Driver("UNIQUE constraint failed: clients.owner_id, clients.name_key"),
            ),
            ClientNameTaken,
        ),
        (sa_exc.IntegrityError("INSERT", {}, _Driver("CHECK constraint failed")), Conflict),
    ],
)
def test_driver_errors_translate_to_domain_errors(
    error: BaseException, expected: type[DomainError]
) -> None:
    assert type(translate(error)) is expected


def test_programming_errors_are_not_disguised() -> None:
    bug = sa_exc.ProgrammingError("SELEC 1", {}, _Driver("syntax error"))
    assert translate(bug) is bug
    assert translate(KeyError("x")).__class__ is KeyError


@pytest.mark.postgres
async def test_a_reading_unit_skips_begin_and_a_writing_one_is_one_transaction(
    postgres_url: str,
) -> None:
    config = DatabaseConfig(postgres_url, pool_size=1, max_overflow=0)
    engine = build_reading_engine(config, build_engine(config))
    try:
        uow = SqlAlchemyUnitOfWork(engine, defer_begin=True)
        kept, dropped = make_user(), make_user()
        async with uow:
            raw = (await uow._connection().get_raw_connection()).driver_connection
            assert raw is not None
            await uow.users.get(kept.id)
            assert not raw.is_in_transaction()  # no BEGIN for reads
            await uow.users.add(kept)
            assert raw.is_in_transaction()  # the first write began it
            await uow.commit()
        async with uow:
            await uow.users.list(PageRequest())
            await uow.users.add(dropped)
        # The pooled connection is back in autocommit for its next user: a statement on
        # it takes effect at once (a transaction left open would hold it back).
        async with engine.connect() as conn:
            raw = (await conn.get_raw_connection()).driver_connection
            assert raw is not None
            await conn.execute(users.delete().where(users.c.id == uuid4()))
            assert not raw.is_in_transaction()
        async with uow:
            assert await uow.users.get(kept.id) == kept
            assert await uow.users.get(dropped.id) is None
    finally:
        await dispose_engine(engine)


@pytest.mark.postgres
async def test_a_writing_unit_is_one_transaction_from_its_first_read(postgres_url: str) -> None:
    """``defer_begin=False`` (the container's units for use cases that write): the check
    a use case reads before it writes runs inside the same transaction."""
    engine = build_engine(DatabaseConfig(postgres_url, pool_size=1, max_overflow=0))
    try:
        uow = SqlAlchemyUnitOfWork(engine, defer_begin=False)
        user = make_user()
        async with uow:
            raw = (await uow._connection().get_raw_connection()).driver_connection
            assert raw is not None
            assert await uow.users.get(user.id) is None
            assert raw.is_in_transaction()  # BEGIN came with the first statement
            await uow.users.add(user)
        async with uow:  # not committed: rolled back
            assert await uow.users.get(user.id) is None
    finally:
        await dispose_engine(engine)


@pytest.mark.postgres
async def test_batch_duplicate_checks_are_planned_for_the_growing_table(
    postgres_url: str,
) -> None:
    """An import checks names batch after batch while its own inserts grow the table.

    A cached generic plan (made while the table was empty) made a 100,000-row import
    quadratic on PostgreSQL; inside a writing transaction the check now asks for custom
    plans, and only there: the next unit of work is back to the server's default.
    """
    config = DatabaseConfig(postgres_url, pool_size=1, max_overflow=0)
    engine = build_reading_engine(config, build_engine(config))

    async def plan_cache_mode(uow: SqlAlchemyUnitOfWork) -> str:
        result = await uow._connection().execute(text("SHOW plan_cache_mode"))
        return str(result.scalar_one())

    try:
        uow = SqlAlchemyUnitOfWork(engine, defer_begin=True)
        owner = make_user()
        async with uow:
            await uow.users.add(owner)
            await uow.commit()
        async with uow:
            await uow.clients.existing_name_keys(owner.id, ["acme"])  # before any write
            assert await plan_cache_mode(uow) == "auto"
            await uow.clients.add_many([_client(owner.id, "Acme")])
            assert await uow.clients.existing_name_keys(owner.id, ["acme", "other"]) == {"acme"}
            assert await plan_cache_mode(uow) == "force_custom_plan"
            await uow.commit()
        async with uow:
            assert await plan_cache_mode(uow) == "auto"
    finally:
        await dispose_engine(engine)


@pytest.mark.postgres
async def test_a_search_stays_on_the_trigram_indexes_under_a_generic_plan(
    postgres_url: str,
) -> None:
    """After its fifth run a prepared statement may get PostgreSQL's generic plan, made
    without the pattern. The search's statement must keep its matches coming from the
    trigram indexes there too: a walk of the owner's name index filters every client
    (10-20 ms for a rare name in a book of 10,000, against 1 ms)."""
    config = DatabaseConfig(postgres_url, pool_size=2, max_overflow=0)
    engine = build_reading_engine(config, build_engine(config))
    caught: list[tuple[str, tuple[object, ...]]] = []

    def catch(conn, cursor, statement, parameters, context, executemany) -> None:  # type: ignore[no-untyped-def]
        caught.append((statement, tuple(parameters or ())))

    try:
        owner = make_user()
        uow = SqlAlchemyUnitOfWork(engine, defer_begin=True)
        async with uow:
            await uow.users.add(owner)
            book = [_client(owner.id, f"client {i:05d}", contact_count=0) for i in range(10_000)]
            for position in range(0, len(book), 100):  # 1 % work for a rare company
                book[position] = replace(book[position], company="Zephyrine Ltd")
            await uow.clients.add_many(book)
            await uow.commit()
        async with engine.connect() as conn:
            # As autovacuum leaves a live table: statistics current, and the trigram
            # indexes' pending entries merged (which their cost estimate counts).
            await conn.execute(text("VACUUM ANALYZE clients"))
            event.listen(engine.sync_engine, "before_cursor_execute", catch)
            try:
                async with uow:
                    query = ClientQuery(owner.id, PageRequest(limit=50), search="zephyrine")
                    page = await uow.clients.list(query)
            finally:
                event.remove(engine.sync_engine, "before_cursor_execute", catch)
            assert page.total == len(book) // 100
            statement, parameters = caught[0]
            await conn.execute(text("SET plan_cache_mode = force_generic_plan"))
            await conn.exec_driver_sql(f"PREPARE search_page AS {statement}")
            # EXECUTE takes no bind parameters: its arguments as quoted literals.
            quoted = [
                await conn.scalar(
                    text("SELECT quote_literal(CAST(:value AS text))"), {"value": str(value)}
                )
                for value in parameters
            ]
            plan = await conn.exec_driver_sql(
                f"EXPLAIN (FORMAT JSON) EXECUTE search_page({', '.join(quoted)})"
            )
            scans = _scans(plan.scalar_one()[0]["Plan"])
    finally:
        await dispose_engine(engine)
    on_clients = {index for relation, index in scans if relation == "clients"}
    assert on_clients == {"ix_clients_name_key_trgm", "ix_clients_company_key_trgm"}, scans


def _scans(node: dict[str, Any]) -> set[tuple[str, str]]:
    """(table, index) of every index scan in a JSON plan; a bitmap index scan names no
    table, so it is credited to the bitmap heap scan above it."""
    found: set[tuple[str, str]] = set()
    for child in node.get("Plans", ()):
        for relation, index in _scans(child):
            found.add((relation or node.get("Relation Name", ""), index))
    if "Index Name" in node:
        found.add((node.get("Relation Name", ""), node["Index Name"]))
    return found
