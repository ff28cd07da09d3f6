"""Slow CSV downloads of a large book, for the tests of long requests (a unique module
name: ``tests/reliability`` is not a package)."""

from __future__ import annotations

import asyncio
import socket
from datetime import UTC, datetime, timedelta
from uuid import UUID, uuid4

import httpx

from adapters.sqlalchemy.engine import DatabaseConfig, build_engine, dispose_engine
from adapters.sqlalchemy.unit_of_work import SqlAlchemyUnitOfWork
from domain.meetings import Meeting

# About 10 MB of CSV per export: more than the kernel buffers of a loopback connection
# (up to 4 MB here), so every export keeps waiting on its reader throughout.
MEETINGS = 2500
NOTES = "Discussed the roadmap, the budget and the next steps in detail. " * 62


def p99(samples: list[float]) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]


async def seed_meetings(url: str, owner_id: UUID, count: int = MEETINGS) -> None:
    engine = build_engine(DatabaseConfig(url=url))
    now = datetime.now(UTC)
    made = [
        Meeting.schedule(
            id=uuid4(),
            owner_id=owner_id,
            client_id=None,
            starts_at=now - timedelta(hours=i),
            duration_minutes=60,
            revenue="125.50",
            notes=NOTES,
            now=now,
        )
        for i in range(count)
    ]
    try:
        async with SqlAlchemyUnitOfWork(engine) as uow:
            await uow.meetings.add_many(made)
            await uow.commit()
    finally:
        await dispose_engine(engine)


class SlowDownload:
    """A GET read through a 4 KiB receive buffer, a kilobyte at a time when asked."""

    def __init__(
        self, base_url: str, path: str, token: str, headers: dict[str, str] | None = None
    ) -> None:
        self._url = httpx.URL(base_url)
        extra = "".join(f"{name}: {value}\r\n" for name, value in (headers or {}).items())
        self._request = (
            f"GET {path} HTTP/1.1\r\nHost: {self._url.host}\r\n"
            f"Authorization: Bearer {token}\r\n{extra}Connection: close\r\n\r\n"
        ).encode()
        self.status = 0
        self.received = 0
        self.finished = False

    async def start(self) -> None:
        sock = socket.socket()
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        sock.connect((self._url.host, self._url.port or 80))
        sock.setblocking(False)
        self._reader, self._writer = await asyncio.open_connection(sock=sock, limit=4096)
        self._writer.write(self._request)
        await self._writer.drain()
        status_line = await self._reader.readline()
        self.status = int(status_line.split()[1])

    async def nibble(self) -> None:
        chunk = await self._reader.read(1024)
        self.received += len(chunk)
        self.finished = self.finished or not chunk

    def close(self) -> None:
        self._writer.transport.abort()
