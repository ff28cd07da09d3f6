"""The ``refresh_sessions`` table, its mapping, and the refresh-session repository."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

from sqlalchemy import (
    Column,
    ForeignKey,
    Index,
    Row,
    String,
    Table,
    UniqueConstraint,
    Uuid,
    bindparam,
    select,
)

from adapters.sqlalchemy.connection import Db
from adapters.sqlalchemy.schema import UtcDateTime, metadata
from domain.ports import RefreshSessionRepository
from domain.users import RefreshSession

refresh_sessions = Table(
    "refresh_sessions",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("user_id", Uuid, ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
    Column("family_id", Uuid, nullable=False),
    Column("token_hash", String(64), nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Column("expires_at", UtcDateTime, nullable=False),
    Column("used_at", UtcDateTime, nullable=True),
    Column("revoked_at", UtcDateTime, nullable=True),
    UniqueConstraint("token_hash"),
    Index("ix_refresh_sessions_family_id", "family_id"),
    Index("ix_refresh_sessions_user_id", "user_id"),
)


def session_to_row(session: RefreshSession) -> dict[str, Any]:
    return {
        "id": session.id,
        "user_id": session.user_id,
        "family_id": session.family_id,
        "token_hash": session.token_hash,
        "created_at": session.created_at,
        "expires_at": session.expires_at,
        "used_at": session.used_at,
        "revoked_at": session.revoked_at,
    }


def session_from_row(row: Row[Any]) -> RefreshSession:
    return RefreshSession(
        id=row.id,
        user_id=row.user_id,
        family_id=row.family_id,
        token_hash=row.token_hash,
        created_at=row.created_at,
        expires_at=row.expires_at,
        used_at=row.used_at,
        revoked_at=row.revoked_at,
    )


_T = refresh_sessions.c
_INSERT = refresh_sessions.insert()
_BY_HASH = select(refresh_sessions).where(_T.token_hash == bindparam("hash"))
# Atomic: of two concurrent consumers, the database lets exactly one update the row.
_MARK_USED = (
    refresh_sessions.update()
    .where(_T.id == bindparam("session_id"), _T.used_at.is_(None), _T.revoked_at.is_(None))
    .values(used_at=bindparam("at", type_=UtcDateTime()))
)
_REVOKE_FAMILY = (
    refresh_sessions.update()
    .where(_T.family_id == bindparam("family"), _T.revoked_at.is_(None))
    .values(revoked_at=bindparam("at", type_=UtcDateTime()))
)
_REVOKE_USER = (
    refresh_sessions.update()
    .where(_T.user_id == bindparam("owner"), _T.revoked_at.is_(None))
    .values(revoked_at=bindparam("at", type_=UtcDateTime()))
)


class SqlAlchemyRefreshSessionRepository(RefreshSessionRepository):
    def __init__(self, db: Db) -> None:
        self._db = db

    async def add(self, session: RefreshSession) -> None:
        await self._db.execute(_INSERT, session_to_row(session))

    async def get_by_token_hash(self, token_hash: str) -> RefreshSession | None:
        row = (await self._db.execute(_BY_HASH, {"hash": token_hash})).first()
        return session_from_row(row) if row else None

    async def mark_used(self, session_id: UUID, *, at: datetime) -> bool:
        result = await self._db.execute(_MARK_USED, {"session_id": session_id, "at": at})
        return result.rowcount == 1

    async def revoke_family(self, family_id: UUID, *, at: datetime) -> None:
        await self._db.execute(_REVOKE_FAMILY, {"family": family_id, "at": at})

    async def revoke_all_for_user(self, user_id: UUID, *, at: datetime) -> None:
        await self._db.execute(_REVOKE_USER, {"owner": user_id, "at": at})
