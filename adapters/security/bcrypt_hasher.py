"""bcrypt password hashing, always off the event loop, shared fairly between callers."""

from __future__ import annotations

import asyncio
import contextlib
import heapq
import itertools
import math
import os
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any, TypeVar

import bcrypt

from domain.errors import ServiceBusy
from domain.ports import PasswordHasher
from domain.values import PASSWORD_MAX_BYTES, PlainPassword

T = TypeVar("T")

# How fast a source's recent demand for hashing (its attempts, admitted or refused) is
# forgotten (its half-life), and how many sources are remembered (the least recently
# seen are forgotten first).
USAGE_HALF_LIFE_SECONDS = 10.0
USAGE_SOURCES = 10_000
# What a refusal tells its caller to wait before asking again (``Retry-After``).
RETRY_AFTER_SECONDS = 1


class RecentUse:
    """Attempts per source, decaying by half every ``half_life`` seconds; for at most
    ``capacity`` sources, in bounded memory."""

    def __init__(
        self,
        half_life: float = USAGE_HALF_LIFE_SECONDS,
        capacity: int = USAGE_SOURCES,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self._rate = math.log(2) / half_life
        self._capacity = capacity
        self._now = monotonic
        self._use: OrderedDict[str, tuple[float, float]] = OrderedDict()

    def __len__(self) -> int:
        return len(self._use)

    def of(self, source: str) -> float:
        entry = self._use.get(source)
        if entry is None:
            return 0.0
        value, at = entry
        return value * math.exp(-self._rate * (self._now() - at))

    def add(self, source: str) -> None:
        value = self.of(source) + 1.0
        self._use[source] = (value, self._now())
        self._use.move_to_end(source)
        if len(self._use) > self._capacity:
            self._use.popitem(last=False)


@dataclass(order=True)
class _Job:
    # Served lightest first: the source's recent use when the job arrived, then arrival.
    use: float
    seq: int
    source: str = field(compare=False)
    fn: Callable[..., Any] = field(compare=False)
    args: tuple[object, ...] = field(compare=False)
    future: Future[Any] = field(compare=False)


@dataclass(eq=False)
class _Retry:
    """An early retry held on the event loop until a place frees for its source."""

    source: str
    woken: asyncio.Future[None]


class BcryptPasswordHasher(PasswordHasher):
    """Hashes and verifies in worker threads (bcrypt releases the GIL while it works),
    one per core, with a bounded and fair queue in front of them.

    - A dedicated pool keeps a login flood from queueing behind, or starving, the
      default executor that other blocking work shares.
    - At most ``max_waiting`` hashes wait for a thread; one source (a client address,
      or a signed-in user) holds at most ``per_source`` of the running and waiting ones.
      Beyond either, a hash is refused at once with ``ServiceBusy`` (a 503 with
      ``Retry-After``) rather than waiting seconds behind a flood.
    - Waiting hashes are served lightest source first: the source that asked least
      lately (its attempts, admitted or refused, halving every ten seconds). When the
      queue is full,
      a newcomer lighter than the heaviest waiting source takes the place of that
      source's newest hash, which is refused instead. So a flood, from one address or
      many, refuses itself: a caller who has not been hashing lately is admitted and
      served next, behind only the hashes already running (ADR 0026).
    - A source refused lately that asks again before its ``Retry-After`` has lapsed (a
      client that resends at once) is not refused again at once: its retry is held,
      costing no CPU, until a place frees for its source or the ``Retry-After`` lapses,
      then tried again; at most ``held_retries`` at a time, beyond which they are
      refused at once. So a flood that ignores ``Retry-After`` asks about once per
      ``Retry-After`` per connection instead of as fast as the event loop answers, which
      left the hashing threads, below the loop's priority, no CPU (ADR 0027).
    """

    def __init__(
        self,
        rounds: int = 12,
        workers: int | None = None,
        max_waiting: int = 8,
        per_source: int = 4,
        usage: RecentUse | None = None,
        held_retries: int = 0,
        retry_after: int = RETRY_AFTER_SECONDS,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        if per_source < 1 or max_waiting < 0 or held_retries < 0:
            raise ValueError("a source needs at least one slot")
        self._rounds = rounds
        self._threads = workers or os.cpu_count() or 1
        # One thread per core, each below the event loop's priority: a login flood uses
        # every idle cycle, yet the loop runs first when it has a request to serve.
        self._pool = ThreadPoolExecutor(
            max_workers=self._threads,
            thread_name_prefix="bcrypt",
            initializer=_below_the_event_loop,
        )
        self._max_waiting = max_waiting
        self._per_source = per_source
        self._usage = usage or RecentUse()
        self._lock = threading.Lock()
        # Hashes running, counted down by the pool's threads when one finishes (not when
        # its caller stops waiting: a cancelled wait still holds a thread).
        self._running = 0
        self._waiting: list[_Job] = []  # a heap, lightest first
        self._held: dict[str, int] = {}  # running or waiting, per source
        self._seq = itertools.count()
        self._dummy_hash: bytes | None = None
        # Early retries (ADR 0027), touched on the event loop only: when each source's
        # last refusal lapses (oldest first, at most USAGE_SOURCES), the retries held.
        self._now = monotonic
        self._retry_after = retry_after
        self._max_retries = held_retries
        self._refused_until: OrderedDict[str, float] = OrderedDict()
        self._retries: list[_Retry] = []
        self._loop: asyncio.AbstractEventLoop | None = None

    @property
    def pending(self) -> int:
        """Hashes running or waiting."""
        return self._running + len(self._waiting)

    def held_by(self, source: str | None) -> int:
        return self._held.get(_source(source), 0)

    @property
    def retries_held(self) -> int:
        """Early retries waiting, on the event loop, for a place or their deadline."""
        return len(self._retries)

    async def _run(self, source: str | None, fn: Callable[..., T], *args: object) -> T:
        key = _source(source)
        # A retry before the source's last Retry-After lapsed is held until then at most.
        until = self._refused_until.get(key, 0.0)
        while True:
            future: Future[T] = Future()
            try:
                self._admit(key, fn, args, future)
            except ServiceBusy:
                if await self._hold(key, until):
                    continue  # a place freed, or the deadline came: ask once more
                self._refused(key)
                raise
            try:
                return await asyncio.wrap_future(future)
            except ServiceBusy:  # displaced from the queue by a lighter source
                self._refused(key)
                raise

    def _refused(self, source: str) -> None:
        """Remember until when ``source`` was told to wait (oldest deadlines first)."""
        now = self._now()
        self._refused_until[source] = now + self._retry_after
        self._refused_until.move_to_end(source)
        while self._refused_until:
            oldest, until = next(iter(self._refused_until.items()))
            if until > now and len(self._refused_until) <= USAGE_SOURCES:
                break
            del self._refused_until[oldest]

    async def _hold(self, source: str, until: float) -> bool:
        """Hold a refused early retry until a place frees for ``source`` or ``until``;
        ``False`` at once if it is not early, already past ``until``, or as many retries
        are held as allowed (then it is refused as before)."""
        remaining = until - self._now()
        if remaining <= 0 or len(self._retries) >= self._max_retries:
            return False
        self._loop = asyncio.get_running_loop()
        retry = _Retry(source, self._loop.create_future())
        self._retries.append(retry)
        try:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(retry.woken, remaining)
        finally:
            self._retries.remove(retry)
        return True

    def _wake(self) -> None:
        """On the event loop, when a hash has finished: wake the oldest held retry whose
        source may take the place it left."""
        with self._lock:
            if self._running >= self._threads and len(self._waiting) >= self._max_waiting:
                return
            for retry in self._retries:
                if not retry.woken.done() and self._held.get(retry.source, 0) < self._per_source:
                    retry.woken.set_result(None)
                    return

    def _place_freed(self) -> None:
        """From a hashing thread: let a held retry try for the place (ADR 0027)."""
        loop = self._loop
        if loop is not None and self._retries:
            with contextlib.suppress(RuntimeError):  # the loop has closed
                loop.call_soon_threadsafe(self._wake)

    def _admit(
        self, source: str, fn: Callable[..., Any], args: tuple[object, ...], future: Future[Any]
    ) -> None:
        with self._lock:
            # Every attempt counts, refused or not: a source that keeps knocking is heavy.
            use = self._usage.of(source)
            self._usage.add(source)
            if self._held.get(source, 0) >= self._per_source:
                raise ServiceBusy(retry_after_seconds=self._retry_after)
            job = _Job(use, next(self._seq), source, fn, args, future)
            if self._running < self._threads:
                self._take(job)
                self._start(job)
                return
            if len(self._waiting) >= self._max_waiting:
                # The newest hash of the other source that has asked most, if that is
                # more than the newcomer had asked before this attempt, by half an
                # attempt: two callers of one attempt each never displace each other as
                # the older attempt decays. A source never displaces its own.
                asked = {w.source: self._usage.of(w.source) for w in self._waiting}
                heaviest = max(
                    (waiting for waiting in self._waiting if waiting.source != source),
                    key=lambda waiting: (asked[waiting.source], waiting.seq),
                    default=None,
                )
                if heaviest is None or asked[heaviest.source] <= use + 0.5:
                    raise ServiceBusy(retry_after_seconds=self._retry_after)
                self._waiting.remove(heaviest)
                heapq.heapify(self._waiting)
                self._give_back(heaviest)
                if heaviest.future.set_running_or_notify_cancel():
                    heaviest.future.set_exception(
                        ServiceBusy(retry_after_seconds=self._retry_after)
                    )
            self._take(job)
            heapq.heappush(self._waiting, job)
        future.add_done_callback(lambda done: self._abandoned(job, done))

    def _take(self, job: _Job) -> None:
        self._held[job.source] = self._held.get(job.source, 0) + 1

    def _give_back(self, job: _Job) -> None:
        left = self._held[job.source] - 1
        if left:
            self._held[job.source] = left
        else:
            del self._held[job.source]

    def _start(self, job: _Job) -> None:
        """Hand ``job`` to a thread (the lock is held)."""
        self._running += 1
        try:
            self._pool.submit(self._work, job)
        except BaseException:
            self._running -= 1
            self._give_back(job)
            raise

    def _work(self, job: _Job) -> None:
        if not job.future.set_running_or_notify_cancel():
            self._done(job)
            return
        try:
            result = job.fn(*job.args)
        except BaseException as error:
            self._done(job)
            job.future.set_exception(error)
        else:
            # Counted out before the caller hears back, so that what it sees next (a
            # retry, the pending count) no longer includes this hash.
            self._done(job)
            job.future.set_result(result)

    def _done(self, job: _Job) -> None:
        with self._lock:
            self._running -= 1
            self._give_back(job)
            while self._waiting:
                following = heapq.heappop(self._waiting)
                if following.future.cancelled():  # abandoned as it was taken out
                    self._give_back(following)
                    continue
                self._start(following)
                break
        self._place_freed()

    def _abandoned(self, job: _Job, done: Future[Any]) -> None:
        """A waiting hash whose caller gave up leaves the queue at once."""
        if not done.cancelled():
            return
        with self._lock:
            if job in self._waiting:
                self._waiting.remove(job)
                heapq.heapify(self._waiting)
                self._give_back(job)

    async def hash(self, password: PlainPassword, *, source: str | None = None) -> str:
        salt = bcrypt.gensalt(self._rounds)
        encoded = password.value.encode("utf-8")
        digest: bytes = await self._run(source, bcrypt.hashpw, encoded, salt)
        return digest.decode("ascii")

    async def verify(self, password: str, password_hash: str, *, source: str | None = None) -> bool:
        encoded = password.encode("utf-8")
        if len(encoded) > PASSWORD_MAX_BYTES:
            return False  # no stored password can be this long; bcrypt would refuse it
        try:
            stored = password_hash.encode("ascii")
            return bool(await self._run(source, bcrypt.checkpw, encoded, stored))
        except ValueError:  # a malformed stored hash never matches
            return False

    async def verify_dummy(self, password: str, *, source: str | None = None) -> None:
        if self._dummy_hash is None:
            self._dummy_hash = await self._run(
                source, bcrypt.hashpw, b"clientbook-timing-equaliser", bcrypt.gensalt(self._rounds)
            )
        encoded = password.encode("utf-8")[:PASSWORD_MAX_BYTES]
        await self._run(source, bcrypt.checkpw, encoded, self._dummy_hash)

    def close(self) -> None:
        self._pool.shutdown(wait=False, cancel_futures=True)


def _source(source: str | None) -> str:
    return "operator" if source is None else f"caller:{source}"


def _below_the_event_loop() -> None:
    """Lower this hashing thread's CPU priority (Linux: per thread; skipped elsewhere)."""
    with contextlib.suppress(AttributeError, OSError):
        os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), 10)
