"""Work the server does in the background while it runs: purges and reconciliations.

Each job is a coroutine function (store work inside it runs in a worker thread) run every
``interval_s`` by :class:`Periodic`, started and cancelled by the app's lifespan. A failing run
never stops the loop: the store may be down for a while, and the next run tries again. The
first failure of a streak is logged, the rest only counted, so a long outage does not flood
the log.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import TYPE_CHECKING

from surefoot.core.errors import SurefootError

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable

    from surefoot.store import IdempotencyKeys

__all__ = [
    "MAX_PURGE_BATCHES",
    "BackgroundJobs",
    "Periodic",
    "apurge_idempotency",
    "purge_idempotency",
]

logger = logging.getLogger("surefoot.server")
# Per run: a huge backlog is worked off over several runs rather than in one long burst.
MAX_PURGE_BATCHES = 100


async def apurge_idempotency(
    keys: IdempotencyKeys, *, batch: int, max_batches: int = MAX_PURGE_BATCHES
) -> int:
    """:func:`purge_idempotency` in a worker thread."""
    return await asyncio.to_thread(purge_idempotency, keys, batch=batch, max_batches=max_batches)


def purge_idempotency(
    keys: IdempotencyKeys, *, batch: int, max_batches: int = MAX_PURGE_BATCHES
) -> int:
    """Delete expired idempotency rows in batches of ``batch``; returns how many went.

    Stops at the first short batch (nothing is left) or after ``max_batches`` batches.
    """
    total = 0
    for _ in range(max_batches):
        deleted = keys.purge_expired(limit=batch)
        total += deleted
        if deleted < batch:
            break
    return total


class Periodic:
    """Runs ``work`` every ``interval_s`` seconds until cancelled.

    Args:
        name: what the job is, for the log.
        interval_s: seconds between the end of one run and the start of the next.
        work: the job, a coroutine function; its result is passed to ``on_done``.
        on_done: called on the event loop with each successful run's result.
        on_error: called with each failure (counting it); the loop goes on.
        sleep: the async sleep between runs (tests inject a fake clock's).
    """

    def __init__(
        self,
        name: str,
        interval_s: float,
        work: Callable[[], Awaitable[object]],
        *,
        on_done: Callable[[object], None] | None = None,
        on_error: Callable[[BaseException], None] | None = None,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self.name = name
        self.interval_s = interval_s
        self.work = work
        self.on_done = on_done
        self.on_error = on_error
        self.sleep = sleep
        self.runs = 0
        self.failures = 0
        self._failing = False

    async def run_once(self) -> None:
        """Run the job once; a failure is logged (once per streak) and counted, not raised."""
        try:
            result = await self.work()
        except (SurefootError, OSError) as exc:
            self.failures += 1
            if not self._failing:
                logger.warning("surefoot: %s failed, retrying every %.0f s: %s",
                               self.name, self.interval_s, exc)  # fmt: skip
            self._failing = True
            if self.on_error is not None:
                self.on_error(exc)
            return
        self.runs += 1
        self._failing = False
        if self.on_done is not None:
            self.on_done(result)

    async def run(self) -> None:
        """Sleep, run, repeat, until the task is cancelled."""
        while True:
            await self.sleep(self.interval_s)
            await self.run_once()


class BackgroundJobs:
    """The periodic jobs of one app, started by its lifespan and cancelled when it stops."""

    def __init__(self) -> None:
        self.jobs: list[Periodic] = []
        self._tasks: list[asyncio.Task[None]] = []

    def add(self, job: Periodic) -> None:
        """Schedule ``job`` with the others."""
        self.jobs.append(job)

    def start(self) -> None:
        """Start every job on the running event loop."""
        self._tasks = [asyncio.create_task(job.run(), name=job.name) for job in self.jobs]

    async def stop(self) -> None:
        """Cancel every job and wait until each has stopped."""
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        self._tasks = []
