"""A real server process: ``python -m entrypoints.http`` (migrations, then uvicorn), and a
real browser to point at it (``browser``: Debian's chromium through Selenium, headless,
downloading into ``downloads``; see ``browser_helpers``).

Each test gets its own empty PostgreSQL database (the root conftest's
``fresh_postgres_database``), which the server migrates on start. Without
``CLIENTBOOK_TEST_POSTGRES_URL`` the tests skip, unless ``CLIENTBOOK_REQUIRE_POSTGRES=1``
(CI), where a missing server is a failure.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path

import httpx
import pytest
from browser_helpers import browser_binaries
from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.remote.webdriver import WebDriver

ROOT = Path(__file__).resolve().parents[2]
SECRET = "an-e2e-secret-shared-by-every-worker-0123456789abcdef"
STARTUP_SECONDS = 60


@pytest.fixture
def database_url(fresh_postgres_database: str) -> str:
    """An empty database of the test's own: the server under test migrates it."""
    return fresh_postgres_database


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def _server(database_url: str, tmp_path: Path, workers: int) -> Iterator[str]:
    port = _free_port()
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("CLIENTBOOK_")},
        "CLIENTBOOK_DATABASE_URL": database_url,
        "CLIENTBOOK_SECRET_KEY": SECRET,
        "CLIENTBOOK_BCRYPT_ROUNDS": "4",
        "CLIENTBOOK_LOGIN_RATE_LIMIT": "off",
        "CLIENTBOOK_REGISTER_RATE_LIMIT": "off",
        "CLIENTBOOK_BCRYPT_QUEUE": "1000",
        "CLIENTBOOK_BCRYPT_QUEUE_PER_ADDRESS": "1000",
        "CLIENTBOOK_LOG_LEVEL": "WARNING",
    }
    log_path = tmp_path / "server.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "entrypoints.http",
                "--host",
                "127.0.0.1",
                "--port",
                str(port),
                "--workers",
                str(workers),
            ],
            cwd=ROOT,
            start_new_session=True,
            env={**env, "PYTHONPATH": str(ROOT)},
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        base_url = f"http://127.0.0.1:{port}"
        try:
            _wait_until_ready(base_url, process, log_path)
            yield base_url
        finally:
            process.terminate()
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)  # the server and its workers
                process.wait(timeout=5)


def _wait_until_ready(base_url: str, process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + STARTUP_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"the server exited with {process.returncode}:\n{log.read_text()}")
        try:
            if httpx.get(f"{base_url}/health/ready", timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    pytest.fail(f"the server did not become ready in {STARTUP_SECONDS}s:\n{log.read_text()}")


@pytest.fixture
def serve(database_url: str, tmp_path: Path) -> Callable[[int], AbstractContextManager[str]]:
    """``with serve(workers) as base_url: ...`` runs the server for the block."""

    def start(workers: int = 1) -> AbstractContextManager[str]:
        return _server(database_url, tmp_path, workers)

    return start


@pytest.fixture
def downloads(tmp_path: Path) -> Path:
    """Where the browser saves what it downloads."""
    folder = tmp_path / "downloads"
    folder.mkdir()
    return folder


def _chrome(tmp_path: Path, downloads: Path, *, javascript: bool = True) -> WebDriver:
    binary, driver_path = browser_binaries()
    options = webdriver.ChromeOptions()
    options.binary_location = binary
    for argument in (
        "--headless=new",
        "--no-sandbox",  # CI runs as root
        "--disable-dev-shm-usage",
        "--disable-gpu",
        "--window-size=1400,2000",
        f"--user-data-dir={tmp_path / ('profile' if javascript else 'profile-no-js')}",
    ):
        options.add_argument(argument)
    prefs: dict[str, object] = {
        "download.default_directory": str(downloads),
        "download.prompt_for_download": False,
    }
    if not javascript:
        prefs["profile.managed_default_content_settings.javascript"] = 2
    options.add_experimental_option("prefs", prefs)
    # An explicit driver: Selenium Manager would try to download one.
    return webdriver.Chrome(service=Service(executable_path=driver_path), options=options)


@pytest.fixture
def browser(tmp_path: Path, downloads: Path) -> Iterator[WebDriver]:
    driver = _chrome(tmp_path, downloads)
    try:
        yield driver
    finally:
        driver.quit()


@pytest.fixture
def browser_without_javascript(tmp_path: Path, downloads: Path) -> Iterator[WebDriver]:
    """The same browser with JavaScript switched off (the web app must not need it)."""
    driver = _chrome(tmp_path, downloads, javascript=False)
    try:
        yield driver
    finally:
        driver.quit()
