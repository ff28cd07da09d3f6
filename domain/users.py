"""Users and their refresh sessions."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from domain.values import (
    DEFAULT_TIME_ZONE,
    FULL_NAME_MAX_LENGTH,
    EmailAddress,
    parse_optional_text,
    parse_time_zone,
)


@dataclass(slots=True)
class User:
    id: UUID
    email: str
    full_name: str | None
    password_hash: str
    is_admin: bool
    is_active: bool
    created_at: datetime
    updated_at: datetime
    # Advanced by every stored change of the profile; see ``Client.version``.
    version: int = 1
    # Where the user's meetings are entered and shown (an IANA name); storage keeps UTC.
    time_zone: str = DEFAULT_TIME_ZONE

    @classmethod
    def register(
        cls,
        *,
        id: UUID,
        email: EmailAddress,
        full_name: str | None,
        password_hash: str,
        now: datetime,
        is_admin: bool = False,
    ) -> User:
        return cls(
            id=id,
            email=email.value,
            full_name=parse_optional_text(full_name, limit=FULL_NAME_MAX_LENGTH, field="full_name"),
            password_hash=password_hash,
            is_admin=is_admin,
            is_active=True,
            created_at=now,
            updated_at=now,
        )

    def rename(self, full_name: str | None, *, now: datetime) -> None:
        self.full_name = parse_optional_text(
            full_name, limit=FULL_NAME_MAX_LENGTH, field="full_name"
        )
        self.updated_at = now

    def change_password_hash(self, password_hash: str, *, now: datetime) -> None:
        self.password_hash = password_hash
        self.updated_at = now

    def move_to(self, time_zone: str, *, now: datetime) -> None:
        self.time_zone = parse_time_zone(time_zone)
        self.updated_at = now


def hash_refresh_token(token: str) -> str:
    """Refresh tokens are stored only as their SHA-256 digest.

    They are long random strings, so a fast digest is enough (no salt or stretching is
    needed, unlike passwords) and it lets storage find a session by an indexed lookup.
    """
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


@dataclass(slots=True)
class RefreshSession:
    """One issued refresh token. Rotation chains tokens into a family sharing ``family_id``."""

    id: UUID
    user_id: UUID
    family_id: UUID
    token_hash: str
    created_at: datetime
    expires_at: datetime
    used_at: datetime | None = None
    revoked_at: datetime | None = None
