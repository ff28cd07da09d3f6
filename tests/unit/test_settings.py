"""Configuration (spec §5): read from CLIENTBOOK_* variables, refused loudly when wrong."""

from __future__ import annotations

import ast
import os
import stat
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from adapters.ratelimit.memory import InMemoryRateLimiter, UnlimitedRateLimiter
from config import ConfigurationError, Settings, load_settings, resolve_secret_key
from container import build_login_rate_limiter, build_register_rate_limiter


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """No CLIENTBOOK_* variable and no .env from the developer's machine leaks in."""
    for name in list(os.environ):
        if name.startswith("CLIENTBOOK_"):
            monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)


def test_defaults() -> None:
    settings = load_settings()
    assert settings.env == "development"
    assert settings.database_url == "sqlite:///./clientbook.db"
    assert (settings.access_token_minutes, settings.refresh_token_days) == (15, 14)
    assert settings.bcrypt_rounds == 12
    assert settings.login_rate == (10, 60)
    assert settings.cors_origins == []
    assert settings.secret_key is None


@pytest.mark.parametrize(
    "given",
    [
        "sqlite:///./data/book.db",
        "sqlite:////var/lib/book.db",
        "sqlite+aiosqlite:///book.db",
        "postgresql://app:pw@db:5432/book",
        "postgres://app@db/book",
        "postgresql+asyncpg://app@db/book",
        "  sqlite:///x.db  ",
    ],
)
def test_sqlite_and_postgresql_urls_are_accepted_as_given(
    monkeypatch: pytest.MonkeyPatch, given: str
) -> None:
    """Kept as written: the SQLAlchemy adapter gives plain URLs their async driver
    (``async_database_url``, one normaliser; tests/contract/test_sqlalchemy_adapter.py)."""
    monkeypatch.setenv("CLIENTBOOK_DATABASE_URL", given)
    assert load_settings().database_url == given.strip()


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("CLIENTBOOK_DATABASE_URL", "mysql://app@db/book"),
        ("CLIENTBOOK_DATABASE_URL", "postgresql+psycopg2://app@db/book"),
        ("CLIENTBOOK_ENV", "staging"),
        ("CLIENTBOOK_PERSISTENCE", "mongo"),
        ("CLIENTBOOK_ACCESS_TOKEN_MINUTES", "soon"),
        ("CLIENTBOOK_ACCESS_TOKEN_MINUTES", "0"),
        ("CLIENTBOOK_REFRESH_TOKEN_DAYS", "-1"),
        ("CLIENTBOOK_BCRYPT_ROUNDS", "3"),
        ("CLIENTBOOK_BCRYPT_ROUNDS", "32"),
        ("CLIENTBOOK_LOGIN_RATE_LIMIT", "lots"),
        ("CLIENTBOOK_LOGIN_RATE_LIMIT", "10/fortnight"),
        ("CLIENTBOOK_LOG_LEVEL", "chatty"),
        ("CLIENTBOOK_LOG_FORMAT", "xml"),
        ("CLIENTBOOK_LOGIN_RATE_LIMIT", "0/minute"),
        ("CLIENTBOOK_REGISTER_RATE_LIMIT", "many/hour"),
        ("CLIENTBOOK_BCRYPT_QUEUE", "-1"),
        ("CLIENTBOOK_BCRYPT_HELD_RETRIES", "-1"),
    ],
)
def test_a_bad_value_is_a_configuration_error_naming_the_variable(
    monkeypatch: pytest.MonkeyPatch, variable: str, value: str
) -> None:
    monkeypatch.setenv(variable, value)
    with pytest.raises(ConfigurationError, match=variable):
        load_settings()


def test_production_requires_a_secret_of_at_least_32_characters(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("CLIENTBOOK_ENV", "production")
    with pytest.raises(ConfigurationError, match="CLIENTBOOK_SECRET_KEY"):
        load_settings()
    monkeypatch.setenv("CLIENTBOOK_SECRET_KEY", "s" * 31)
    with pytest.raises(ConfigurationError, match="CLIENTBOOK_SECRET_KEY"):
        load_settings()
    monkeypatch.setenv("CLIENTBOOK_SECRET_KEY", "s" * 32)
    settings = load_settings()
    assert resolve_secret_key(settings) == "s" * 32


def test_the_secret_never_shows_in_the_settings_repr(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CLIENTBOOK_SECRET_KEY", "super-secret-value-" + "z" * 20)
    assert "super-secret-value" not in repr(load_settings())


def test_cors_origins_are_comma_separated(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CLIENTBOOK_CORS_ORIGINS", " https://a.example ,https://b.example,, ")
    assert load_settings().cors_origins == ["https://a.example", "https://b.example"]


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("10/minute", (10, 60)),
        ("5 / Hour", (5, 3600)),
        ("1/second", (1, 1)),
        ("1000/day", (1000, 86400)),
        ("off", None),
        ("OFF", None),
        ("none", None),
        ("0", None),
    ],
)
def test_login_rate_limit_parsing(
    monkeypatch: pytest.MonkeyPatch, value: str, expected: tuple[int, int] | None
) -> None:
    monkeypatch.setenv("CLIENTBOOK_LOGIN_RATE_LIMIT", value)
    assert load_settings().login_rate == expected


async def test_the_login_rate_limiter_follows_the_settings() -> None:
    limited = build_login_rate_limiter(load_settings(login_rate_limit="2/minute"))
    assert isinstance(limited, InMemoryRateLimiter)
    assert [await limited.hit("k") for _ in range(3)][-1] == 60
    unlimited = build_login_rate_limiter(load_settings(login_rate_limit="off"))
    assert isinstance(unlimited, UnlimitedRateLimiter)


async def test_the_register_rate_limiter_follows_the_settings() -> None:
    assert load_settings().register_rate == (10, 3600)
    limited = build_register_rate_limiter(load_settings(register_rate_limit="1/hour"))
    assert isinstance(limited, InMemoryRateLimiter)
    assert [await limited.hit("k") for _ in range(2)][-1] == 3600
    unlimited = build_register_rate_limiter(load_settings(register_rate_limit="off"))
    assert isinstance(unlimited, UnlimitedRateLimiter)


def test_log_level_is_case_insensitive(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CLIENTBOOK_LOG_LEVEL", "debug")
    assert load_settings().log_level == "DEBUG"


def test_a_dotenv_file_in_the_working_directory_is_read(tmp_path: Path) -> None:
    (tmp_path / ".env").write_text("CLIENTBOOK_ENV=test\nCLIENTBOOK_BCRYPT_ROUNDS=4\n")
    settings = load_settings()
    assert (settings.env, settings.bcrypt_rounds) == ("test", 4)


def test_the_environment_wins_over_the_dotenv_file(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    (tmp_path / ".env").write_text("CLIENTBOOK_BCRYPT_ROUNDS=4\n")
    monkeypatch.setenv("CLIENTBOOK_BCRYPT_ROUNDS", "5")
    assert load_settings().bcrypt_rounds == 5


def test_settings_are_frozen() -> None:
    settings = load_settings()
    with pytest.raises(ValueError, match="frozen"):
        settings.env = "production"  # type: ignore[misc]


# -- the signing secret -------------------------------------------------------------------


def test_a_configured_secret_is_used_as_is(tmp_path: Path) -> None:
    settings = load_settings(secret_key="configured-" + "k" * 30)
    assert resolve_secret_key(settings) == "configured-" + "k" * 30
    assert list(tmp_path.iterdir()) == []


def test_a_missing_secret_is_generated_once_in_a_0600_file_beside_the_data(
    tmp_path: Path,
) -> None:
    data = tmp_path / "data"
    data.mkdir()
    settings = load_settings(database_url=f"sqlite:///{data}/book.db")

    first = resolve_secret_key(settings)
    second = resolve_secret_key(load_settings(database_url=f"sqlite:///{data}/book.db"))

    path = data / ".clientbook-secret"
    assert path.read_text(encoding="utf-8") == first
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert len(first) >= 32
    assert second == first  # restarts and other workers agree


def test_an_explicit_secret_file_is_honoured(tmp_path: Path) -> None:
    path = tmp_path / "keys" / "secret"
    path.parent.mkdir()
    settings = load_settings(secret_key_file=path)
    secret = resolve_secret_key(settings)
    assert path.read_text(encoding="utf-8") == secret
    assert resolve_secret_key(settings) == secret


def test_a_short_secret_file_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "secret"
    path.write_text("short\n")
    with pytest.raises(ConfigurationError, match="too short"):
        resolve_secret_key(load_settings(secret_key_file=path))


def test_without_a_sqlite_file_the_secret_lives_in_the_working_directory(
    tmp_path: Path,
) -> None:
    settings = Settings(database_url="postgresql://app@db/book")
    resolve_secret_key(settings)
    assert (tmp_path / ".clientbook-secret").exists()


def test_processes_racing_to_create_the_secret_all_get_the_same_one(tmp_path: Path) -> None:
    """Workers starting together must agree, and none may read a half-written file."""
    settings = load_settings(secret_key_file=tmp_path / "secret")
    with ThreadPoolExecutor(max_workers=8) as pool:
        secrets_seen = set(pool.map(lambda _: resolve_secret_key(settings), range(32)))
    assert len(secrets_seen) == 1
    assert [p.name for p in tmp_path.iterdir()] == ["secret"]  # no temporary files left


def test_configuration_imports_no_layer_and_no_adapter_library() -> None:
    """``config.py`` is outside import-linter's root packages (a module, not a package),
    so its one rule is checked here: settings only, nothing of the layers it configures."""
    tree = ast.parse((Path(__file__).resolve().parents[2] / "config.py").read_text())
    imported = {
        (node.module if isinstance(node, ast.ImportFrom) else alias.name).split(".")[0]
        for node in ast.walk(tree)
        if isinstance(node, ast.Import | ast.ImportFrom)
        for alias in node.names
        if not (isinstance(node, ast.ImportFrom) and node.module is None)
    }
    assert imported - set(sys.stdlib_module_names) == {"pydantic", "pydantic_settings"}
