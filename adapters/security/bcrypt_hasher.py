"""bcrypt password hashing, always off the event loop."""

from __future__ import annotations

import asyncio
import contextlib
import os
import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any, TypeVar

import bcrypt

from domain.errors import ServiceBusy
from domain.ports import PasswordHasher
from domain.values import PASSWORD_MAX_BYTES, PlainPassword

T = TypeVar("T")


class BcryptPasswordHasher(PasswordHasher):
    """Hashes and verifies in a worker thread (bcrypt releases the GIL while it works).

    A dedicated pool sized to the machine keeps a login flood from queueing behind, or
    starving, the default executor that other blocking work shares. Its queue is
    bounded: with every thread busy and ``max_waiting`` hashes waiting, another one is
    refused at once with ``ServiceBusy`` (a 503 with ``Retry-After``), rather than
    waiting seconds behind a flood.
    """

    def __init__(self, rounds: int = 12, workers: int | None = None, max_waiting: int = 8) -> None:
        self._rounds = rounds
        threads = workers or os.cpu_count() or 1
        # One thread per core, each below the event loop's priority: a login flood uses
        # every idle cycle, yet the loop runs first when it has a request to serve.
        self._pool = ThreadPoolExecutor(
            max_workers=threads,
            thread_name_prefix="bcrypt",
            initializer=_below_the_event_loop,
        )
        self._capacity = threads + max_waiting
        # Hashes submitted and not finished, counted down by the pool's threads when one
        # finishes (not when its caller stops waiting: a cancelled wait still holds a thread).
        self._pending = 0
        self._lock = threading.Lock()
        self._dummy_hash: bytes | None = None

    @property
    def pending(self) -> int:
        """Hashes running or waiting."""
        return self._pending

    async def _run(self, fn: Callable[..., T], *args: object) -> T:
        with self._lock:
            if self._pending >= self._capacity:
                raise ServiceBusy(retry_after_seconds=1)
            self._pending += 1
        try:
            future = self._pool.submit(fn, *args)
        except BaseException:
            self._finished(None)
            raise
        future.add_done_callback(self._finished)
        return await asyncio.wrap_future(future)

    def _finished(self, _future: Future[Any] | None) -> None:
        with self._lock:
            self._pending -= 1

    async def hash(self, password: PlainPassword) -> str:
        salt = bcrypt.gensalt(self._rounds)
        digest: bytes = await self._run(bcrypt.hashpw, password.value.encode("utf-8"), salt)
        return digest.decode("ascii")

    async def verify(self, password: str, password_hash: str) -> bool:
        encoded = password.encode("utf-8")
        if len(encoded) > PASSWORD_MAX_BYTES:
            return False  # no stored password can be this long; bcrypt would refuse it
        try:
            return bool(await self._run(bcrypt.checkpw, encoded, password_hash.encode("ascii")))
        except ValueError:  # a malformed stored hash never matches
            return False

    async def verify_dummy(self, password: str) -> None:
        if self._dummy_hash is None:
            self._dummy_hash = await self._run(
                bcrypt.hashpw, b"clientbook-timing-equaliser", bcrypt.gensalt(self._rounds)
            )
        encoded = password.encode("utf-8")[:PASSWORD_MAX_BYTES]
        await self._run(bcrypt.checkpw, encoded, self._dummy_hash)

    def close(self) -> None:
        self._pool.shutdown(wait=False, cancel_futures=True)


def _below_the_event_loop() -> None:
    """Lower this hashing thread's CPU priority (Linux: per thread; skipped elsewhere)."""
    with contextlib.suppress(AttributeError, OSError):
        os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), 10)
