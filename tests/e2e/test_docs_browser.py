"""Swagger UI in a real browser: Debian's chromium, driven by Selenium, on a real server.

The page must work from the server alone (no CDN): it loads, **Authorize** with an email
and password signs in through ``/auth/token``, and "Try it out" on ``GET /users/me``
answers 200; a wrong password shows the server's own message in the dialog. On failure
a screenshot and the page's HTML are written to the folder the failure message names.

The browser comes from ``tests/e2e/conftest.py``: ``.ci/run`` installs ``chromium`` and
``chromium-driver`` when they are missing; outside CI the test skips without them.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager
from pathlib import Path

import httpx
import pytest
from browser_helpers import click, screenshots_on_failure, wait
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.remote.webelement import WebElement
from selenium.webdriver.support import expected_conditions as ready

EMAIL = "browser@example.com"
PASSWORD = "correct horse battery"
ME_OPERATION = "operations-users-me_api_v1_users_me_get"

pytestmark = pytest.mark.slow

Serve = Callable[[int], AbstractContextManager[str]]


def _authorize(driver: WebDriver, password: str) -> WebElement:
    """Open the Authorize dialog, sign in with the password flow; returns the dialog."""
    click(driver, ".swagger-ui .auth-wrapper .btn.authorize")
    dialog: WebElement = wait(driver).until(
        ready.visibility_of_element_located((By.CSS_SELECTOR, ".swagger-ui .modal-ux"))
    )
    dialog.find_element(By.ID, "oauth_username").send_keys(EMAIL)
    dialog.find_element(By.ID, "oauth_password").send_keys(password)
    click(driver, ".modal-ux .auth-btn-wrapper .btn.modal-btn.auth.authorize")
    return dialog


def test_swagger_ui_authorizes_and_tries_an_operation(
    serve: Serve, browser: WebDriver, tmp_path: Path
) -> None:
    with serve(1) as base_url:
        registered = httpx.post(
            f"{base_url}/api/v1/auth/register", json={"email": EMAIL, "password": PASSWORD}
        )
        assert registered.status_code == 201, registered.text

        with screenshots_on_failure(browser, tmp_path / "screenshots" / "wrong-password"):
            browser.get(f"{base_url}/docs")
            dialog = _authorize(browser, "not the password")
            wait(browser).until(
                ready.text_to_be_present_in_element(
                    (By.CSS_SELECTOR, ".swagger-ui .modal-ux"),
                    "The email or password is incorrect.",
                )
            )
            assert "invalid_grant" in dialog.text

        with screenshots_on_failure(browser, tmp_path / "screenshots" / "try-it-out"):
            browser.get(f"{base_url}/docs")
            _authorize(browser, PASSWORD)
            wait(browser).until(
                ready.text_to_be_present_in_element(
                    (By.CSS_SELECTOR, ".swagger-ui .modal-ux"), "Logout"
                )
            )
            click(browser, ".modal-ux .auth-btn-wrapper .btn-done")
            click(browser, f"#{ME_OPERATION} .opblock-summary")
            click(browser, f"#{ME_OPERATION} .try-out__btn")
            click(browser, f"#{ME_OPERATION} .btn.execute")
            status = f"#{ME_OPERATION} .live-responses-table .response .response-col_status"
            wait(browser).until(
                ready.text_to_be_present_in_element((By.CSS_SELECTOR, status), "200")
            )
            body = f"#{ME_OPERATION} .live-responses-table .response .response-col_description"
            wait(browser).until(ready.text_to_be_present_in_element((By.CSS_SELECTOR, body), EMAIL))
