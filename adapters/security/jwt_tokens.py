"""Access tokens as signed JWTs (PyJWT)."""

from __future__ import annotations

import secrets
from datetime import UTC, datetime, timedelta
from uuid import UUID

import jwt

from domain.errors import TokenInvalid
from domain.ports import AccessClaims, AccessTokenIssuer, IssuedAccessToken, RefreshTokenGenerator

ACCESS_TOKEN_TYPE = "access"  # noqa: S105 - a claim value, not a secret


class PyJwtAccessTokenIssuer(AccessTokenIssuer):
    """HS256 by default. Decoding names its algorithms explicitly, so ``alg: none`` and
    algorithm-confusion tokens are refused, and requires every claim we rely on."""

    def __init__(
        self, secret: str, ttl: timedelta, algorithm: str = "HS256", remember: int = 4096
    ) -> None:
        self._secret = secret
        self._ttl = ttl
        self._algorithm = algorithm
        # Tokens verified already, with their claims: a client sends the same token on
        # every request until it expires, and checking it again (base64, HMAC, JSON,
        # claims) is work for nothing (ADR 0008). Expiry is still checked on every use.
        self._remember = remember
        self._verified: dict[str, AccessClaims] = {}

    def issue(self, user_id: UUID, *, now: datetime) -> IssuedAccessToken:
        expires_at = now + self._ttl
        claims = {
            "sub": str(user_id),
            "type": ACCESS_TOKEN_TYPE,
            "iat": int(now.timestamp()),
            "exp": int(expires_at.timestamp()),
            "jti": secrets.token_hex(12),
        }
        token = jwt.encode(claims, self._secret, algorithm=self._algorithm)
        return IssuedAccessToken(token=token, expires_in=int(self._ttl.total_seconds()))

    def verify(self, token: str) -> AccessClaims:
        known = self._verified.get(token)
        if known is not None:
            if datetime.now(UTC) < known.expires_at:
                return known
            del self._verified[token]
        claims = self._decode(token)
        if self._remember > 0:
            if len(self._verified) >= self._remember:
                del self._verified[next(iter(self._verified))]  # the oldest first
            self._verified[token] = claims
        return claims

    def _decode(self, token: str) -> AccessClaims:
        try:
            claims = jwt.decode(
                token,
                self._secret,
                algorithms=[self._algorithm],
                options={"require": ["sub", "type", "iat", "exp", "jti"]},
            )
            if claims["type"] != ACCESS_TOKEN_TYPE:
                raise TokenInvalid()
            return AccessClaims(
                user_id=UUID(str(claims["sub"])),
                token_id=str(claims["jti"]),
                expires_at=datetime.fromtimestamp(int(claims["exp"]), UTC),
            )
        except (jwt.PyJWTError, ValueError, TypeError, KeyError):
            raise TokenInvalid() from None


class SecretsRefreshTokenGenerator(RefreshTokenGenerator):
    """256 bits from the OS's CSPRNG, URL-safe."""

    def new(self) -> str:
        return secrets.token_urlsafe(32)
