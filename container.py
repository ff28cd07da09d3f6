"""The composition root: the container that binds adapters to ports and use cases.

This is the only module that names concrete adapter classes; the settings it binds them
with come from ``config.py``. Nothing is built at import time: ``Container()`` creates
the providers, and each object is made on first use.
"""

from __future__ import annotations

from datetime import timedelta
from operator import attrgetter

from dependency_injector import containers, providers

from adapters.memory.in_flight import InMemoryInFlightLimiter
from adapters.memory.recent_users import TtlRecentUsers
from adapters.memory.store import InMemoryStorage, InMemoryStore
from adapters.memory.unit_of_work import InMemoryUnitsOfWork
from adapters.ratelimit.in_flight import RedisInFlightLimiter
from adapters.ratelimit.memory import InMemoryRateLimiter, UnlimitedRateLimiter
from adapters.ratelimit.redis import RedisRateLimiter
from adapters.security.bcrypt_hasher import BcryptPasswordHasher
from adapters.security.jwt_tokens import PyJwtAccessTokenIssuer, SecretsRefreshTokenGenerator
from adapters.sqlalchemy.engine import DatabaseConfig, build_engine, build_reading_engine
from adapters.sqlalchemy.migrations import AlembicMigrator
from adapters.sqlalchemy.storage import SqlAlchemyStorage
from adapters.sqlalchemy.unit_of_work import SqlAlchemyUnitsOfWork
from adapters.system import SystemClock, Uuid7Generator
from application.auth import (
    AuthenticateUser,
    FindUserByEmail,
    GetProfile,
    IdentifySession,
    IdentifyUser,
    ListUsers,
    Logout,
    RefreshTokens,
    RegisterUser,
    UpdateProfile,
)
from application.clients import (
    AddClient,
    AddContact,
    DeleteClient,
    GetClient,
    ImportClients,
    ListClients,
    RemoveContact,
    UpdateClient,
)
from application.demo import FillDemoBook
from application.health import CheckReadiness
from application.meetings import (
    BuildRevenueReport,
    DeleteMeeting,
    ExportMeetings,
    GetMeeting,
    ListMeetings,
    ScheduleMeeting,
    UpdateMeeting,
)
from application.operator import ListAccounts
from application.overviews import (
    BrowseMeetings,
    BuildDashboard,
    EditMeeting,
    ListClientChoices,
    ShowClient,
    SubmitMeetingForm,
)
from config import Settings, load_settings, resolve_secret_key
from domain.ports import InFlightLimiter, RateLimiter


def build_login_rate_limiter(settings: Settings) -> RateLimiter:
    return _rate_limiter(settings, settings.login_rate, "clientbook:rl:")


def build_register_rate_limiter(settings: Settings) -> RateLimiter:
    return _rate_limiter(settings, settings.register_rate, "clientbook:rl:register:")


def _rate_limiter(settings: Settings, rate: tuple[int, int] | None, prefix: str) -> RateLimiter:
    if rate is None:
        return UnlimitedRateLimiter()
    limit, window = rate
    max_keys = settings.rate_limit_max_keys
    if settings.redis_url:
        # Shared across workers and machines; otherwise each process counts on its own.
        # Each limiter has its own prefix, so its bound on keys is its own.
        return RedisRateLimiter.from_url(
            settings.redis_url, limit, window, prefix=prefix, max_keys=max_keys
        )
    return InMemoryRateLimiter(limit=limit, window_seconds=window, max_keys=max_keys)


def build_long_request_limiter(settings: Settings) -> InFlightLimiter:
    if settings.redis_url:
        # One count for every worker and machine, in leases that lapse if a worker dies.
        return RedisInFlightLimiter.from_url(
            settings.redis_url,
            settings.long_requests_per_user,
            settings.long_request_lease_seconds,
        )
    return InMemoryInFlightLimiter(settings.long_requests_per_user)


class Container(containers.DeclarativeContainer):
    """Adapters bound to ports, and a factory for every use case."""

    settings = providers.Singleton(load_settings)

    # -- services -----------------------------------------------------------------
    clock = providers.Singleton(SystemClock)
    ids = providers.Singleton(Uuid7Generator)
    refresh_tokens = providers.Singleton(SecretsRefreshTokenGenerator)
    secret_key = providers.Singleton(resolve_secret_key, settings)
    password_hasher = providers.Singleton(
        BcryptPasswordHasher,
        rounds=settings.provided.bcrypt_rounds,
        max_waiting=settings.provided.bcrypt_queue,
        per_source=settings.provided.bcrypt_queue_per_address,
        held_retries=settings.provided.bcrypt_held_retries,
    )
    access_tokens = providers.Singleton(
        PyJwtAccessTokenIssuer,
        secret=secret_key,
        ttl=providers.Factory(timedelta, minutes=settings.provided.access_token_minutes),
    )
    refresh_ttl = providers.Singleton(timedelta, days=settings.provided.refresh_token_days)
    login_rate_limiter = providers.Singleton(build_login_rate_limiter, settings)
    register_rate_limiter = providers.Singleton(build_register_rate_limiter, settings)
    # Each user's exports and reports in flight: in Redis when configured, else per process.
    long_requests = providers.Singleton(build_long_request_limiter, settings)

    # -- persistence ----------------------------------------------------------------
    database = providers.Singleton(
        DatabaseConfig,
        url=settings.provided.database_url,
        pool_size=settings.provided.db_pool_size,
        max_overflow=settings.provided.db_max_overflow,
        pool_timeout=settings.provided.db_pool_timeout,
        connect_timeout=settings.provided.db_connect_timeout,
        command_timeout=settings.provided.db_command_timeout,
        statement_timeout=settings.provided.db_statement_timeout,
        pool_pre_ping=settings.provided.db_pool_pre_ping,
    )
    # One engine (and pool) per process; each unit of work borrows one connection from it.
    engine = providers.Singleton(build_engine, database)
    # For use cases that read: on PostgreSQL a second pool, in autocommit (no BEGIN and
    # ROLLBACK around reads); elsewhere the same engine. See build_reading_engine.
    reading_engine = providers.Singleton(build_reading_engine, database, engine)
    migrator = providers.Singleton(AlembicMigrator, settings.provided.database_url)
    memory_store = providers.Singleton(InMemoryStore)
    # Which persistence, read from the settings once: the selectors below consult it for
    # every unit of work, and ``settings.provided.persistence`` would be re-evaluated on
    # each call.
    persistence = providers.Singleton(attrgetter("persistence"), settings)
    # Units of work of both kinds; each use case asks for the kind it needs.
    units = providers.Selector(
        persistence,
        sqlalchemy=providers.Singleton(
            SqlAlchemyUnitsOfWork,
            engine,
            reading_engine,
            pool_wait=settings.provided.db_pool_timeout,
            max_overflow=settings.provided.db_max_overflow,
        ),
        memory=providers.Singleton(InMemoryUnitsOfWork, memory_store),
    )
    storage = providers.Selector(
        persistence,
        sqlalchemy=providers.Singleton(SqlAlchemyStorage, engine, reading_engine),
        memory=providers.Singleton(InMemoryStorage, memory_store),
    )
    check_readiness = providers.Factory(CheckReadiness, storage=storage)

    # -- use cases: accounts --------------------------------------------------------
    register_user = providers.Factory(
        RegisterUser,
        units=units,
        hasher=password_hasher,
        ids=ids,
        clock=clock,
        limiter=register_rate_limiter,
    )
    authenticate_user = providers.Factory(
        AuthenticateUser,
        units=units,
        hasher=password_hasher,
        issuer=access_tokens,
        tokens=refresh_tokens,
        limiter=login_rate_limiter,
        ids=ids,
        clock=clock,
        refresh_ttl=refresh_ttl,
    )
    refresh_session = providers.Factory(
        RefreshTokens,
        units=units,
        issuer=access_tokens,
        tokens=refresh_tokens,
        ids=ids,
        clock=clock,
        refresh_ttl=refresh_ttl,
    )
    logout = providers.Factory(Logout, units=units, clock=clock)
    # Per process: each worker keeps its own, for a few seconds (docs/performance.md).
    recent_users = providers.Singleton(
        TtlRecentUsers, ttl_seconds=settings.provided.identity_cache_seconds
    )
    # Shared by every request: it holds nothing of one (ADR 0015).
    identify_user = providers.Singleton(
        IdentifyUser, units=units, issuer=access_tokens, recent=recent_users
    )
    # The web app's session cookie: checked in storage on every request (ADR 0022).
    identify_session = providers.Factory(IdentifySession, units=units, clock=clock)
    find_user_by_email = providers.Factory(FindUserByEmail, units=units)
    get_profile = providers.Factory(GetProfile, units=units)
    update_profile = providers.Factory(
        UpdateProfile, units=units, hasher=password_hasher, clock=clock, recent=recent_users
    )
    list_users = providers.Factory(ListUsers, units=units)
    list_accounts = providers.Factory(ListAccounts, units=units)  # operator (CLI) only

    # -- use cases: clients ---------------------------------------------------------
    add_client = providers.Factory(AddClient, units=units, ids=ids, clock=clock)
    list_clients = providers.Factory(ListClients, units=units)
    get_client = providers.Factory(GetClient, units=units)
    update_client = providers.Factory(UpdateClient, units=units, clock=clock)
    delete_client = providers.Factory(DeleteClient, units=units)
    add_contact = providers.Factory(AddContact, units=units, ids=ids, clock=clock)
    remove_contact = providers.Factory(RemoveContact, units=units, clock=clock)
    import_clients = providers.Factory(ImportClients, units=units, ids=ids, clock=clock)

    # -- use cases: meetings and reports --------------------------------------------
    schedule_meeting = providers.Factory(ScheduleMeeting, units=units, ids=ids, clock=clock)
    list_meetings = providers.Factory(ListMeetings, units=units)
    get_meeting = providers.Factory(GetMeeting, units=units)
    update_meeting = providers.Factory(UpdateMeeting, units=units, clock=clock)
    delete_meeting = providers.Factory(DeleteMeeting, units=units)
    export_meetings = providers.Factory(ExportMeetings, units=units, in_flight=long_requests)
    revenue_report = providers.Factory(BuildRevenueReport, units=units, in_flight=long_requests)
    fill_demo_book = providers.Factory(FillDemoBook, units=units, ids=ids, clock=clock)

    # -- what one screen of the web app shows (application/overviews.py) -------------
    client_choices = providers.Factory(ListClientChoices, units=units)
    dashboard = providers.Factory(
        BuildDashboard,
        report=revenue_report,
        meetings=list_meetings,
        clients=client_choices,
        clock=clock,
    )
    browse_meetings = providers.Factory(
        BrowseMeetings, meetings=list_meetings, clients=client_choices
    )
    show_client = providers.Factory(ShowClient, get=get_client, meetings=list_meetings)
    edit_meeting = providers.Factory(EditMeeting, get=get_meeting, clients=client_choices)
    schedule_meeting_form = providers.Factory(
        SubmitMeetingForm, save=schedule_meeting, clients=client_choices
    )
    update_meeting_form = providers.Factory(
        SubmitMeetingForm, save=update_meeting, clients=client_choices
    )
