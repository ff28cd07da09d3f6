"""The web app in a real browser: a whole journey on a real server with PostgreSQL.

Debian's chromium, driven by Selenium, registers, signs in, adds a client with
contacts, schedules meetings and finds them on the dashboard's chart, imports a CSV
whose bad lines are listed by number, downloads the export, changes the password,
signs out, and checks that the old session cookie is refused each time; a second user
gets a 404 for the first one's client. Every page visited is saved as a screenshot in
``CLIENTBOOK_SCREENSHOTS`` (default: ``web-screenshots`` in the test's temporary folder),
which the test prints; on failure the screenshot and HTML of the page go to the folder
the failure message names.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from contextlib import AbstractContextManager
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
from browser_helpers import click, screenshots_on_failure, wait
from selenium.common.exceptions import WebDriverException
from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.support.ui import Select

pytestmark = [pytest.mark.e2e, pytest.mark.postgres, pytest.mark.slow]

Serve = Callable[[int], AbstractContextManager[str]]
PASSWORD = "correct horse battery"
NEW_PASSWORD = "a brand new passphrase"
CLIENT = "Analytical Engines"
IMPORT_CSV = (
    "name,company,contacts\n"
    "Difference Engines,Babbage & Co,email:charles@example.com\n"
    ",No name at all,\n"
    "Jacquard Looms,,phone:call me maybe\n"
    "Royal Society,,\n"
)


def _folder(tmp_path: Path) -> Path:
    folder = Path(os.environ.get("CLIENTBOOK_SCREENSHOTS") or tmp_path / "web-screenshots")
    folder.mkdir(parents=True, exist_ok=True)
    return folder


class Journey:
    """The browser, the server's address, and the screenshots taken so far."""

    def __init__(self, driver: WebDriver, base_url: str, folder: Path) -> None:
        self.driver = driver
        self.base_url = base_url
        self.folder = folder
        self.shots = 0

    def open(self, path: str) -> None:
        self.driver.get(self.base_url + path)

    def shot(self, name: str) -> None:
        self.shots += 1
        self.driver.save_screenshot(str(self.folder / f"{self.shots:02d}-{name}.png"))

    def fill(self, field_id: str, value: str) -> None:
        field = self.driver.find_element(By.ID, field_id)
        field.clear()
        field.send_keys(value)

    def set_value(self, field_id: str, value: str) -> None:
        """For inputs whose typing differs by locale (date and time pickers)."""
        field = self.driver.find_element(By.ID, field_id)
        self.driver.execute_script("arguments[0].value = arguments[1];", field, value)

    def submit(self, form_id: str) -> None:
        click(self.driver, f"#{form_id} button[type=submit]")

    def heading(self, text: str) -> None:
        """Wait for the page whose ``h1`` says ``text`` (the one a form leads to)."""

        def shown(driver: WebDriver) -> bool:
            try:
                return text in driver.find_element(By.TAG_NAME, "h1").text
            except WebDriverException:  # the old page is being replaced: look again
                return False

        wait(self.driver).until(shown)

    def present(self, element_id: str) -> None:
        """Wait for an element of the page a form leads to."""

        def found(driver: WebDriver) -> bool:
            try:
                return bool(driver.find_elements(By.ID, element_id))
            except WebDriverException:
                return False

        wait(self.driver).until(found)

    def session_cookie(self) -> str:
        cookie = self.driver.get_cookie("clientbook_session")
        assert cookie is not None, "no session cookie"
        assert cookie["httpOnly"] is True
        assert cookie.get("sameSite") == "Lax"
        return str(cookie["value"])

    def refused(self, cookie: str) -> bool:
        """Whether the server sends a request carrying ``cookie`` to the sign-in page."""
        answer = httpx.get(
            f"{self.base_url}/", cookies={"clientbook_session": cookie}, follow_redirects=False
        )
        return answer.status_code == 303 and answer.headers["location"] == "/login"

    def sign_in(self, email: str, password: str) -> None:
        self.open("/login")
        self.fill("email", email)
        self.fill("password", password)
        self.submit("login-form")
        self.heading("Dashboard")

    def register(self, email: str, full_name: str) -> None:
        self.open("/register")
        self.fill("email", email)
        self.fill("full_name", full_name)
        self.fill("password", PASSWORD)
        self.shot("register")
        self.submit("register-form")
        self.heading("Sign in")


def test_a_whole_journey_in_the_browser(
    serve: Serve, browser: WebDriver, downloads: Path, tmp_path: Path
) -> None:
    folder = _folder(tmp_path)
    print(f"screenshots of the web journey: {folder}")
    now = datetime.now(UTC)
    january = f"{now.year}-01-15T10:00"
    soon = (now + timedelta(days=1)).strftime("%Y-%m-%dT10:30")
    with serve(1) as base_url, screenshots_on_failure(browser, tmp_path / "failure"):
        journey = Journey(browser, base_url, folder)

        # Register and sign in.
        journey.register("ada@example.com", "Ada Lovelace")
        assert "Account created" in browser.page_source
        journey.shot("sign-in")
        # Keyboard only: Tab from the top reaches the skip link, then the form's fields.
        order = []
        for _ in range(6):
            ActionChains(browser).send_keys(Keys.TAB).perform()
            active = browser.switch_to.active_element
            order.append(active.get_attribute("id") or active.get_attribute("class") or "")
        assert order[0] == "skip"
        assert order.index("email") < order.index("password")
        journey.sign_in("ada@example.com", PASSWORD)
        first_cookie = journey.session_cookie()

        # A client with two contacts.
        journey.open("/clients/new")
        journey.fill("name", CLIENT)
        journey.fill("company", "Babbage & Co")
        journey.fill("contacts-0-value", "charles@example.com")
        journey.fill("contacts-0-label", "work")
        Select(browser.find_element(By.ID, "contacts-1-kind")).select_by_value("phone")
        journey.fill("contacts-1-value", "+44 20 7946 0958")
        journey.shot("new-client")
        journey.submit("client-form")
        journey.heading(CLIENT)
        contacts = browser.find_element(By.ID, "contacts").text
        assert "charles@example.com" in contacts
        assert "+44 20 7946 0958" in contacts
        client_path = browser.current_url.removeprefix(base_url).split("?")[0]

        # Two meetings with that client: one in January, one tomorrow.
        for starts_at, revenue in ((january, "1200"), (soon, "300")):
            journey.open(client_path)
            click(browser, "a[href^='/meetings/new?client=']")
            journey.heading("Schedule a meeting")
            assert Select(browser.find_element(By.ID, "client_id")).first_selected_option.text == (
                CLIENT
            )
            journey.set_value("starts_at", starts_at)
            journey.fill("duration_minutes", "90")
            journey.fill("revenue", revenue)
            if revenue == "300":
                journey.shot("schedule-meeting")
            journey.submit("meeting-form")
            journey.heading("Meetings")
        assert "Meeting scheduled." in browser.page_source
        journey.shot("meetings")
        journey.open(client_path)
        journey.shot("client")

        # The dashboard: January's bar in the chart, tomorrow's meeting next.
        journey.open("/")
        journey.heading("Dashboard")
        chart = browser.find_element(By.CSS_SELECTOR, "svg#dashboard-revenue")
        assert chart.get_attribute("role") == "img"
        assert chart.size["width"] > 200
        bars = browser.find_elements(By.CSS_SELECTOR, "svg#dashboard-revenue .revenue-chart__bar")
        assert len(bars) == 12  # every month of the year, January's the one that is long
        assert bars[0].size["width"] > 10 * max(1, min(bar.size["width"] for bar in bars[1:]))
        drawn = chart.get_attribute("textContent") or ""
        assert "1,200.00" in drawn
        assert CLIENT in browser.find_element(By.ID, "next-meetings").text
        browser.set_window_size(1280, 1000)  # the README's picture (docs/screenshots)
        journey.shot("dashboard")
        light = browser.execute_script("return getComputedStyle(document.body).backgroundColor")
        browser.execute_cdp_cmd(
            "Emulation.setEmulatedMedia",
            {"features": [{"name": "prefers-color-scheme", "value": "dark"}]},
        )
        dark = browser.execute_script("return getComputedStyle(document.body).backgroundColor")
        assert dark != light  # the dark scheme is the page's own
        journey.shot("dashboard-dark")
        browser.execute_cdp_cmd("Emulation.setEmulatedMedia", {"features": []})
        browser.set_window_size(390, 844)
        journey.shot("dashboard-phone")
        # Readable on a phone: nothing wider than the screen, the chart scaled down.
        assert browser.execute_script(
            "return document.documentElement.scrollWidth <= window.innerWidth"
        )
        browser.set_window_size(1400, 2000)
        click(browser, "#dashboard-revenue-figure summary")
        figures = browser.find_element(By.ID, "dashboard-revenue-table").text
        assert "1,200.00" in figures

        # The revenue report, by client.
        period = f"from={now.year}-01-01&before={now.year + 1}-01-01"
        journey.open(f"/reports/revenue?{period}&by=client")
        assert CLIENT in browser.find_element(By.ID, "revenue-table").text
        journey.shot("revenue")

        # A CSV import with bad lines: each one listed by its line number.
        upload = tmp_path / "clients.csv"
        upload.write_text(IMPORT_CSV)
        journey.open("/import")
        browser.find_element(By.ID, "file").send_keys(str(upload))
        journey.submit("import-form")
        journey.present("rejected")
        rows = browser.find_elements(By.CSS_SELECTOR, "#rejected tbody tr")
        assert [row.find_element(By.CSS_SELECTOR, "td").text for row in rows] == ["3", "4"]
        assert "2 imported, 2 rejected" in browser.find_element(By.ID, "import-result").text
        journey.shot("import")

        # The export, downloaded by the browser.
        journey.open("/meetings")
        click(browser, "#export")
        export = downloads / "meetings.csv"
        deadline = time.monotonic() + 30
        while not export.exists() and time.monotonic() < deadline:
            time.sleep(0.2)
        lines = export.read_text().strip().splitlines()
        assert lines[0] == "id,client_id,client_name,starts_at,duration_minutes,revenue,notes"
        assert len(lines) == 3
        assert all(CLIENT in line for line in lines[1:])

        # A password change ends every session: the old cookie is refused at once.
        journey.open("/settings")
        journey.shot("settings")
        journey.fill("current_password", PASSWORD)
        journey.fill("password", NEW_PASSWORD)
        journey.submit("password-form")
        journey.heading("Sign in")
        assert "Password changed" in browser.page_source
        assert journey.refused(first_cookie)

        # Signed in again with the new password, then signed out: refused again.
        journey.sign_in("ada@example.com", NEW_PASSWORD)
        second_cookie = journey.session_cookie()
        assert not journey.refused(second_cookie)
        click(browser, "#sign-out")
        journey.heading("Sign in")
        assert "You are signed out." in browser.page_source
        assert journey.refused(second_cookie)

        # Someone else cannot open Ada's client.
        journey.register("bob@example.com", "Bob")
        journey.sign_in("bob@example.com", PASSWORD)
        status = httpx.get(
            base_url + client_path,
            cookies={"clientbook_session": journey.session_cookie()},
            follow_redirects=False,
        ).status_code
        assert status == 404
        journey.open(client_path)
        journey.heading("Not Found")
        assert CLIENT not in browser.page_source
        journey.shot("not-found")
    assert journey.shots >= 12


def test_the_pages_work_without_javascript(
    serve: Serve, browser_without_javascript: WebDriver, tmp_path: Path
) -> None:
    browser = browser_without_javascript
    with serve(1) as base_url, screenshots_on_failure(browser, tmp_path / "failure-no-js"):
        journey = Journey(browser, base_url, _folder(tmp_path))
        journey.open("/")
        journey.heading("Sign in")
        journey.register("nojs@example.com", "No Script")
        journey.sign_in("nojs@example.com", PASSWORD)
        journey.open("/clients/new")
        journey.fill("name", "Plain Forms Ltd")
        journey.submit("client-form")
        journey.heading("Plain Forms Ltd")
        click(browser, "a[href^='/meetings/new?client=']")
        journey.heading("Schedule a meeting")
        journey.submit("meeting-form")  # no time given: refused, the error beside the field
        journey.present("starts_at-error")
        journey.open("/clients")
        click(browser, "#clients a")
        journey.heading("Plain Forms Ltd")
        # With scripts on, this button asks first (a dialog); off, the form is just sent.
        click(browser, "section.danger button[type=submit]")
        journey.heading("Clients")
        assert "Client deleted." in browser.page_source
        click(browser, "#sign-out")
        journey.heading("Sign in")
        assert "You are signed out." in browser.page_source
