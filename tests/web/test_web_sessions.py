"""Signing in and out: cookie flags, CSRF, revocation at the next request, headers."""

from __future__ import annotations

from collections.abc import AsyncIterator
from urllib.parse import urlencode

import httpx
import pytest
from fastapi import FastAPI

from config import load_settings
from container import Container
from entrypoints.http.app import create_app

from .web_helpers import PASSWORD, Browser, SignUp

API_POLICY = "default-src 'none'; frame-ancestors 'none'"


async def test_pages_need_a_session(browser: Browser) -> None:
    assert (await browser.get("/")).headers["location"] == "/login"
    for path in ("/clients", "/meetings?client=x", "/reports/revenue", "/settings", "/import"):
        response = await browser.get(path)
        assert response.status_code == 303, path
        assert response.headers["location"] == f"/login?{urlencode({'next': path})}"
    refused = await browser.post("/clients/new", data={"name": "x"})
    assert refused.status_code == 403  # a form's post is never a page to come back to


async def test_signing_in_goes_on_to_the_page_asked_for(browser: Browser) -> None:
    await browser.page("/register")
    await browser.submit("/register", {"email": "ada@example.com", "password": PASSWORD})
    sent = await browser.get("/meetings?from=2026-01-01")
    login = await browser.page(sent.headers["location"])
    assert 'name="next" value="/meetings?from=2026-01-01"' in login.text
    signed_in = await browser.submit(
        "/login",
        {"email": "ada@example.com", "password": PASSWORD, "next": "/meetings?from=2026-01-01"},
    )
    assert signed_in.headers["location"] == "/meetings?from=2026-01-01"


@pytest.mark.parametrize(
    "elsewhere",
    ["//evil.example", "https://evil.example/", "/\\evil.example", "/\tevil", "/login", "x"],
)
async def test_signing_in_never_leaves_the_site(browser: Browser, elsewhere: str) -> None:
    await browser.page("/register")
    await browser.submit("/register", {"email": "ada@example.com", "password": PASSWORD})
    await browser.page("/login")
    signed_in = await browser.submit(
        "/login", {"email": "ada@example.com", "password": PASSWORD, "next": elsewhere}
    )
    assert signed_in.headers["location"] == "/"


async def test_sign_in_sets_a_hardened_session_cookie(browser: Browser, sign_up: SignUp) -> None:
    await browser.page("/register")
    await browser.submit("/register", {"email": "ada@example.com", "password": PASSWORD})
    await browser.page("/login")
    response = await browser.submit("/login", {"email": "ada@example.com", "password": PASSWORD})
    assert response.status_code == 303
    cookie = next(
        value
        for name, value in response.headers.multi_items()
        if name == "set-cookie" and value.startswith("clientbook_session=")
    )
    flags = {part.strip().lower() for part in cookie.split(";")}
    assert "httponly" in flags
    assert "samesite=lax" in flags
    assert "path=/" in flags
    assert "secure" not in flags  # ENV=test: not production, so http works
    dashboard = await browser.page("/")
    assert dashboard.status_code == 200
    assert "Dashboard" in dashboard.text


def test_the_secure_flag_is_on_in_production_unless_told_otherwise(
    settings_overrides: dict[str, object],
) -> None:
    production = {**settings_overrides, "env": "production", "secret_key": "x" * 40}
    assert load_settings(**production).cookies_secure
    assert not load_settings(**{**production, "secure_cookies": False}).cookies_secure
    assert not load_settings(**settings_overrides).cookies_secure
    assert load_settings(**{**settings_overrides, "secure_cookies": True}).cookies_secure


async def _app_with(
    container: Container, settings: dict[str, object], **changes: object
) -> AsyncIterator[FastAPI]:
    with container.settings.override(load_settings(**{**settings, **changes})):
        app = create_app(container)
        async with app.router.lifespan_context(app):
            yield app


async def test_the_secure_setting_reaches_the_cookie(
    container: Container, settings_overrides: dict[str, object]
) -> None:
    async for app in _app_with(container, settings_overrides, secure_cookies=True):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="https://testserver") as web:
            page = await web.get("/login")
    assert "secure" in page.headers["set-cookie"].lower()


async def test_a_form_without_its_csrf_token_is_refused(browser: Browser, sign_up: SignUp) -> None:
    await sign_up()
    forged = await browser.post("/clients/new", data={"name": "Forged"})
    assert forged.status_code == 403
    wrong = await browser.post("/clients/new", data={"name": "Forged", "csrf_token": "x" * 43})
    assert wrong.status_code == 403
    clients = await browser.page("/clients")
    assert "Forged" not in clients.text


async def test_login_forms_need_a_csrf_token_too(browser: Browser) -> None:
    response = await browser.post("/login", data={"email": "a@example.com", "password": PASSWORD})
    assert response.status_code == 403


async def test_a_token_of_another_session_is_refused(
    browser: Browser, other_browser: Browser, sign_up: SignUp
) -> None:
    await sign_up()
    await browser.page("/clients/new")
    # Another browser's token, with its own nonce cookie: not valid for this session.
    await other_browser.page("/login")
    refused = await browser.post(
        "/clients/new", data={"name": "Stolen", "csrf_token": other_browser.csrf or ""}
    )
    assert refused.status_code == 403


async def test_the_old_cookie_is_refused_right_after_sign_out(
    browser: Browser, sign_up: SignUp
) -> None:
    await sign_up()
    old = browser.cookies["clientbook_session"]
    await browser.page("/")
    signed_out = await browser.submit("/logout")
    assert signed_out.status_code == 303
    assert signed_out.headers["location"].startswith("/login")
    assert "clientbook_session" not in browser.cookies
    browser.cookies.set("clientbook_session", old)
    refused = await browser.get("/")
    assert refused.status_code == 303
    assert refused.headers["location"] == "/login"


async def test_signing_in_again_revokes_the_session_the_browser_held(
    browser: Browser, sign_up: SignUp
) -> None:
    await sign_up()
    old = browser.cookies["clientbook_session"]
    await browser.page("/login")
    again = await browser.submit("/login", {"email": "ada@example.com", "password": PASSWORD})
    assert again.status_code == 303
    new = browser.cookies["clientbook_session"]
    assert new != old
    assert (await browser.get("/")).status_code == 200
    browser.cookies.set("clientbook_session", old)
    refused = await browser.get("/")
    assert refused.status_code == 303
    assert refused.headers["location"] == "/login"


async def test_registering_then_signing_in_ends_the_previous_account_s_session(
    browser: Browser, sign_up: SignUp
) -> None:
    await sign_up()
    ada = browser.cookies["clientbook_session"]
    await browser.page("/register")
    registered = await browser.submit(
        "/register", {"email": "grace@example.com", "password": PASSWORD}
    )
    assert registered.status_code == 303
    await browser.page("/login")
    signed_in = await browser.submit("/login", {"email": "grace@example.com", "password": PASSWORD})
    assert signed_in.status_code == 303
    assert "grace@example.com" in (await browser.get("/settings")).text
    browser.cookies.set("clientbook_session", ada)
    assert (await browser.get("/")).headers["location"] == "/login"


async def test_a_refused_sign_in_keeps_the_session(browser: Browser, sign_up: SignUp) -> None:
    await sign_up()
    await browser.page("/login")
    wrong = await browser.submit("/login", {"email": "ada@example.com", "password": "not it!!"})
    assert wrong.status_code == 401
    assert (await browser.get("/")).status_code == 200


async def test_a_password_change_ends_every_session(
    browser: Browser, other_browser: Browser, sign_up: SignUp
) -> None:
    await sign_up()
    await other_browser.page("/login")
    second = await other_browser.submit(
        "/login", {"email": "ada@example.com", "password": PASSWORD}
    )
    assert second.status_code == 303
    old = browser.cookies["clientbook_session"]
    await browser.page("/settings")
    changed = await browser.submit(
        "/settings/password",
        {"current_password": PASSWORD, "password": "a brand new passphrase"},
    )
    assert changed.status_code == 303, changed.text
    assert changed.headers["location"] == "/login?done=password_changed"
    browser.cookies.set("clientbook_session", old)
    assert (await browser.get("/")).status_code == 303
    assert (await other_browser.get("/")).status_code == 303
    await browser.page("/login")
    again = await browser.submit(
        "/login", {"email": "ada@example.com", "password": "a brand new passphrase"}
    )
    assert again.status_code == 303


async def test_a_wrong_current_password_is_shown_beside_the_field(
    browser: Browser, sign_up: SignUp
) -> None:
    await sign_up()
    await browser.page("/settings")
    refused = await browser.submit(
        "/settings/password", {"current_password": "not it at all", "password": "new passphrase"}
    )
    assert refused.status_code == 403
    assert 'id="current_password-error"' in refused.text
    assert "The current password is incorrect." in refused.text


async def test_a_wrong_password_is_the_api_s_answer(browser: Browser, sign_up: SignUp) -> None:
    await sign_up()
    await browser.submit("/logout")
    await browser.page("/login")
    refused = await browser.submit("/login", {"email": "ada@example.com", "password": "nope nope"})
    assert refused.status_code == 401
    assert "The email or password is incorrect." in refused.text
    unknown = await browser.submit("/login", {"email": "who@example.com", "password": "nope nope"})
    assert unknown.status_code == 401
    assert "The email or password is incorrect." in unknown.text


async def test_sign_in_shares_the_api_s_rate_limit(
    settings_overrides: dict[str, object], container: Container
) -> None:
    body = {"email": "ada@example.com", "password": "wrong password"}
    async for app in _app_with(container, settings_overrides, login_rate_limit="2/minute"):
        transport = httpx.ASGITransport(app=app, client=("198.51.100.1", 1))
        async with (
            Browser(transport=transport, base_url="http://testserver") as web,
            httpx.AsyncClient(transport=transport, base_url="http://testserver") as api,
        ):
            for _ in range(2):
                assert (await api.post("/api/v1/auth/login", json=body)).status_code == 401
            await web.page("/login")
            limited = await web.submit("/login", body)
    assert limited.status_code == 429
    assert int(limited.headers["retry-after"]) >= 1
    assert "Too many attempts" in limited.text


async def test_pages_carry_a_strict_csp(browser: Browser, sign_up: SignUp) -> None:
    for path in ("/login", "/register"):
        response = await browser.get(path)
        policy = response.headers["content-security-policy"]
        assert "script-src 'self'" in policy
        assert "style-src 'self'" in policy
        assert "unsafe-inline" not in policy
        assert "frame-ancestors 'none'" in policy
        assert response.headers["cache-control"] == "no-store"
        assert "<script>" not in response.text
        assert " style=" not in response.text
    await sign_up()
    page = await browser.get("/")
    assert "unsafe-inline" not in page.headers["content-security-policy"]
    css = await browser.get("/static/app.css")
    assert css.status_code == 200
    assert "prefers-color-scheme: dark" in css.text


async def test_the_api_keeps_its_own_policy(browser: Browser) -> None:
    response = await browser.get("/api/v1/users/me")
    assert (
        response.headers["content-security-policy"] == "default-src 'none'; frame-ancestors 'none'"
    )
    assert response.headers["content-type"] == "application/problem+json"
