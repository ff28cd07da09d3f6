"""Helpers for reliability tests (a unique module name: ``tests/reliability`` is not a package).

Real server processes, and a TCP proxy that can cut the database off.

- ``launch``: ``with launch(extra_env, workers=1) as server: ...`` runs ``clientbook serve``
  (the real CLI: migrations, then uvicorn) on a free port against the test's own empty
  PostgreSQL database (or ``database_url`` given), logging JSON lines to ``server.log``.
- ``TcpProxy``: a loopback proxy on its own thread; ``cut()`` drops every connection and
  swallows new ones in silence (a dead network, not a polite refusal), ``restore()``
  forwards again.
- ``redis_url``: ``CLIENTBOOK_TEST_REDIS_URL``; skipped with a reason when unset, a
  failure when ``CLIENTBOOK_REQUIRE_REDIS=1`` (CI).
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

ROOT = Path(__file__).resolve().parents[2]
SECRET = "a-reliability-secret-shared-by-every-worker-0123456789"
STARTUP_SECONDS = 60


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class Server:
    base_url: str
    process: subprocess.Popen[bytes]
    log_path: Path

    def log_entries(self) -> list[dict[str, Any]]:
        """The JSON log lines written so far (other output, e.g. startup, is skipped)."""
        entries = []
        for line in self.log_path.read_text(errors="replace").splitlines():
            if line.startswith("{"):
                with suppress(ValueError):
                    entries.append(json.loads(line))
        return entries

    def worker_pids(self, request_ids: list[str]) -> dict[str, int]:
        """Request id -> pid of the worker that logged its access line.

        The line is written just after the response is sent, so wait (briefly) for it.
        """
        wanted = set(request_ids)
        deadline = time.monotonic() + 5
        while True:
            found = {
                e["request_id"]: int(e["pid"])
                for e in self.log_entries()
                if e.get("logger") == "clientbook.access" and e.get("request_id") in wanted
            }
            if len(found) == len(wanted) or time.monotonic() > deadline:
                return found
            time.sleep(0.05)


def _wait_until_ready(server: Server) -> None:
    deadline = time.monotonic() + STARTUP_SECONDS
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            pytest.fail(
                f"the server exited with {server.process.returncode}:\n"
                f"{server.log_path.read_text()}"
            )
        with suppress(httpx.TransportError):
            if httpx.get(f"{server.base_url}/health/ready", timeout=2).status_code == 200:
                return
        time.sleep(0.2)
    pytest.fail(f"not ready in {STARTUP_SECONDS}s:\n{server.log_path.read_text()}")


def stop(server: Server, timeout: float = 20) -> None:
    if server.process.poll() is None:
        server.process.terminate()
    try:
        server.process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(server.process.pid, signal.SIGKILL)  # the server and its workers
        server.process.wait(timeout=5)


@contextmanager
def running(
    database_url: str, tmp_path: Path, extra_env: dict[str, str], workers: int
) -> Iterator[Server]:
    port = free_port()
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("CLIENTBOOK_")},
        "CLIENTBOOK_DATABASE_URL": database_url,
        "CLIENTBOOK_SECRET_KEY": SECRET,
        "CLIENTBOOK_BCRYPT_ROUNDS": "4",
        "CLIENTBOOK_LOGIN_RATE_LIMIT": "off",
        "CLIENTBOOK_REGISTER_RATE_LIMIT": "off",
        # Races send tens of logins and registrations at once on purpose; the bounded
        # hashing queue has its own tests.
        "CLIENTBOOK_BCRYPT_QUEUE": "1000",
        "CLIENTBOOK_BCRYPT_QUEUE_PER_ADDRESS": "1000",
        "CLIENTBOOK_LOG_FORMAT": "json",
        "CLIENTBOOK_LOG_LEVEL": "INFO",
        "PYTHONPATH": str(ROOT),
        **extra_env,
    }
    log_path = tmp_path / f"server-{port}.log"
    command = [sys.executable, "-m", "entrypoints.cli", "serve", "--host", "127.0.0.1"]
    command += ["--port", str(port), "--workers", str(workers)]
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            command,
            cwd=ROOT,
            env=env,
            start_new_session=True,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        server = Server(f"http://127.0.0.1:{port}", process, log_path)
        try:
            _wait_until_ready(server)
            yield server
        finally:
            stop(server)


class TcpProxy:
    """Forward 127.0.0.1:<port> to a target, with a switch to cut the line."""

    def __init__(self, target_host: str, target_port: int) -> None:
        self.target = (target_host, target_port)
        self.port = free_port()
        self._cut = False
        self._loop = asyncio.new_event_loop()
        self._writers: set[asyncio.StreamWriter] = set()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)
        self._server: asyncio.base_events.Server | None = None

    def start(self) -> None:
        self._thread.start()
        self._server = self._call(asyncio.start_server(self._accept, "127.0.0.1", self.port))

    def close(self) -> None:
        async def shutdown() -> None:
            assert self._server is not None
            self._server.close()
            self._drop_all()

        self._call(shutdown())
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=5)
        self._loop.close()

    def cut(self) -> None:
        """Drop every open connection; new ones are accepted and then ignored."""

        async def do() -> None:
            self._cut = True
            self._drop_all()

        self._call(do())

    def restore(self) -> None:
        async def do() -> None:
            self._cut = False
            self._drop_all()  # the swallowed connections give up, as after a real outage

        self._call(do())

    def _call(self, coroutine: Any) -> Any:
        return asyncio.run_coroutine_threadsafe(coroutine, self._loop).result(timeout=10)

    def _drop_all(self) -> None:
        for writer in list(self._writers):
            writer.transport.abort()
        self._writers.clear()

    async def _accept(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self._writers.add(writer)
        if self._cut:
            return  # a black hole: the client waits for an answer that never comes
        try:
            up_reader, up_writer = await asyncio.open_connection(*self.target)
        except OSError:
            writer.transport.abort()
            return
        self._writers.add(up_writer)
        await asyncio.gather(
            self._pipe(reader, up_writer), self._pipe(up_reader, writer), return_exceptions=True
        )

    async def _pipe(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while data := await reader.read(65536):
                writer.write(data)
                await writer.drain()
        finally:
            writer.transport.abort()
            self._writers.discard(writer)


Launch = Callable[..., AbstractContextManager[Server]]


# -- floods ------------------------------------------------------------------------------

# ``connections`` connections posting {email, password} to ``path`` back to back for
# ``seconds``, each sending its next request as soon as the last is answered (a 503 again
# at once, as wrk does), connection n from the n-th of the comma-separated ``sources``
# (round robin); with ``email`` "-", every request a fresh one. Prints the count of each
# status as JSON.
FLOOD = """
import asyncio, json, sys, time
import httpx

base_url, path, flooders, seconds, sources, password, email = sys.argv[1:]
sources = sources.split(",")

async def main():
    statuses = {}
    deadline = time.monotonic() + float(seconds)
    limits = httpx.Limits(max_connections=int(flooders))
    async with httpx.AsyncClient(base_url=base_url, timeout=30, limits=limits) as client:
        async def flooder(n):
            i = 0
            headers = {"X-Forwarded-For": sources[n % len(sources)]}
            while time.monotonic() < deadline:
                i += 1
                sent = f"flood-{n}-{i}@example.com" if email == "-" else email
                body = {"email": sent, "password": password}
                response = await client.post(path, json=body, headers=headers)
                statuses[response.status_code] = statuses.get(response.status_code, 0) + 1
        await asyncio.gather(*(flooder(n) for n in range(int(flooders))))
    print(json.dumps(statuses))

asyncio.run(main())
"""


def start_flood(
    server: Server,
    path: str,
    connections: int,
    seconds: float,
    sources: str,
    password: str,
    email: str = "-",
) -> subprocess.Popen[str]:
    """Run ``FLOOD`` in a process of its own, so that its client-side work does not delay
    the measuring test's own event loop."""
    argv = [server.base_url, path, str(connections), str(seconds), sources, password, email]
    return subprocess.Popen(
        [sys.executable, "-c", FLOOD, *argv],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def flood_statuses(flood: subprocess.Popen[str]) -> dict[int, int]:
    """Wait for a flood to end; the count of each status it got."""
    try:
        out, err = flood.communicate(timeout=60)
    finally:
        if flood.poll() is None:
            flood.kill()
            flood.wait()
    assert flood.returncode == 0, err
    return {int(code): count for code, count in json.loads(out).items()}


def p99(samples: list[float]) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]


def post_as(server: Server, path: str, body: dict[str, str], address: str) -> httpx.Response:
    """POST ``body`` from ``address`` (as X-Forwarded-For, which uvicorn trusts from
    loopback)."""
    return httpx.post(
        f"{server.base_url}{path}", json=body, headers={"X-Forwarded-For": address}, timeout=30
    )


def register(server: Server, user: dict[str, str], address: str = "198.51.100.7") -> None:
    registered = post_as(server, "/api/v1/auth/register", user, address)
    assert registered.status_code == 201, registered.text
