"""The composition root: configuration, and the container that binds adapters to ports.

This is the only module that names concrete adapter classes. Nothing is built at import
time: ``Container()`` creates the providers, and each object is made on first use.
"""

from __future__ import annotations

import difflib
import logging
import os
import re
import secrets
from datetime import timedelta
from operator import attrgetter
from pathlib import Path
from typing import Annotated, Any, Literal

from dependency_injector import containers, providers
from pydantic import Field, SecretStr, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from adapters.memory.recent_users import TtlRecentUsers
from adapters.memory.store import InMemoryStorage, InMemoryStore
from adapters.memory.unit_of_work import InMemoryUnitOfWork
from adapters.ratelimit.memory import InMemoryRateLimiter, UnlimitedRateLimiter
from adapters.ratelimit.redis import RedisRateLimiter
from adapters.security.bcrypt_hasher import BcryptPasswordHasher
from adapters.security.jwt_tokens import PyJwtAccessTokenIssuer, SecretsRefreshTokenGenerator
from adapters.sqlalchemy.engine import DatabaseConfig, build_engine, build_reading_engine
from adapters.sqlalchemy.migrations import AlembicMigrator
from adapters.sqlalchemy.storage import SqlAlchemyStorage
from adapters.sqlalchemy.unit_of_work import SqlAlchemyUnitOfWork
from adapters.system import SystemClock, Uuid7Generator
from application.auth import (
    AuthenticateUser,
    FindUserByEmail,
    GetProfile,
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
from domain.ports import RateLimiter

log = logging.getLogger("clientbook")

ENV_PREFIX = "CLIENTBOOK_"
_RATE = re.compile(r"^\s*(\d+)\s*/\s*(second|minute|hour|day)\s*$")
_WINDOWS = {"second": 1, "minute": 60, "hour": 3600, "day": 86400}


# Variables with the prefix that are not settings: the test suite's own switches.
NOT_SETTINGS = ("CLIENTBOOK_TEST_", "CLIENTBOOK_REQUIRE_")
_DOTENV_NAME = re.compile(r"^\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*=")


class ConfigurationError(Exception):
    """Startup configuration is invalid: one line per problem, each naming its variable."""

    def __init__(self, *problems: str) -> None:
        super().__init__("\n".join(problems))
        self.problems = problems


class _InvalidSetting(ValueError):
    """A rule spanning several settings, reported against the one to change."""

    def __init__(self, field: str, problem: str) -> None:
        super().__init__(problem)
        self.field = field


class Settings(BaseSettings):
    """Every knob of spec §5, read from ``CLIENTBOOK_*`` variables and an optional ``.env``."""

    model_config = SettingsConfigDict(
        env_prefix=ENV_PREFIX, env_file=".env", extra="ignore", frozen=True
    )

    env: Literal["development", "production", "test"] = "development"
    database_url: str = "sqlite:///./clientbook.db"
    persistence: Literal["sqlalchemy", "memory"] = "sqlalchemy"
    secret_key: SecretStr | None = None
    secret_key_file: Path | None = None
    access_token_minutes: int = Field(15, ge=1, le=24 * 60)
    refresh_token_days: int = Field(14, ge=1, le=365)
    bcrypt_rounds: int = Field(12, ge=4, le=31)
    cors_origins: Annotated[list[str], NoDecode] = []
    redis_url: str | None = None
    login_rate_limit: str = "10/minute"
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"] = "INFO"
    log_format: Literal["console", "json"] = "console"
    # Per pool: on PostgreSQL a process has two, one for reads and one for writes.
    db_pool_size: int = Field(5, ge=1, le=200)
    db_max_overflow: int = Field(5, ge=0, le=200)
    db_pool_timeout: float = Field(5.0, gt=0, le=120)
    db_connect_timeout: float = Field(5.0, gt=0, le=120)
    db_command_timeout: float = Field(30.0, gt=0, le=3600)
    db_pool_pre_ping: bool = False
    # Seconds an authenticated user's record is reused before it is read again (0: off).
    identity_cache_seconds: float = Field(5.0, ge=0, le=300)
    # FastAPI's own OpenTelemetry spans, metrics and logs, for a provider configured in the
    # process (e.g. under ``opentelemetry-instrument``). Off, nothing is checked per request.
    opentelemetry: bool = False
    # Request bodies above this are refused with 413 (the largest legitimate one, a
    # client with 50 contacts and long notes, is a few tens of kilobytes).
    max_body_bytes: int = Field(1024 * 1024, ge=1024, le=1024 * 1024 * 1024)
    # On SIGTERM, in-flight requests get this long to finish before they are cancelled.
    graceful_shutdown_seconds: int = Field(30, ge=0, le=3600)

    @field_validator("database_url")
    @classmethod
    def _async_driver(cls, url: str) -> str:
        """Accept plain URLs and give them the async driver this service runs on."""
        url = url.strip()
        for plain, driver in (
            ("sqlite://", "sqlite+aiosqlite://"),
            ("postgresql://", "postgresql+asyncpg://"),
            ("postgres://", "postgresql+asyncpg://"),
        ):
            if url.startswith(plain):
                return driver + url[len(plain) :]
        if url.startswith(("sqlite+aiosqlite://", "postgresql+asyncpg://")):
            return url
        raise ValueError("must be a sqlite:/// or postgresql:// URL")

    @field_validator("cors_origins", mode="before")
    @classmethod
    def _comma_separated(cls, value: Any) -> Any:
        if isinstance(value, str):
            return [origin.strip() for origin in value.split(",") if origin.strip()]
        return value

    @field_validator("log_level", mode="before")
    @classmethod
    def _upper(cls, value: Any) -> Any:
        return value.upper() if isinstance(value, str) else value

    @field_validator("login_rate_limit")
    @classmethod
    def _rate(cls, value: str) -> str:
        normalised = value.strip().lower()
        if normalised in {"off", "none", "0"}:
            return normalised
        match = _RATE.match(normalised)
        if match is None:
            raise ValueError("must look like '10/minute' (second, minute, hour, day) or 'off'")
        if int(match.group(1)) < 1:
            raise ValueError("the number of attempts must be at least 1 (or 'off')")
        return normalised

    @model_validator(mode="after")
    def _production_needs_a_strong_secret(self) -> Settings:
        if self.env == "production":
            secret = self.secret_key.get_secret_value() if self.secret_key else ""
            if len(secret) < 32:
                raise _InvalidSetting(
                    "secret_key",
                    "production needs a secret key of at least 32 characters; make one "
                    "with: python -c 'import secrets; print(secrets.token_urlsafe(48))'",
                )
        return self

    @property
    def login_rate(self) -> tuple[int, int] | None:
        """``(attempts, window_seconds)``, or ``None`` when switched off."""
        match = _RATE.match(self.login_rate_limit)
        if match is None:
            return None
        return int(match.group(1)), _WINDOWS[match.group(2)]

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")

    @property
    def data_dir(self) -> Path:
        """Where the data lives: the SQLite file's folder, else the working directory."""
        if self.is_sqlite:
            path = self.database_url.split(":///", 1)[-1]
            if path and path != ":memory:":
                return Path(path).expanduser().resolve().parent
        return Path.cwd()


def load_settings(**overrides: Any) -> Settings:
    """Read the settings; a bad value is a ``ConfigurationError`` with one line per
    variable, saying where the value came from and what is wrong with it."""
    try:
        return Settings(**overrides)
    except ValidationError as error:
        raise ConfigurationError(
            *(_describe(problem, overrides) for problem in error.errors())
        ) from None


def _describe(problem: Any, overrides: dict[str, Any]) -> str:
    cause = problem.get("ctx", {}).get("error")
    if isinstance(cause, _InvalidSetting):
        field, message = cause.field, str(cause)
    elif isinstance(cause, ValueError):
        field, message = str(problem["loc"][0]), str(cause)
    else:
        field = str(problem["loc"][0]) if problem["loc"] else ""
        message = str(problem["msg"]).removeprefix("Input ")
    name = f"{ENV_PREFIX}{field.upper()}"
    return f"{name} ({_source(name, field in overrides)}): {message}"


def _source(name: str, overridden: bool) -> str:
    if overridden:
        return "given in code"
    if any(variable.upper() == name for variable in os.environ):
        return "from the environment"
    if name in _dotenv_names():
        return "from .env"
    return "not set"


def _dotenv_names() -> set[str]:
    """The variables ``./.env`` sets (pydantic-settings reads the same file)."""
    try:
        lines = Path(".env").read_text(encoding="utf-8").splitlines()
    except OSError:
        return set()
    return {m.group(1).upper() for line in lines if (m := _DOTENV_NAME.match(line))}


def unknown_variables() -> list[str]:
    """A warning for each ``CLIENTBOOK_*`` variable (environment or ``.env``) that is no
    setting, and so would be silently ignored; with the setting it is closest to."""
    known = [f"{ENV_PREFIX}{field.upper()}" for field in Settings.model_fields]
    given = {name.upper() for name in os.environ} | _dotenv_names()
    warnings = []
    for name in sorted(given):
        if not name.startswith(ENV_PREFIX) or name in known or name.startswith(NOT_SETTINGS):
            continue
        close = difflib.get_close_matches(name, known, n=1, cutoff=0.8)
        hint = f" (did you mean {close[0]}?)" if close else ""
        warnings.append(f"{name} is not a setting and is ignored{hint}")
    return warnings


def resolve_secret_key(settings: Settings) -> str:
    """The signing secret: configured, or generated once and kept in a 0600 file.

    Keeping it on disk beside the data means restarts and every worker agree on it, so
    tokens survive a restart and work on any worker.
    """
    if settings.secret_key is not None:
        return settings.secret_key.get_secret_value()
    path = settings.secret_key_file or settings.data_dir / ".clientbook-secret"
    if not path.exists():
        # Write to a private temporary file, then hard-link it into place: the link is
        # atomic and fails if another process won the race, so nobody ever reads a
        # half-written secret and every process ends up with the same one.
        candidate = path.with_name(f"{path.name}.{os.getpid()}.{secrets.token_hex(4)}")
        fd = os.open(candidate, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(secrets.token_urlsafe(48))
        try:
            os.link(candidate, path)
            log.warning(
                "%sSECRET_KEY is not set: generated one and stored it in %s (mode 0600). "
                "Set it explicitly in production.",
                ENV_PREFIX,
                path,
            )
        except FileExistsError:
            pass
        finally:
            candidate.unlink()
    secret = path.read_text(encoding="utf-8").strip()
    if len(secret) < 32:
        raise ConfigurationError(f"the secret key file {path} is empty or too short")
    return secret


def build_login_rate_limiter(settings: Settings) -> RateLimiter:
    rate = settings.login_rate
    if rate is None:
        return UnlimitedRateLimiter()
    limit, window = rate
    if settings.redis_url:
        # Shared across workers and machines; otherwise each process counts on its own.
        return RedisRateLimiter.from_url(settings.redis_url, limit, window)
    return InMemoryRateLimiter(limit=limit, window_seconds=window)


class Container(containers.DeclarativeContainer):
    """Adapters bound to ports, and a factory for every use case."""

    settings = providers.Singleton(load_settings)

    # -- services -----------------------------------------------------------------
    clock = providers.Singleton(SystemClock)
    ids = providers.Singleton(Uuid7Generator)
    refresh_tokens = providers.Singleton(SecretsRefreshTokenGenerator)
    secret_key = providers.Singleton(resolve_secret_key, settings)
    password_hasher = providers.Singleton(
        BcryptPasswordHasher, rounds=settings.provided.bcrypt_rounds
    )
    access_tokens = providers.Singleton(
        PyJwtAccessTokenIssuer,
        secret=secret_key,
        ttl=providers.Factory(timedelta, minutes=settings.provided.access_token_minutes),
    )
    refresh_ttl = providers.Singleton(timedelta, days=settings.provided.refresh_token_days)
    login_rate_limiter = providers.Singleton(build_login_rate_limiter, settings)

    # -- persistence ----------------------------------------------------------------
    database = providers.Singleton(
        DatabaseConfig,
        url=settings.provided.database_url,
        pool_size=settings.provided.db_pool_size,
        max_overflow=settings.provided.db_max_overflow,
        pool_timeout=settings.provided.db_pool_timeout,
        connect_timeout=settings.provided.db_connect_timeout,
        command_timeout=settings.provided.db_command_timeout,
        pool_pre_ping=settings.provided.db_pool_pre_ping,
    )
    # One engine (and pool) per process; each unit of work borrows one connection from it.
    engine = providers.Singleton(build_engine, database)
    # For use cases that read: on PostgreSQL a second pool, in autocommit (no BEGIN and
    # ROLLBACK around reads); elsewhere the same engine. See build_reading_engine.
    reading_engine = providers.Singleton(build_reading_engine, database, engine)
    # Sync methods, safe to call with or without a running event loop.
    migrator = providers.Singleton(AlembicMigrator, settings.provided.database_url)
    memory_store = providers.Singleton(InMemoryStore)
    # Which persistence, read from the settings once: the selectors below consult it for
    # every unit of work, and ``settings.provided.persistence`` is re-evaluated on each
    # call (about half of a unit of work's construction; docs/performance.md).
    persistence = providers.Singleton(attrgetter("persistence"), settings)
    # Use cases that write: a transaction from the first statement.
    uow = providers.Selector(
        persistence,
        sqlalchemy=providers.Factory(SqlAlchemyUnitOfWork, engine),
        memory=providers.Factory(InMemoryUnitOfWork, memory_store),
    )
    # Use cases that read: no BEGIN/ROLLBACK around their SELECTs (a write, should one
    # come, still begins a transaction first). See SqlAlchemyUnitOfWork, ADR 0002.
    read_uow = providers.Selector(
        persistence,
        sqlalchemy=providers.Factory(SqlAlchemyUnitOfWork, reading_engine, defer_begin=True),
        memory=providers.Factory(InMemoryUnitOfWork, memory_store),
    )
    storage = providers.Selector(
        persistence,
        sqlalchemy=providers.Singleton(SqlAlchemyStorage, engine, reading_engine),
        memory=providers.Singleton(InMemoryStorage, memory_store),
    )
    check_readiness = providers.Factory(CheckReadiness, storage=storage)

    # -- use cases: accounts --------------------------------------------------------
    register_user = providers.Factory(
        RegisterUser, uow=uow, hasher=password_hasher, ids=ids, clock=clock
    )
    authenticate_user = providers.Factory(
        AuthenticateUser,
        # Reads the account in one unit, checks the password outside any, then writes
        # the session in another: the read needs no transaction of its own.
        uow=read_uow,
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
        uow=uow,
        issuer=access_tokens,
        tokens=refresh_tokens,
        ids=ids,
        clock=clock,
        refresh_ttl=refresh_ttl,
    )
    logout = providers.Factory(Logout, uow=uow, clock=clock)
    # Per process: each worker keeps its own, for a few seconds (docs/performance.md).
    recent_users = providers.Singleton(
        TtlRecentUsers, ttl_seconds=settings.provided.identity_cache_seconds
    )
    # Shared by every request (it holds nothing of one): it is given the read_uow provider
    # itself, and makes a unit of work only when the identity cache misses.
    identify_user = providers.Singleton(
        IdentifyUser, units=read_uow.provider, issuer=access_tokens, recent=recent_users
    )
    find_user_by_email = providers.Factory(FindUserByEmail, uow=read_uow)
    get_profile = providers.Factory(GetProfile, uow=read_uow)
    update_profile = providers.Factory(
        UpdateProfile, uow=uow, hasher=password_hasher, clock=clock, recent=recent_users
    )
    list_users = providers.Factory(ListUsers, uow=read_uow)
    list_accounts = providers.Factory(ListAccounts, uow=read_uow)  # operator (CLI) only

    # -- use cases: clients ---------------------------------------------------------
    add_client = providers.Factory(AddClient, uow=uow, ids=ids, clock=clock)
    list_clients = providers.Factory(ListClients, uow=read_uow)
    get_client = providers.Factory(GetClient, uow=read_uow)
    update_client = providers.Factory(UpdateClient, uow=uow, clock=clock)
    delete_client = providers.Factory(DeleteClient, uow=uow)
    add_contact = providers.Factory(AddContact, uow=uow, ids=ids, clock=clock)
    remove_contact = providers.Factory(RemoveContact, uow=uow, clock=clock)
    import_clients = providers.Factory(ImportClients, uow=uow, ids=ids, clock=clock)

    # -- use cases: meetings and reports --------------------------------------------
    schedule_meeting = providers.Factory(ScheduleMeeting, uow=uow, ids=ids, clock=clock)
    list_meetings = providers.Factory(ListMeetings, uow=read_uow)
    get_meeting = providers.Factory(GetMeeting, uow=read_uow)
    update_meeting = providers.Factory(UpdateMeeting, uow=uow, clock=clock)
    delete_meeting = providers.Factory(DeleteMeeting, uow=uow)
    export_meetings = providers.Factory(ExportMeetings, uow=read_uow)
    revenue_report = providers.Factory(BuildRevenueReport, uow=read_uow)
    fill_demo_book = providers.Factory(FillDemoBook, uow=uow, ids=ids, clock=clock)
