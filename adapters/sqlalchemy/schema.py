"""The shared ``MetaData`` and the column types every table module uses.

Constraint names come from a naming convention, so they are stable across databases and
migrations, and ``errors.py`` can map a violated constraint to a domain error by name.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import DateTime, Dialect, Index, MetaData, Text
from sqlalchemy.dialects import postgresql
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.functions import FunctionElement
from sqlalchemy.types import TypeDecorator, TypeEngine

NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

metadata = MetaData(naming_convention=NAMING_CONVENTION)

# Indexes that exist on PostgreSQL only (e.g. trigram indexes): created there, skipped
# elsewhere, and left out when Alembic compares another database with the metadata.
POSTGRESQL_ONLY_INDEXES: set[str] = set()


def postgresql_only(index: Index) -> Index:
    """``index``, created on PostgreSQL only."""
    POSTGRESQL_ONLY_INDEXES.add(str(index.name))
    return index.ddl_if(dialect="postgresql")


def include_in_comparison(dialect_name: str) -> Callable[..., bool]:
    """Alembic's ``include_object`` for a database of ``dialect_name``: the metadata
    minus the indexes that database does not have by design."""

    def include(obj: object, name: str | None, type_: str, *args: object) -> bool:
        return not (
            type_ == "index" and dialect_name != "postgresql" and name in POSTGRESQL_ONLY_INDEXES
        )

    return include


class UtcDateTime(TypeDecorator[datetime]):
    """Aware UTC datetimes in, aware UTC datetimes out, on every database.

    PostgreSQL stores ``TIMESTAMP WITH TIME ZONE``. SQLite has no such type: SQLAlchemy's
    ``DATETIME`` keeps a fixed-width ``YYYY-MM-DD HH:MM:SS.ffffff`` string, which sorts
    and compares correctly only if every value is in one zone, so values are converted
    to naive UTC on the way in and given back their UTC zone on the way out.

    asyncpg decodes ``TIMESTAMP WITH TIME ZONE`` into aware datetimes whose ``tzinfo`` is
    ``datetime.timezone.utc`` (that is ``datetime.UTC``): its binary codec whatever the
    session's time zone, and the service engines' text codec because their sessions are
    pinned to UTC (``build_engine``, ADR 0028). That is exactly what
    ``process_result_value`` would return, so there, every column read skips the
    per-value call.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None or value.utcoffset() is None:
            raise ValueError("naive datetimes are refused: store aware UTC instants only")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def result_processor(
        self, dialect: Dialect, coltype: Any
    ) -> Callable[[Any], datetime | None] | None:
        if dialect.name == "postgresql" and dialect.driver == "asyncpg":
            return None
        return super().result_processor(dialect, coltype)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


def folded_text() -> TypeEngine[str]:
    """Text holding a case-folded key, compared and sorted by code point everywhere.

    SQLite's default collation is binary already; PostgreSQL's follows the database
    locale, so the column is pinned to ``C`` to sort like Python sorts ``str``.
    """
    return Text().with_variant(postgresql.TEXT(collation="C"), "postgresql")


class utc_month(FunctionElement[Any]):
    """The UTC calendar month of a stored instant, as the database groups it cheapest:
    PostgreSQL's ``date_trunc`` (a timestamp: formatting every row would cost more than
    the sums), SQLite's ``YYYY-MM`` text. ``month_key`` turns it into ``YYYY-MM``."""

    inherit_cache = True


@compiles(utc_month, "sqlite")
def _utc_month_sqlite(element: utc_month, compiler: SQLCompiler, **kw: Any) -> str:
    # Stored values are naive UTC strings in a fixed format (see UtcDateTime).
    return f"strftime('%Y-%m', {compiler.process(element.clauses, **kw)})"


@compiles(utc_month, "postgresql")
def _utc_month_postgresql(element: utc_month, compiler: SQLCompiler, **kw: Any) -> str:
    return f"date_trunc('month', ({compiler.process(element.clauses, **kw)}) AT TIME ZONE 'UTC')"


class month_key(FunctionElement[str]):
    """``YYYY-MM`` of a ``utc_month`` value: applied to the groups, not to every row."""

    type = Text()
    inherit_cache = True


@compiles(month_key, "sqlite")
def _month_key_sqlite(element: month_key, compiler: SQLCompiler, **kw: Any) -> str:
    return compiler.process(element.clauses, **kw)


@compiles(month_key, "postgresql")
def _month_key_postgresql(element: month_key, compiler: SQLCompiler, **kw: Any) -> str:
    return f"to_char({compiler.process(element.clauses, **kw)}, 'YYYY-MM')"
