"""Helpers for HTTP tests (a unique module name: ``tests/http`` is not a package)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import httpx
import pytest

PASSWORD = "correct horse battery"

# For tests whose outcome cannot depend on the storage (request validation, token
# forgery): run them on the in-memory adapter only, and keep the suite quick.
storage_independent = pytest.mark.parametrize("storage_kind", ["memory"], indirect=True)
SECRET = "a-test-signing-secret-long-enough-for-every-hmac-algorithm-0123456789"


@dataclass(frozen=True)
class Account:
    id: str
    email: str
    access_token: str
    refresh_token: str

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.access_token}"}


def assert_problem(
    response: httpx.Response, status: int, code: str | None = None
) -> dict[str, Any]:
    """The response is an RFC 9457 problem with ``status`` (and ``code``); returns the body."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    body: dict[str, Any] = response.json()
    assert {"type", "title", "status", "detail", "code"} <= body.keys()
    assert body["status"] == status
    if code is not None:
        assert body["code"] == code, body
    if status == 401:
        assert response.headers["www-authenticate"] == "Bearer"
    if status == 422:
        assert isinstance(body["errors"], list)
        for error in body["errors"]:
            assert set(error) == {"loc", "msg", "type"}
    return body


def assert_invalid(response: httpx.Response, *types: str) -> dict[str, Any]:
    """A 422 ``validation_error`` whose ``errors`` name each of ``types`` (one item a rule)."""
    body = assert_problem(response, 422, "validation_error")
    found = [error["type"] for error in body["errors"]]
    for kind in types:
        assert kind in found, body
    return body


def raw_json(body: Any, headers: dict[str, str] | None = None) -> dict[str, Any]:
    """``client.post(url, **raw_json(body))``: JSON with every non-ASCII character escaped, so
    a lone surrogate travels as ``\\ud800`` (httpx's ``json=`` cannot encode one)."""
    return {
        "content": json.dumps(body).encode("ascii"),
        "headers": {**(headers or {}), "Content-Type": "application/json"},
    }
