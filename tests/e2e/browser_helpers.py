"""Driving Debian's chromium with Selenium (a unique module name: ``tests/e2e`` is not a
package). The ``browser`` fixture itself is in ``conftest.py``."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.remote.webelement import WebElement
from selenium.webdriver.support import expected_conditions as ready
from selenium.webdriver.support.ui import WebDriverWait

WAIT_SECONDS = 30


def browser_binaries() -> tuple[str, str]:
    """chromium and chromedriver; missing, a failure in CI and a skip elsewhere."""
    browser = shutil.which("chromium") or shutil.which("chromium-browser")
    driver = shutil.which("chromedriver")
    if browser is None or driver is None:
        if os.environ.get("CI"):
            pytest.fail("chromium and chromium-driver are missing (.ci/run installs them)")
        pytest.skip("chromium and chromium-driver are not installed")
    return browser, driver


@contextmanager
def screenshots_on_failure(driver: WebDriver, folder: Path) -> Iterator[None]:
    try:
        yield
    except Exception as failure:
        folder.mkdir(parents=True, exist_ok=True)
        driver.save_screenshot(str(folder / "failure.png"))
        (folder / "page.html").write_text(driver.page_source)
        raise AssertionError(f"{failure!r}; screenshot and HTML in {folder}") from failure


def wait(driver: WebDriver) -> WebDriverWait[WebDriver]:
    return WebDriverWait(driver, WAIT_SECONDS)


def click(driver: WebDriver, css: str) -> WebElement:
    element: WebElement = wait(driver).until(ready.element_to_be_clickable((By.CSS_SELECTOR, css)))
    driver.execute_script("arguments[0].scrollIntoView({block: 'center'});", element)
    element.click()
    return element
