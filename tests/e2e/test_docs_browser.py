"""Swagger UI in a real browser: Debian's chromium, driven by Selenium, on a real server.

The page must work from the server alone (no CDN): it loads, **Authorize** with an email
and password signs in through ``/auth/token``, and "Try it out" on ``GET /users/me``
answers 200; a wrong password shows the server's own message in the dialog. On failure
a screenshot and the page's HTML are written to the folder the failure message names.

``.ci/run`` installs ``chromium`` and ``chromium-driver`` when they are missing; outside
CI the test skips without them.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path

import httpx
import pytest
from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.remote.webelement import WebElement
from selenium.webdriver.support import expected_conditions as ready
from selenium.webdriver.support.ui import WebDriverWait

EMAIL = "browser@example.com"
PASSWORD = "correct horse battery"
WAIT_SECONDS = 30
ME_OPERATION = "operations-users-me_api_v1_users_me_get"

pytestmark = pytest.mark.slow

Serve = Callable[[int], AbstractContextManager[str]]


def _browser_binaries() -> tuple[str, str]:
    browser = shutil.which("chromium") or shutil.which("chromium-browser")
    driver = shutil.which("chromedriver")
    if browser is None or driver is None:
        if os.environ.get("CI"):
            pytest.fail("chromium and chromium-driver are missing (.ci/run installs them)")
        pytest.skip("chromium and chromium-driver are not installed")
    return browser, driver


@pytest.fixture
def browser(tmp_path: Path) -> Iterator[WebDriver]:
    binary, driver_path = _browser_binaries()
    options = webdriver.ChromeOptions()
    options.binary_location = binary
    for argument in (
        "--headless=new",
        "--no-sandbox",  # CI runs as root
        "--disable-dev-shm-usage",
        "--disable-gpu",
        "--window-size=1400,2000",
        f"--user-data-dir={tmp_path / 'profile'}",
    ):
        options.add_argument(argument)
    # An explicit driver: Selenium Manager would try to download one.
    driver = webdriver.Chrome(service=Service(executable_path=driver_path), options=options)
    try:
        yield driver
    finally:
        driver.quit()


@contextmanager
def _screenshots_on_failure(driver: WebDriver, folder: Path) -> Iterator[None]:
    try:
        yield
    except Exception as failure:
        folder.mkdir(parents=True, exist_ok=True)
        driver.save_screenshot(str(folder / "failure.png"))
        (folder / "page.html").write_text(driver.page_source)
        raise AssertionError(f"{failure!r}; screenshot and HTML in {folder}") from failure


def _wait(driver: WebDriver) -> WebDriverWait[WebDriver]:
    return WebDriverWait(driver, WAIT_SECONDS)


def _click(driver: WebDriver, css: str) -> WebElement:
    element: WebElement = _wait(driver).until(ready.element_to_be_clickable((By.CSS_SELECTOR, css)))
    driver.execute_script("arguments[0].scrollIntoView({block: 'center'});", element)
    element.click()
    return element


def _authorize(driver: WebDriver, password: str) -> WebElement:
    """Open the Authorize dialog, sign in with the password flow; returns the dialog."""
    _click(driver, ".swagger-ui .auth-wrapper .btn.authorize")
    dialog: WebElement = _wait(driver).until(
        ready.visibility_of_element_located((By.CSS_SELECTOR, ".swagger-ui .modal-ux"))
    )
    dialog.find_element(By.ID, "oauth_username").send_keys(EMAIL)
    dialog.find_element(By.ID, "oauth_password").send_keys(password)
    _click(driver, ".modal-ux .auth-btn-wrapper .btn.modal-btn.auth.authorize")
    return dialog


def test_swagger_ui_authorizes_and_tries_an_operation(
    serve: Serve, browser: WebDriver, tmp_path: Path
) -> None:
    with serve(1) as base_url:
        registered = httpx.post(
            f"{base_url}/api/v1/auth/register", json={"email": EMAIL, "password": PASSWORD}
        )
        assert registered.status_code == 201, registered.text

        with _screenshots_on_failure(browser, tmp_path / "screenshots" / "wrong-password"):
            browser.get(f"{base_url}/docs")
            dialog = _authorize(browser, "not the password")
            _wait(browser).until(
                ready.text_to_be_present_in_element(
                    (By.CSS_SELECTOR, ".swagger-ui .modal-ux"),
                    "The email or password is incorrect.",
                )
            )
            assert "invalid_grant" in dialog.text

        with _screenshots_on_failure(browser, tmp_path / "screenshots" / "try-it-out"):
            browser.get(f"{base_url}/docs")
            _authorize(browser, PASSWORD)
            _wait(browser).until(
                ready.text_to_be_present_in_element(
                    (By.CSS_SELECTOR, ".swagger-ui .modal-ux"), "Logout"
                )
            )
            _click(browser, ".modal-ux .auth-btn-wrapper .btn-done")
            _click(browser, f"#{ME_OPERATION} .opblock-summary")
            _click(browser, f"#{ME_OPERATION} .try-out__btn")
            _click(browser, f"#{ME_OPERATION} .btn.execute")
            status = f"#{ME_OPERATION} .live-responses-table .response .response-col_status"
            _wait(browser).until(
                ready.text_to_be_present_in_element((By.CSS_SELECTOR, status), "200")
            )
            body = f"#{ME_OPERATION} .live-responses-table .response .response-col_description"
            _wait(browser).until(
                ready.text_to_be_present_in_element((By.CSS_SELECTOR, body), EMAIL)
            )
