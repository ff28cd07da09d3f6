"""Configuration: every ``CLIENTBOOK_*`` setting, validated, and the signing secret.

Read from the environment and an optional ``./.env`` (pydantic-settings). A bad value is a
``ConfigurationError`` with one line per variable: its name, where the value came from
and what is wrong. ``container.py`` binds adapters using these settings; nothing here
knows an adapter.
"""

from __future__ import annotations

import difflib
import logging
import os
import re
import secrets
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import Field, SecretStr, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

log = logging.getLogger("clientbook")

ENV_PREFIX = "CLIENTBOOK_"
_RATE = re.compile(r"^\s*(\d+)\s*/\s*(second|minute|hour|day)\s*$")
_WINDOWS = {"second": 1, "minute": 60, "hour": 3600, "day": 86400}


def _parse_rate(value: str) -> tuple[int, int] | None:
    match = _RATE.match(value)
    if match is None:
        return None
    return int(match.group(1)), _WINDOWS[match.group(2)]


_DATABASE_SCHEMES = {"sqlite", "sqlite+aiosqlite", "postgresql", "postgres", "postgresql+asyncpg"}


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
    # Hashes that may wait for a hashing thread; beyond them a login or registration is a
    # fast 503 with Retry-After instead of a wait of seconds.
    bcrypt_queue: int = Field(8, ge=0, le=10_000)
    # Of the hashes running and waiting, how many one client address (or signed-in user)
    # may hold; beyond, its next one is a fast 503 (ADR 0026).
    bcrypt_queue_per_address: int = Field(4, ge=1, le=10_000)
    # Of the callers refused above that ask again before their Retry-After lapses, how
    # many are held (no CPU) until a place frees or it lapses; beyond, refused at once
    # (0: none held). Each holds its connection for up to a second (ADR 0027).
    bcrypt_held_retries: int = Field(256, ge=0, le=100_000)
    cors_origins: Annotated[list[str], NoDecode] = []
    redis_url: str | None = None
    login_rate_limit: str = "10/minute"
    # Per client address: every registration costs a bcrypt hash and makes an account.
    register_rate_limit: str = "10/hour"
    # Keys each rate limiter (login, registration) keeps at most, in memory or in Redis;
    # past it, a key under its limit makes room, and if none may, a new caller is a 429.
    rate_limit_max_keys: int = Field(100_000, ge=100, le=10_000_000)
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"] = "INFO"
    log_format: Literal["console", "json"] = "console"
    # Per pool: on PostgreSQL a process has two, one for reads and one for writes. A
    # fixed pool by default: overflow connections are closed as soon as they are
    # returned, so a burst above the pool would open (and PostgreSQL fork) a backend per
    # request; without overflow, the burst waits its turn, first come first served.
    db_pool_size: int = Field(10, ge=1, le=200)
    db_max_overflow: int = Field(0, ge=0, le=200)
    db_pool_timeout: float = Field(5.0, gt=0, le=120)
    db_connect_timeout: float = Field(5.0, gt=0, le=120)
    db_command_timeout: float = Field(30.0, gt=0, le=3600)
    # PostgreSQL cancels any statement running longer (0: no limit); see operations.md.
    db_statement_timeout: float = Field(10.0, ge=0, le=3600)
    db_pool_pre_ping: bool = False
    # Seconds an authenticated user's record is reused before it is read again (0: off).
    identity_cache_seconds: float = Field(5.0, ge=0, le=300)
    # FastAPI's own OpenTelemetry spans, metrics and logs, for a provider configured in the
    # process (e.g. under ``opentelemetry-instrument``). Off, nothing is checked per request.
    opentelemetry: bool = False
    # Allocations between two young-generation collections of the garbage collector in a
    # serving process (0: the interpreter's 700). Requests make many short-lived objects
    # that reference counting frees anyway; collecting every 700 cost ~10-18 % of a
    # request's CPU under load (ADR 0024).
    gc_gen0_threshold: int = Field(20_000, ge=0, le=1_000_000)
    # Request bodies above this are refused with 413 (the largest legitimate one, a
    # client with 50 contacts and long notes, is a few tens of kilobytes).
    max_body_bytes: int = Field(1024 * 1024, ge=1024, le=1024 * 1024 * 1024)
    # Exports and reports one user may have running at once (429 beyond): across every
    # worker and machine with Redis, else per process.
    long_requests_per_user: int = Field(2, ge=1, le=1000)
    # With Redis: a worker that dies without giving its slots back frees them after this.
    long_request_lease_seconds: float = Field(30.0, ge=1, le=3600)
    # On SIGTERM, in-flight requests get this long to finish before they are cancelled.
    graceful_shutdown_seconds: int = Field(30, ge=0, le=3600)

    # The web app's cookies carry ``Secure`` (sent over https only). Unset: on in
    # production, off otherwise, so ``make run`` on http://127.0.0.1 signs in.
    secure_cookies: bool | None = None

    @field_validator("database_url")
    @classmethod
    def _supported_database(cls, url: str) -> str:
        """SQLite or PostgreSQL, plain or with the async driver (the SQLAlchemy adapter
        gives a plain URL its driver: ``adapters.sqlalchemy.engine.async_database_url``)."""
        url = url.strip()
        if url.split("://", 1)[0] not in _DATABASE_SCHEMES or "://" not in url:
            raise ValueError("must be a sqlite:/// or postgresql:// URL")
        return url

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

    @field_validator("login_rate_limit", "register_rate_limit")
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
    def cookies_secure(self) -> bool:
        """Whether the web app's cookies are ``Secure``: the setting, else production."""
        return self.secure_cookies if self.secure_cookies is not None else self.env == "production"

    @property
    def login_rate(self) -> tuple[int, int] | None:
        """``(attempts, window_seconds)``, or ``None`` when switched off."""
        return _parse_rate(self.login_rate_limit)

    @property
    def register_rate(self) -> tuple[int, int] | None:
        """``(registrations, window_seconds)`` per address, or ``None`` when switched off."""
        return _parse_rate(self.register_rate_limit)

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
