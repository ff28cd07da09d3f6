"""Driver errors in, domain errors out: nothing SQLAlchemy-shaped crosses the adapter.

A violated constraint is looked up by its (naming-convention) name in one table; a lost
or unreachable database becomes ``StorageUnavailable``, a statement cut off by the
statement timeout ``QueryTimedOut``. Any other database error is raised again as a
``DatabaseError`` whose message never quotes a value: drivers put parameter values in
their messages (asyncpg: ``invalid input for query argument $3: 'Ada …'``; PostgreSQL's
``DETAIL: Key (email)=(…)``), and an unexpected error's traceback goes to the log.
"""

from __future__ import annotations

import re
import socket
import sqlite3
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from typing import NoReturn

import asyncpg
from sqlalchemy import MetaData, UniqueConstraint
from sqlalchemy import exc as sa_exc

from domain.errors import (
    ClientNameTaken,
    ClientNotFound,
    ConcurrentUpdate,
    Conflict,
    DomainError,
    EmailTaken,
    NotFound,
    QueryTimedOut,
    StorageProblem,
    StorageUnavailable,
    UserNotFound,
)

CONSTRAINT_ERRORS: dict[str, type[DomainError]] = {
    "uq_users_email": EmailTaken,
    "uq_clients_owner_id_name_key": ClientNameTaken,
    # A referenced row deleted by a concurrent transaction after the use case's check.
    "fk_clients_owner_id_users": UserNotFound,
    "fk_contacts_client_id_clients": ClientNotFound,
    "fk_meetings_owner_id_users": UserNotFound,
    "fk_meetings_client_id_clients": ClientNotFound,
    "fk_refresh_sessions_user_id_users": UserNotFound,
}

# asyncpg raises these before SQLAlchemy can wrap them (e.g. while connecting).
_ASYNCPG_UNAVAILABLE: tuple[type[BaseException], ...] = (
    asyncpg.exceptions.PostgresConnectionError,
    asyncpg.exceptions.InterfaceError,
    asyncpg.exceptions.CannotConnectNowError,
    asyncpg.exceptions.TooManyConnectionsError,
    asyncpg.exceptions.InvalidCatalogNameError,
    asyncpg.exceptions.InvalidAuthorizationSpecificationError,
    asyncpg.exceptions.AdminShutdownError,
    asyncpg.exceptions.CrashShutdownError,
)
# PostgreSQL gave up on one of two transactions that waited for each other's locks:
# the one it chose lost a race, like a failed compare-and-set.
_ASYNCPG_LOST_RACE: tuple[type[BaseException], ...] = (
    asyncpg.exceptions.DeadlockDetectedError,
    asyncpg.exceptions.SerializationError,
)
_SQLITE_UNIQUE = re.compile(r"UNIQUE constraint failed: (?:index '(?P<index>[^']+)'|(?P<cols>.+))")

# SQLite names the columns of a failed UNIQUE constraint, never the constraint itself.
_sqlite_unique_names: dict[str, str] = {}


def register_unique_constraints(metadata: MetaData) -> None:
    """Teach the SQLite message parser which columns make up which named constraint."""
    for table in metadata.tables.values():
        for constraint in table.constraints:
            if isinstance(constraint, UniqueConstraint) and isinstance(constraint.name, str):
                columns = ", ".join(f"{table.name}.{c.name}" for c in constraint.columns)
                _sqlite_unique_names[columns] = constraint.name
        for index in table.indexes:
            if index.unique and isinstance(index.name, str):
                columns = ", ".join(f"{table.name}.{c.name}" for c in index.columns)
                _sqlite_unique_names[columns] = index.name


def _driver_error(error: BaseException) -> BaseException | None:
    orig = getattr(error, "orig", None)
    # asyncpg errors are wrapped twice: SQLAlchemy's DBAPIError -> emulated DBAPI error.
    inner = getattr(orig, "orig", None) or getattr(orig, "__cause__", None)
    return inner if isinstance(inner, BaseException) else orig


def constraint_name(error: sa_exc.IntegrityError) -> str | None:
    driver = _driver_error(error)
    name = getattr(driver, "constraint_name", None)
    if isinstance(name, str):
        return name
    match = _SQLITE_UNIQUE.search(str(error.orig))
    if match:
        return match.group("index") or _sqlite_unique_names.get(match.group("cols").strip())
    return None


def integrity_to_domain(error: sa_exc.IntegrityError) -> DomainError:
    name = constraint_name(error)
    if name is not None and name in CONSTRAINT_ERRORS:
        return CONSTRAINT_ERRORS[name]()
    if "FOREIGN KEY" in str(error.orig).upper():
        # SQLite does not say which foreign key failed.
        return NotFound()
    return Conflict()


def is_unavailable(error: BaseException) -> bool:
    """Whether the error means the database cannot be reached (as opposed to a bug)."""
    if isinstance(error, sa_exc.DBAPIError):
        if error.connection_invalidated:
            return True
        if isinstance(error, sa_exc.OperationalError | sa_exc.InterfaceError):
            return True
        driver = _driver_error(error)
        return driver is not None and driver is not error and is_unavailable(driver)
    # OSError covers refused connections and unknown hosts; TimeoutError covers asyncpg's
    # connect and command timeouts; SQLAlchemy's own TimeoutError is an exhausted pool.
    return isinstance(error, (OSError, TimeoutError, sa_exc.TimeoutError, *_ASYNCPG_UNAVAILABLE))


def _causes(error: BaseException) -> Iterator[BaseException]:
    """``error``, then what it wraps (SQLAlchemy's ``orig``, then ``__cause__``), once each."""
    seen: set[int] = set()
    current: BaseException | None = error
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        yield current
        inner = getattr(current, "orig", None)
        current = inner if isinstance(inner, BaseException) else current.__cause__


def storage_problem(error: BaseException) -> StorageProblem | None:
    """Why the database cannot be used, read off the driver's error; ``None`` if unclear."""
    if isinstance(error, sa_exc.TimeoutError):
        return StorageProblem.BUSY  # the pool's own wait for a connection ran out
    for cause in _causes(error):
        if isinstance(cause, socket.gaierror):
            return StorageProblem.UNKNOWN_HOST
        if isinstance(cause, ConnectionRefusedError):
            return StorageProblem.REFUSED
        if isinstance(cause, asyncpg.exceptions.InvalidCatalogNameError):
            return StorageProblem.MISSING_DATABASE
        if isinstance(cause, asyncpg.exceptions.InvalidAuthorizationSpecificationError):
            return StorageProblem.AUTH_FAILED  # an unknown role or a wrong password
        if isinstance(cause, asyncpg.exceptions.UndefinedTableError):
            return StorageProblem.NO_SCHEMA
        if isinstance(cause, sqlite3.OperationalError):
            message = str(cause)
            if message.startswith("no such table"):
                return StorageProblem.NO_SCHEMA
            if message.startswith("unable to open database file"):
                return StorageProblem.MISSING_DATABASE
        if isinstance(cause, TimeoutError):
            return StorageProblem.TIMEOUT
    return None


# SQLSTATE 57014: canceled, by ``statement_timeout`` (or an operator's pg_cancel_backend).
_QUERY_CANCELED = "57014"
# Classes of SQLSTATE whose primary message names only schema objects, settings or
# states, never a value (unlike class 22, data exceptions: ``invalid input syntax for
# type uuid: "…"``): connection, transaction rollback, syntax or access, resources,
# limits, object state, operator intervention, system errors.
_MESSAGE_WITHOUT_VALUES = ("08", "40", "42", "53", "54", "55", "57", "58")


class DatabaseError(Exception):
    """An unexpected database error, described without the driver's message.

    The description keeps what diagnoses it — the exception types, the SQLSTATE, the
    statement with its placeholders, and the server's primary message where its class
    never quotes values — and nothing that may carry the statement's parameters.
    """


def _sqlstate(error: BaseException) -> str | None:
    for candidate in (error, getattr(error, "orig", None), _driver_error(error)):
        code = getattr(candidate, "sqlstate", None)
        if isinstance(code, str):
            return code
    return None


def is_database_error(error: BaseException) -> bool:
    """Raised by a driver, whose message may quote values. (A ``StatementError`` that is
    not a ``DBAPIError`` comes from a bind processor given a value of the wrong type: a
    bug of ours, not input, and its message is kept.)"""
    return isinstance(
        error,
        sa_exc.DBAPIError
        | asyncpg.exceptions.PostgresError
        | asyncpg.exceptions.InterfaceError
        | sqlite3.Error,
    )


def scrubbed(error: BaseException) -> DatabaseError:
    """``error`` described without any value it may quote (see ``DatabaseError``)."""
    names = [type(error).__qualname__]
    driver = _driver_error(error)
    if driver is not None and driver is not error:
        names.append(f"{type(driver).__module__}.{type(driver).__qualname__}")
    parts = [" from ".join(names)]
    sqlstate = _sqlstate(error)
    if sqlstate is not None:
        parts.append(f"SQLSTATE {sqlstate}")
        server_message = getattr(driver, "message", None)
        if sqlstate.startswith(_MESSAGE_WITHOUT_VALUES) and isinstance(server_message, str):
            parts.append(server_message)
    statement = getattr(error, "statement", None)
    if isinstance(statement, str):
        parts.append(f"on: {statement}")
    return DatabaseError("; ".join(parts))


def translate(error: BaseException) -> BaseException:
    """The domain error standing for ``error``, or ``error`` itself if it is not ours."""
    if isinstance(error, sa_exc.IntegrityError):
        return integrity_to_domain(error)
    if isinstance(error, sa_exc.DBAPIError) and isinstance(
        _driver_error(error), _ASYNCPG_LOST_RACE
    ):
        return ConcurrentUpdate()
    if _sqlstate(error) == _QUERY_CANCELED:
        return QueryTimedOut(problem=StorageProblem.TIMEOUT)
    problem = storage_problem(error)
    if problem is not None or is_unavailable(error):
        # A missing table is a database never migrated: unusable, like an unreachable one.
        return StorageUnavailable(problem=problem)
    return error


def raise_translated(error: BaseException) -> NoReturn:
    """Raise the domain error standing for ``error``; a database error of no domain
    meaning as a ``DatabaseError`` with its values scrubbed, its cause suppressed (a
    traceback would print the cause's message); anything else (a bug) as it is."""
    if isinstance(error, DomainError | DatabaseError):
        raise error
    translated = translate(error)
    if translated is not error:
        raise translated from error
    if is_database_error(error):
        raise scrubbed(error) from None
    raise error


@asynccontextmanager
async def domain_errors() -> AsyncIterator[None]:
    try:
        yield
    except Exception as error:
        raise_translated(error)
