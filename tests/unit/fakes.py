"""Stateful fakes for the ports the in-memory adapters do not cover.

They behave like the real thing (the hasher really checks passwords, the clock really
moves) but are fast and deterministic, so tests can assert on outcomes.
"""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta
from uuid import UUID

from domain.errors import TokenInvalid
from domain.ports import (
    AccessClaims,
    AccessTokenIssuer,
    Clock,
    IdGenerator,
    IssuedAccessToken,
    PasswordHasher,
    RateLimiter,
    RefreshTokenGenerator,
)
from domain.values import PASSWORD_MAX_BYTES, PlainPassword

START = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)


class FakeClock(Clock):
    """A clock that only moves when told to."""

    def __init__(self, start: datetime = START) -> None:
        self.current = start

    def now(self) -> datetime:
        return self.current

    def advance(self, **delta: float) -> datetime:
        self.current += timedelta(**delta)
        return self.current


class SequentialIds(IdGenerator):
    """UUIDs 1, 2, 3 … in creation order, like UUIDv7 but readable."""

    def __init__(self) -> None:
        self.issued = 0

    def new(self) -> UUID:
        self.issued += 1
        return UUID(int=self.issued)


class ToyPasswordHasher(PasswordHasher):
    """A salted SHA-256 'hash': fast, and it really tells right passwords from wrong ones.

    ``verifications`` counts every verification, dummy ones included, so tests can show
    that an unknown account costs the same work as a known one.
    """

    def __init__(self) -> None:
        self.verifications = 0
        self.hashes = 0

    @staticmethod
    def _digest(password: str) -> str:
        return "toy$" + hashlib.sha256(b"salt:" + password.encode("utf-8")).hexdigest()

    async def hash(self, password: PlainPassword, *, source: str | None = None) -> str:
        self.hashes += 1
        return self._digest(password.value)

    async def verify(self, password: str, password_hash: str, *, source: str | None = None) -> bool:
        self.verifications += 1
        if len(password.encode("utf-8")) > PASSWORD_MAX_BYTES:
            return False
        return self._digest(password) == password_hash

    async def verify_dummy(self, password: str, *, source: str | None = None) -> None:
        self.verifications += 1
        self._digest(password)


class FakeAccessTokenIssuer(AccessTokenIssuer):
    """Tokens look like ``access:<user id>:<n>``; they expire on the fake clock."""

    def __init__(self, clock: FakeClock, ttl: timedelta = timedelta(minutes=15)) -> None:
        self._clock = clock
        self._ttl = ttl
        self._issued: dict[str, datetime] = {}

    def issue(self, user_id: UUID, *, now: datetime) -> IssuedAccessToken:
        token = f"access:{user_id}:{len(self._issued) + 1}"
        self._issued[token] = now + self._ttl
        return IssuedAccessToken(token=token, expires_in=int(self._ttl.total_seconds()))

    def verify(self, token: str) -> AccessClaims:
        expires_at = self._issued.get(token)
        if expires_at is None or self._clock.now() >= expires_at:
            raise TokenInvalid()
        _, user_id, number = token.split(":")
        return AccessClaims(user_id=UUID(user_id), token_id=number, expires_at=expires_at)


class SequentialRefreshTokens(RefreshTokenGenerator):
    def __init__(self) -> None:
        self.issued = 0

    def new(self) -> str:
        self.issued += 1
        return f"refresh-{self.issued}"


class ScriptedRateLimiter(RateLimiter):
    """Allows ``allowed`` hits per key, then answers with ``retry_after`` seconds."""

    def __init__(self, allowed: int = 1_000, retry_after: int = 42) -> None:
        self.allowed = allowed
        self.retry_after = retry_after
        self.hits: dict[str, int] = {}

    async def hit(self, key: str) -> int | None:
        self.hits[key] = self.hits.get(key, 0) + 1
        return self.retry_after if self.hits[key] > self.allowed else None

    async def close(self) -> None:
        """Nothing to release."""
