"""Helpers for the web app's tests: a browser-like client that keeps cookies and CSRF tokens."""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from typing import Any

import httpx

SECRET = "a-web-test-signing-secret-long-enough-for-every-hmac-0123456789"
PASSWORD = "correct horse battery"
_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


class Browser(httpx.AsyncClient):
    """A cookie-keeping client that remembers the CSRF token of the last page it read."""

    csrf: str | None = None

    async def page(self, url: str, **kwargs: Any) -> httpx.Response:
        response = await self.get(url, **kwargs)
        found = _CSRF.search(response.text)
        if found:
            self.csrf = found.group(1)
        return response

    async def submit(
        self, url: str, data: dict[str, Any] | None = None, **kwargs: Any
    ) -> httpx.Response:
        """POST a form with the CSRF token last seen (fetch a page first)."""
        fields = {"csrf_token": self.csrf or "", **(data or {})}
        response = await self.post(url, data=fields, **kwargs)
        found = _CSRF.search(response.text)
        if found:
            self.csrf = found.group(1)
        return response


SignUp = Callable[..., Awaitable[Browser]]


async def sign_up_with(browser: Browser, email: str, password: str = PASSWORD) -> Browser:
    await browser.page("/register")
    registered = await browser.submit("/register", {"email": email, "password": password})
    assert registered.status_code == 303, registered.text
    await browser.page("/login")
    signed_in = await browser.submit("/login", {"email": email, "password": password})
    assert signed_in.status_code == 303, signed_in.text
    assert signed_in.headers["location"] == "/"
    return browser
