"""Access tokens verified once are remembered until they expire, and only then."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from uuid import uuid4

import pytest

from adapters.security.jwt_tokens import PyJwtAccessTokenIssuer
from domain.errors import TokenInvalid

SECRET = "a-test-secret-that-is-long-enough-for-hs256-000"


def test_a_remembered_token_gives_the_same_claims() -> None:
    issuer = PyJwtAccessTokenIssuer(SECRET, timedelta(minutes=15))
    user_id = uuid4()
    token = issuer.issue(user_id, now=datetime.now(UTC)).token
    first, second = issuer.verify(token), issuer.verify(token)
    assert first == second
    assert second.user_id == user_id


def test_an_expired_token_is_refused_every_time() -> None:
    issuer = PyJwtAccessTokenIssuer(SECRET, timedelta(minutes=15))
    token = issuer.issue(uuid4(), now=datetime.now(UTC) - timedelta(hours=1)).token
    for _ in range(2):
        with pytest.raises(TokenInvalid):
            issuer.verify(token)


def test_a_remembered_token_past_its_expiry_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    issuer = PyJwtAccessTokenIssuer(SECRET, timedelta(minutes=15))
    token = issuer.issue(uuid4(), now=datetime.now(UTC)).token
    claims = issuer.verify(token)
    later = claims.expires_at + timedelta(seconds=1)

    class Later(datetime):
        @classmethod
        def now(cls, tz: object = None) -> datetime:  # type: ignore[override]
            return later

    monkeypatch.setattr("adapters.security.jwt_tokens.datetime", Later)
    monkeypatch.setattr("jwt.api_jwt.datetime", Later, raising=False)
    with pytest.raises(TokenInvalid):
        issuer.verify(token)


def test_forged_tokens_are_never_remembered() -> None:
    issuer = PyJwtAccessTokenIssuer(SECRET, timedelta(minutes=15))
    other = PyJwtAccessTokenIssuer(
        "another-secret-that-is-long-enough-for-hs256", timedelta(minutes=15)
    )
    forged = other.issue(uuid4(), now=datetime.now(UTC)).token
    for _ in range(2):
        with pytest.raises(TokenInvalid):
            issuer.verify(forged)


def test_memory_is_bounded() -> None:
    issuer = PyJwtAccessTokenIssuer(SECRET, timedelta(minutes=15), remember=2)
    now = datetime.now(UTC)
    tokens = [issuer.issue(uuid4(), now=now).token for _ in range(3)]
    for token in tokens:
        issuer.verify(token)
    # Still correct for every token, remembered or not.
    assert [issuer.verify(token).user_id for token in tokens] == [
        issuer.verify(token).user_id for token in tokens
    ]
