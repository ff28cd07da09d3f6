"""Credentials and user text never reach the log: every auth route is fed known secrets
(and a full name, also one the database refuses, whose error path logs a traceback), at
DEBUG level, in both log formats, and the captured output is searched for each of them."""

from __future__ import annotations

import io
import json
import logging
import logging.config
from collections.abc import Iterator

import httpx
import pytest
from http_helpers import PASSWORD

from container import Container
from entrypoints.http.logs import logging_config

NEW_PASSWORD = "a brand new passphrase 42"
WRONG_PASSWORD = "definitely-not-the-password-7"
TOO_LONG_PASSWORD = "overlong-" + "x" * 80
EMAIL = "secret.keeper@example.com"
FULL_NAME = "Ada Quietname-4f1c"
# A lone surrogate passes JSON parsing but no database driver can store it: the failure
# is an unexpected database error, whose driver message quotes the whole value.
UNSTORABLE_NAME = "Grace Hiddenname-9d2e"
UNSTORABLE_BODY = (
    b'{"email": "grace@example.com", "password": "a fine password",'
    b' "full_name": "Grace Hiddenname-9d2e \\ud800"}'
)

ROUTES = (
    "POST /api/v1/auth/register",
    "POST /api/v1/auth/login",
    "POST /api/v1/auth/token",
    "POST /api/v1/auth/refresh",
    "POST /api/v1/auth/logout",
    "GET /api/v1/users/me",
    "PATCH /api/v1/users/me",
)


@pytest.fixture(params=["console", "json"])
def captured_log(request: pytest.FixtureRequest) -> Iterator[tuple[str, io.StringIO]]:
    """The server's real logging configuration, at DEBUG, writing into a buffer."""
    fmt = str(request.param)
    stream = io.StringIO()
    config = logging_config("DEBUG", fmt)
    config["handlers"]["default"]["stream"] = stream
    names = ["", *logging.root.manager.loggerDict]
    saved = {
        name: (lg.level, list(lg.handlers), lg.propagate, lg.disabled)
        for name in names
        if isinstance(lg := logging.getLogger(name), logging.Logger)
    }
    logging.config.dictConfig(config)
    try:
        yield fmt, stream
    finally:
        for name, (level, handlers, propagate, disabled) in saved.items():
            logger = logging.getLogger(name)
            logger.handlers[:] = handlers
            logger.setLevel(level)
            logger.propagate = propagate
            logger.disabled = disabled


@pytest.mark.parametrize(
    "storage_kind",
    ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)],
    indirect=True,
)
async def test_no_password_token_or_hash_is_ever_logged(
    api: httpx.AsyncClient, container: Container, captured_log: tuple[str, io.StringIO]
) -> None:
    fmt, stream = captured_log
    secrets: list[str] = [PASSWORD, NEW_PASSWORD, WRONG_PASSWORD, TOO_LONG_PASSWORD]
    secrets += [FULL_NAME, UNSTORABLE_NAME]

    assert (
        await api.post(
            "/auth/register", json={"email": EMAIL, "password": PASSWORD, "full_name": FULL_NAME}
        )
    ).is_success
    unstorable = await api.post(
        "/auth/register", content=UNSTORABLE_BODY, headers={"Content-Type": "application/json"}
    )
    # Refused as input (422) or failing in the driver (500, logged with its traceback).
    assert unstorable.status_code in (422, 500), unstorable.text
    bad_register = await api.post(
        "/auth/register", json={"email": "x", "password": TOO_LONG_PASSWORD}
    )
    assert bad_register.status_code == 422
    login = await api.post("/auth/login", json={"email": EMAIL, "password": PASSWORD})
    assert login.status_code == 200
    wrong = await api.post("/auth/login", json={"email": EMAIL, "password": WRONG_PASSWORD})
    assert wrong.status_code == 401
    form = await api.post("/auth/token", data={"username": EMAIL, "password": PASSWORD})
    assert form.status_code == 200
    first, second = login.json(), form.json()
    rotated = await api.post("/auth/refresh", json={"refresh_token": first["refresh_token"]})
    assert rotated.status_code == 200
    reused = await api.post("/auth/refresh", json={"refresh_token": first["refresh_token"]})
    assert reused.status_code == 401
    third = rotated.json()
    bearer = {"Authorization": f"Bearer {second['access_token']}"}
    assert (await api.get("/users/me", headers=bearer)).status_code == 200
    forged = {"Authorization": f"Bearer {second['access_token']}tampered"}
    assert (await api.get("/users/me", headers=forged)).status_code == 401
    refused = await api.patch(
        "/users/me",
        json={"password": NEW_PASSWORD, "current_password": WRONG_PASSWORD},
        headers=bearer,
    )
    assert refused.status_code == 403
    changed = await api.patch(
        "/users/me", json={"password": NEW_PASSWORD, "current_password": PASSWORD}, headers=bearer
    )
    assert changed.status_code == 200
    logout = await api.post(
        "/auth/logout", json={"refresh_token": second["refresh_token"]}, headers=bearer
    )
    assert logout.status_code < 300, logout.text
    async with container.units().writing() as uow:
        user = await uow.users.get_by_email(EMAIL)
    assert user is not None
    for pair in (first, second, third):
        secrets += [pair["access_token"], pair["refresh_token"]]
    secrets.append(user.password_hash)

    output = stream.getvalue()
    for route in ROUTES:  # the log was really on, one access line per request
        method, template = route.split(" ")
        if fmt == "json":
            entries = [json.loads(line) for line in output.splitlines() if line.startswith("{")]
            assert any(e.get("method") == method and e.get("route") == template for e in entries), (
                route
            )
        else:
            assert f"{method} {template} " in output, route
    for secret in secrets:
        assert secret not in output, f"a secret reached the {fmt} log"
        # Also no fragment long enough to matter (e.g. a token's signature part).
        for part in secret.split("."):
            if len(part) >= 16:
                assert part not in output, f"part of a secret reached the {fmt} log"
