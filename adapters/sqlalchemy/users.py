"""The ``users`` table, its row <-> entity mapping, and the user repository."""

from __future__ import annotations

from operator import itemgetter
from typing import Any
from uuid import UUID

from sqlalchemy import (
    Boolean,
    Column,
    Index,
    Integer,
    Row,
    String,
    Table,
    UniqueConstraint,
    Uuid,
    bindparam,
    func,
    select,
)

from adapters.sqlalchemy.connection import Db
from adapters.sqlalchemy.schema import UtcDateTime, metadata
from domain.errors import ConcurrentUpdate
from domain.pagination import Page, PageRequest
from domain.ports import UserRepository
from domain.users import User
from domain.values import TIME_ZONE_MAX_LENGTH

users = Table(
    "users",
    metadata,
    Column("id", Uuid, primary_key=True),
    # The domain stores emails lower-cased, so a plain unique constraint is case-insensitive.
    Column("email", String(254), nullable=False),
    Column("full_name", String(200), nullable=True),
    Column("password_hash", String(255), nullable=False),
    Column("is_admin", Boolean, nullable=False),
    Column("is_active", Boolean, nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
    # The compare-and-set guard of ``UserRepository.update`` (see docs/architecture.md).
    Column("version", Integer, nullable=False, server_default="1"),
    Column("time_zone", String(TIME_ZONE_MAX_LENGTH), nullable=False, server_default="UTC"),
    UniqueConstraint("email"),
    Index("ix_users_created_at_id", "created_at", "id"),
)


def user_to_row(user: User) -> dict[str, Any]:
    return {
        "id": user.id,
        "email": user.email,
        "full_name": user.full_name,
        "password_hash": user.password_hash,
        "is_admin": user.is_admin,
        "is_active": user.is_active,
        "created_at": user.created_at,
        "updated_at": user.updated_at,
        "version": user.version,
        "time_zone": user.time_zone,
    }


# A row's values by position, in the mapper's order, found by column name once, here:
# every authenticated request whose caller is not cached reads a user, and reading a Row
# by attribute costs a lookup per column (as for meetings, docs/performance.md). Fits
# any row whose first columns are the table's (a page's total follows them).
_USER_VALUES = itemgetter(
    *(
        [column.name for column in users.c].index(name)
        for name in (
            "id",
            "email",
            "full_name",
            "password_hash",
            "is_admin",
            "is_active",
            "created_at",
            "updated_at",
            "version",
            "time_zone",
        )
    )
)


def user_from_row(row: Row[Any]) -> User:
    """A user from a row whose first columns are the ``users`` table's."""
    (
        user_id,
        email,
        full_name,
        password_hash,
        is_admin,
        is_active,
        created_at,
        updated_at,
        version,
        time_zone,
    ) = _USER_VALUES(row)
    return User(
        id=user_id,
        email=email,
        full_name=full_name,
        password_hash=password_hash,
        is_admin=is_admin,
        is_active=is_active,
        created_at=created_at,
        updated_at=updated_at,
        version=version,
        time_zone=time_zone,
    )


_INSERT = users.insert()
_BY_ID = select(users).where(users.c.id == bindparam("user_id"))
_BY_EMAIL = select(users).where(users.c.email == bindparam("email"))
# Compare-and-set: the SET clause comes from the keys of the parameters passed, and
# matches only the version that was read.
_UPDATE = users.update().where(
    users.c.id == bindparam("user_id"), users.c.version == bindparam("seen_version")
)
# NO KEY UPDATE: rows that reference the user (clients, meetings) can still be added.
_LOCK = _BY_ID.with_for_update(key_share=True)
# SQLite has no row locks: a write to the row takes the database's write lock instead,
# which serialises the transaction against every other writer until it ends.
_TAKE_WRITE_LOCK = (
    users.update().where(users.c.id == bindparam("user_id")).values(version=users.c.version)
)
_PAGE = (
    select(users, func.count().over().label("total"))
    .order_by(users.c.created_at, users.c.id)
    .limit(bindparam("limit"))
    .offset(bindparam("offset"))
)
_COUNT = select(func.count()).select_from(users)


class SqlAlchemyUserRepository(UserRepository):
    def __init__(self, db: Db) -> None:
        self._db = db

    async def add(self, user: User) -> None:
        await self._db.execute(_INSERT, user_to_row(user))

    async def get(self, user_id: UUID) -> User | None:
        row = (await self._db.execute(_BY_ID, {"user_id": user_id})).first()
        return user_from_row(row) if row else None

    async def get_by_email(self, email: str) -> User | None:
        row = (await self._db.execute(_BY_EMAIL, {"email": email})).first()
        return user_from_row(row) if row else None

    async def lock(self, user_id: UUID) -> User | None:
        await self._db.begin()
        if self._db.conn.dialect.name != "postgresql":
            await self._db.execute(_TAKE_WRITE_LOCK, {"user_id": user_id})
        row = (await self._db.execute(_LOCK, {"user_id": user_id})).first()
        return user_from_row(row) if row else None

    async def update(self, user: User) -> None:
        params = user_to_row(user)
        params["user_id"] = params.pop("id")
        params["seen_version"] = user.version
        params["version"] = user.version + 1
        del params["created_at"]
        result = await self._db.execute(_UPDATE, params)
        if result.rowcount != 1:
            raise ConcurrentUpdate()
        user.version += 1

    async def list(self, page: PageRequest) -> Page[User]:
        rows = (await self._db.execute(_PAGE, {"limit": page.limit, "offset": page.offset})).all()
        if rows:
            total = rows[0].total
        elif page.offset:
            # Past the last page the window count has no row to ride on.
            total = (await self._db.execute(_COUNT)).scalar_one()
        else:
            total = 0
        return Page([user_from_row(r) for r in rows], total, page.limit, page.offset)
