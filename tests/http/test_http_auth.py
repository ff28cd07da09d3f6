"""Accounts, login, tokens, profile and admin routes."""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID

import httpx
import jwt
import pytest
from http_helpers import (
    PASSWORD,
    SECRET,
    Account,
    assert_invalid,
    assert_problem,
    storage_independent,
)

from container import Container
from entrypoints.http.schemas.auth import ProfilePatch


async def test_register_returns_the_user_without_secrets(api: httpx.AsyncClient) -> None:
    response = await api.post(
        "/auth/register",
        json={"email": "  Ada@Example.COM ", "password": PASSWORD, "full_name": "Ada Lovelace"},
    )
    assert response.status_code == 201
    body = response.json()
    assert set(body) == {"id", "email", "full_name", "is_admin", "created_at", "time_zone"}
    assert body["time_zone"] == "UTC"
    assert body["email"] == "ada@example.com"
    assert body["full_name"] == "Ada Lovelace"
    assert body["is_admin"] is False
    assert PASSWORD not in response.text


async def test_register_twice_in_any_case_is_a_conflict(api: httpx.AsyncClient) -> None:
    await api.post("/auth/register", json={"email": "ada@example.com", "password": PASSWORD})
    again = await api.post(
        "/auth/register", json={"email": "ADA@example.com", "password": PASSWORD}
    )
    assert_problem(again, 409, "email_taken")


@storage_independent
@pytest.mark.parametrize(
    ("password", "status", "code"),
    [
        ("a" * 7, 422, "password_too_short"),
        ("a" * 8, 201, None),
        ("a" * 72, 201, None),
        ("a" * 73, 422, "password_too_long"),
        ("é" * 36, 201, None),  # 72 bytes in UTF-8
        ("é" * 37, 422, "password_too_long"),  # 37 characters, 74 bytes
        ("€" * 3, 201, None),  # three characters, but nine bytes
        ("€" * 2, 422, "password_too_short"),  # six bytes
    ],
)
async def test_password_limits_count_utf8_bytes(
    api: httpx.AsyncClient, password: str, status: int, code: str | None
) -> None:
    response = await api.post(
        "/auth/register", json={"email": "ada@example.com", "password": password}
    )
    if status == 201:
        assert response.status_code == 201, response.text
        login = await api.post(
            "/auth/login", json={"email": "ada@example.com", "password": password}
        )
        assert login.status_code == 200
    else:
        assert code is not None
        body = assert_invalid(response, code)
        assert body["errors"][0]["loc"] == ["body", "password"]
        assert password not in response.text


@storage_independent
@pytest.mark.parametrize(
    "body",
    [
        {"email": "ada@example.com", "password": PASSWORD, "is_admin": True},
        {"email": "ada@example.com", "password": PASSWORD, "id": "x"},
        {"email": "ada@example.com", "password": PASSWORD, "created_at": "2026-01-01T00:00:00Z"},
        {"email": "ada@example.com"},
        {"email": "not an address", "password": PASSWORD},
    ],
)
async def test_register_rejects_bad_bodies(api: httpx.AsyncClient, body: dict[str, Any]) -> None:
    response = await api.post("/auth/register", json=body)
    problem = assert_problem(response, 422)
    assert PASSWORD not in response.text
    assert problem["errors"]


@storage_independent
async def test_unknown_fields_are_named_in_the_problem(api: httpx.AsyncClient) -> None:
    response = await api.post(
        "/auth/register",
        json={"email": "ada@example.com", "password": PASSWORD, "is_admin": True},
    )
    problem = assert_problem(response, 422, "validation_error")
    assert problem["errors"] == [
        {
            "loc": ["body", "is_admin"],
            "msg": "Extra inputs are not permitted",
            "type": "extra_forbidden",
        }
    ]


@storage_independent
async def test_validation_errors_never_echo_the_password(api: httpx.AsyncClient) -> None:
    secret = "hunter2-but-longer-and-secret"
    response = await api.post("/auth/register", json={"email": 42, "password": {"x": secret}})
    assert_problem(response, 422, "validation_error")
    assert secret not in response.text
    assert "input" not in response.text


async def test_login_returns_a_token_pair(api: httpx.AsyncClient, ada: Account) -> None:
    response = await api.post(
        "/auth/login", json={"email": " ADA@example.com", "password": PASSWORD}
    )
    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"access_token", "refresh_token", "token_type", "expires_in"}
    assert body["token_type"] == "bearer"
    assert body["expires_in"] == 15 * 60
    claims = jwt.decode(body["access_token"], SECRET, algorithms=["HS256"])
    assert claims["sub"] == ada.id
    assert claims["type"] == "access"


async def test_login_answers_alike_for_unknown_email_and_wrong_password(
    api: httpx.AsyncClient, ada: Account
) -> None:
    wrong = await api.post("/auth/login", json={"email": ada.email, "password": "wrong password"})
    unknown = await api.post(
        "/auth/login", json={"email": "nobody@example.com", "password": PASSWORD}
    )
    first = assert_problem(wrong, 401, "invalid_credentials")
    second = assert_problem(unknown, 401, "invalid_credentials")
    assert first == second


@storage_independent
async def test_login_with_an_overlong_password_is_a_validation_error(
    api: httpx.AsyncClient,
) -> None:
    response = await api.post("/auth/login", json={"email": "a@example.com", "password": "x" * 73})
    assert_invalid(response, "password_too_long")


@storage_independent
async def test_login_rejects_unknown_fields(api: httpx.AsyncClient) -> None:
    response = await api.post(
        "/auth/login", json={"email": "a@example.com", "password": PASSWORD, "remember": True}
    )
    assert_problem(response, 422, "validation_error")


async def test_token_form_logs_in_for_swagger(api: httpx.AsyncClient, ada: Account) -> None:
    response = await api.post(
        "/auth/token",
        data={"username": ada.email, "password": PASSWORD, "grant_type": "password"},
    )
    assert response.status_code == 200
    me = await api.get(
        "/users/me", headers={"Authorization": f"Bearer {response.json()['access_token']}"}
    )
    assert me.json()["email"] == ada.email


async def test_token_form_failures(api: httpx.AsyncClient, ada: Account) -> None:
    wrong = await api.post("/auth/token", data={"username": ada.email, "password": "nope nope"})
    assert_problem(wrong, 401, "invalid_credentials")
    missing = await api.post("/auth/token", data={"username": ada.email})
    assert_problem(missing, 422, "validation_error")


async def test_refresh_rotates_and_reuse_revokes_the_family(
    api: httpx.AsyncClient, ada: Account
) -> None:
    first = await api.post("/auth/refresh", json={"refresh_token": ada.refresh_token})
    assert first.status_code == 200
    pair = first.json()
    assert pair["refresh_token"] != ada.refresh_token
    me = await api.get("/users/me", headers={"Authorization": f"Bearer {pair['access_token']}"})
    assert me.status_code == 200

    reused = await api.post("/auth/refresh", json={"refresh_token": ada.refresh_token})
    assert_problem(reused, 401, "token_invalid")
    # Reuse revoked the whole family, including the token minted a moment ago.
    revoked = await api.post("/auth/refresh", json={"refresh_token": pair["refresh_token"]})
    assert_problem(revoked, 401, "token_invalid")


async def test_refresh_with_an_unknown_token_is_401(api: httpx.AsyncClient) -> None:
    response = await api.post("/auth/refresh", json={"refresh_token": "never-issued"})
    assert_problem(response, 401, "token_invalid")


async def test_an_access_token_is_not_a_refresh_token(api: httpx.AsyncClient, ada: Account) -> None:
    response = await api.post("/auth/refresh", json={"refresh_token": ada.access_token})
    assert_problem(response, 401, "token_invalid")


async def test_logout_revokes_the_family_and_always_answers_204(
    api: httpx.AsyncClient, ada: Account
) -> None:
    response = await api.post(
        "/auth/logout", json={"refresh_token": ada.refresh_token}, headers=ada.headers
    )
    assert response.status_code == 204
    assert response.content == b""
    after = await api.post("/auth/refresh", json={"refresh_token": ada.refresh_token})
    assert_problem(after, 401, "token_invalid")
    unknown = await api.post(
        "/auth/logout", json={"refresh_token": "never-issued"}, headers=ada.headers
    )
    assert unknown.status_code == 204
    malformed = await api.post("/auth/logout", json={}, headers=ada.headers)
    assert_problem(malformed, 422, "validation_error")


async def test_logout_needs_the_access_token(api: httpx.AsyncClient, ada: Account) -> None:
    response = await api.post("/auth/logout", json={"refresh_token": ada.refresh_token})
    assert_problem(response, 401, "token_invalid")
    assert response.headers["www-authenticate"] == "Bearer"
    still_valid = await api.post("/auth/refresh", json={"refresh_token": ada.refresh_token})
    assert still_valid.status_code == 200


async def test_logout_cannot_revoke_another_users_session(
    api: httpx.AsyncClient, ada: Account, bob: Account
) -> None:
    response = await api.post(
        "/auth/logout", json={"refresh_token": ada.refresh_token}, headers=bob.headers
    )
    assert response.status_code == 204
    still_valid = await api.post("/auth/refresh", json={"refresh_token": ada.refresh_token})
    assert still_valid.status_code == 200


# -- the bearer token ------------------------------------------------------------------


def _forge(claims: dict[str, Any], secret: str = SECRET, algorithm: str = "HS256") -> str:
    return jwt.encode(claims, secret, algorithm=algorithm)


def _claims(user_id: str, **changes: Any) -> dict[str, Any]:
    now = datetime.now(UTC)
    claims: dict[str, Any] = {
        "sub": user_id,
        "type": "access",
        "iat": int(now.timestamp()),
        "exp": int((now + timedelta(minutes=5)).timestamp()),
        "jti": "abc123",
    }
    claims.update(changes)
    return claims


def _unsigned(claims: dict[str, Any]) -> str:
    def part(data: dict[str, Any]) -> str:
        raw = json.dumps(data).encode()
        return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()

    return f"{part({'alg': 'none', 'typ': 'JWT'})}.{part(claims)}."


@storage_independent
@pytest.mark.parametrize(
    "authorization",
    [
        None,
        "",
        "Bearer",
        "Bearer ",
        "Basic YWRhOnB3",
        "Token abc",
        "Bearer not-a-jwt",
        "Bearer a.b.c",
    ],
)
async def test_missing_or_malformed_credentials_are_401(
    api: httpx.AsyncClient, authorization: str | None
) -> None:
    headers = {} if authorization is None else {"Authorization": authorization}
    response = await api.get("/users/me", headers=headers)
    assert_problem(response, 401)


async def test_forged_tokens_are_401(api: httpx.AsyncClient, ada: Account) -> None:
    past = datetime.now(UTC) - timedelta(hours=1)
    forged = {
        "bad signature": _forge(_claims(ada.id), secret="another-secret-" * 3),
        "alg none": _unsigned(_claims(ada.id)),
        "expired": _forge(
            _claims(ada.id, iat=int(past.timestamp()), exp=int(past.timestamp()) + 60)
        ),
        "refresh type": _forge(_claims(ada.id, type="refresh")),
        "no type": _forge({k: v for k, v in _claims(ada.id).items() if k != "type"}),
        "not a uuid": _forge(_claims("ada")),
        "unknown user": _forge(_claims("0193a0c4-5e2f-7b6a-9c1d-2e3f4a5b6c7d")),
        "hs512": _forge(_claims(ada.id), algorithm="HS512"),
    }
    for name, token in forged.items():
        response = await api.get("/users/me", headers={"Authorization": f"Bearer {token}"})
        assert_problem(response, 401, "token_invalid"), name
    # The genuine token still works, so the failures above are the forgeries' own.
    assert (await api.get("/users/me", headers=ada.headers)).status_code == 200


async def test_a_refresh_token_is_not_an_access_token(api: httpx.AsyncClient, ada: Account) -> None:
    response = await api.get("/users/me", headers={"Authorization": f"Bearer {ada.refresh_token}"})
    assert_problem(response, 401, "token_invalid")


async def test_a_token_of_an_inactive_user_is_401(
    api: httpx.AsyncClient, ada: Account, container: Container
) -> None:
    async with container.units().writing() as uow:
        user = await uow.users.get(UUID(ada.id))
        assert user is not None
        user.is_active = False
        await uow.users.update(user)
        await uow.commit()
    response = await api.get("/users/me", headers=ada.headers)
    assert_problem(response, 401, "token_invalid")


# -- the profile --------------------------------------------------------------------------


async def test_me_returns_the_caller(api: httpx.AsyncClient, ada: Account) -> None:
    response = await api.get("/users/me", headers=ada.headers)
    assert response.status_code == 200
    assert response.json()["id"] == ada.id
    assert "password" not in response.text


async def test_patch_me_renames_and_clears_the_name(api: httpx.AsyncClient, ada: Account) -> None:
    renamed = await api.patch("/users/me", headers=ada.headers, json={"full_name": "Ada King"})
    assert renamed.status_code == 200
    assert renamed.json()["full_name"] == "Ada King"
    untouched = await api.patch("/users/me", headers=ada.headers, json={})
    assert untouched.json()["full_name"] == "Ada King"
    cleared = await api.patch("/users/me", headers=ada.headers, json={"full_name": None})
    assert cleared.json()["full_name"] is None


async def test_patch_me_sets_the_time_zone_from_the_iana_names(
    api: httpx.AsyncClient, ada: Account
) -> None:
    moved = await api.patch("/users/me", headers=ada.headers, json={"time_zone": "Europe/Paris"})
    assert moved.status_code == 200
    assert moved.json()["time_zone"] == "Europe/Paris"
    assert (await api.get("/users/me", headers=ada.headers)).json()["time_zone"] == "Europe/Paris"
    for wrong in ("Mars/Olympus_Mons", "europe/paris", "", "x" * 65):
        refused = await api.patch("/users/me", headers=ada.headers, json={"time_zone": wrong})
        assert refused.status_code == 422, wrong
        assert refused.json()["errors"][0]["type"] == "invalid_time_zone", wrong
    null = await api.patch("/users/me", headers=ada.headers, json={"time_zone": None})
    assert null.status_code == 422  # required: there is always a zone (UTC by default)
    declared = ProfilePatch.model_json_schema()["properties"]["time_zone"]
    assert "Europe/Paris" in declared["enum"]
    assert "UTC" in declared["enum"]
    assert declared["maxLength"] == 64
    # Member names for generated clients, distinct where a generator's would fold together.
    assert len(set(declared["x-enum-varnames"])) == len(declared["enum"])


async def test_patch_me_changes_the_password_and_signs_out_sessions(
    api: httpx.AsyncClient, ada: Account
) -> None:
    new = "a brand new passphrase"
    response = await api.patch(
        "/users/me",
        headers=ada.headers,
        json={"password": new, "current_password": PASSWORD},
    )
    assert response.status_code == 200
    refreshed = await api.post("/auth/refresh", json={"refresh_token": ada.refresh_token})
    assert_problem(refreshed, 401)
    old = await api.post("/auth/login", json={"email": ada.email, "password": PASSWORD})
    assert_problem(old, 401, "invalid_credentials")
    login = await api.post("/auth/login", json={"email": ada.email, "password": new})
    assert login.status_code == 200


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        ({"password": "a brand new passphrase"}, 422, "current_password_required"),
        (
            {"password": "a brand new passphrase", "current_password": "wrong password"},
            403,
            "invalid_current_password",
        ),
        ({"password": "short", "current_password": PASSWORD}, 422, "validation_error"),
        ({"password": None, "current_password": PASSWORD}, 422, "validation_error"),
        ({"email": "new@example.com"}, 422, "validation_error"),
        ({"is_admin": True}, 422, "validation_error"),
    ],
)
async def test_patch_me_failures(
    api: httpx.AsyncClient, ada: Account, body: dict[str, Any], status: int, code: str
) -> None:
    response = await api.patch("/users/me", headers=ada.headers, json=body)
    assert_problem(response, status, code)
    assert PASSWORD not in response.text


async def test_patch_me_needs_a_token(api: httpx.AsyncClient) -> None:
    assert_problem(await api.patch("/users/me", json={"full_name": "x"}), 401)


# -- administration ---------------------------------------------------------------------------


async def test_admin_users_is_for_admins_only(
    api: httpx.AsyncClient, ada: Account, bob: Account, container: Container
) -> None:
    assert_problem(await api.get("/admin/users", headers=ada.headers), 403, "admin_required")
    assert_problem(await api.get("/admin/users"), 401)

    async with container.units().writing() as uow:
        user = await uow.users.get(UUID(ada.id))
        assert user is not None
        user.is_admin = True
        await uow.users.update(user)
        await uow.commit()
    response = await api.get("/admin/users", headers=ada.headers, params={"limit": 1})
    assert response.status_code == 200
    page = response.json()
    assert page["total"] == 2
    assert page["limit"] == 1
    assert page["offset"] == 0
    assert [user["email"] for user in page["items"]] == ["ada@example.com"]
    second = await api.get("/admin/users", headers=ada.headers, params={"offset": 1})
    assert [user["email"] for user in second.json()["items"]] == ["bob@example.com"]
    assert_problem(
        await api.get("/admin/users", headers=ada.headers, params={"limit": 101}),
        422,
        "validation_error",
    )


@storage_independent
async def test_token_errors_speak_oauth2_as_well(api: httpx.AsyncClient, ada: Account) -> None:
    form = {"grant_type": "password", "username": ada.email, "password": "wrong password"}
    wrong = await api.post("/auth/token", data=form)
    body = assert_problem(wrong, 401, "invalid_credentials")
    assert body["error"] == "invalid_grant"
    assert body["error_description"] == body["detail"]

    missing = await api.post("/auth/token", data={"username": ada.email})
    body = assert_invalid(missing)
    assert body["error"] == "invalid_request"
    assert "password" in body["error_description"]

    right = await api.post("/auth/token", data={**form, "password": PASSWORD})
    assert right.status_code == 200
    assert "error" not in (await api.post("/auth/login", json={"email": ada.email})).json()
