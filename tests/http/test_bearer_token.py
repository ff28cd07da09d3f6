"""``bearer_token`` reads the header exactly as FastAPI's ``OAuth2PasswordBearer`` does."""

from __future__ import annotations

import pytest
from fastapi.security import OAuth2PasswordBearer
from starlette.requests import Request

from entrypoints.http.security import bearer_token

CASES = [
    [],
    [(b"authorization", b"")],
    [(b"authorization", b"Bearer")],
    [(b"authorization", b"Bearer ")],
    [(b"authorization", b"Bearer abc.def.ghi")],
    [(b"authorization", b"bearer abc")],
    [(b"authorization", b"BEARER abc")],
    [(b"authorization", b"Bearer  two spaces")],
    [(b"authorization", b"Basic YWRhOnB3")],
    [(b"authorization", b"Token abc")],
    [(b"authorization", b"Bearerabc")],
    [(b"x-other", b"Bearer abc"), (b"authorization", b"Bearer second-header")],
    [(b"authorization", b"Bearer first"), (b"authorization", b"Bearer second")],
    [(b"authorization", "Bearer caf\u00e9".encode("latin-1"))],
]


@pytest.mark.parametrize("headers", CASES)
async def test_the_token_is_fastapis(headers: list[tuple[bytes, bytes]]) -> None:
    request = Request({"type": "http", "headers": headers})
    fastapi_reads = await OAuth2PasswordBearer(tokenUrl="/t", auto_error=False)(request)
    assert bearer_token(headers) == fastapi_reads
