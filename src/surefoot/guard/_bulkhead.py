"""Bulkheads: a cap on concurrent calls per upstream, so one slow upstream cannot take all."""

from __future__ import annotations

import asyncio
import threading

__all__ = ["Bulkhead"]


class Bulkhead:
    """At most ``max_concurrent`` calls in flight; waiting for a slot is bounded by a timeout.

    Sync callers share a thread semaphore; async callers share an asyncio semaphore per event
    loop. The two are limited separately, each to ``max_concurrent``, because a thread cannot
    wait on an asyncio primitive without blocking the loop.

    Args:
        max_concurrent: calls allowed in flight at once.
        max_wait_s: the longest a call waits for a slot; the deadline shortens it further.
    """

    def __init__(self, max_concurrent: int = 16, max_wait_s: float = 0.0) -> None:
        self.max_concurrent = max_concurrent
        self.max_wait_s = max_wait_s
        self._sync = threading.BoundedSemaphore(max_concurrent)
        self._async: dict[asyncio.AbstractEventLoop, asyncio.Semaphore] = {}
        self._lock = threading.Lock()
        self._in_flight = 0

    @property
    def in_flight(self) -> int:
        """Calls holding a slot now."""
        return self._in_flight

    def acquire(self, timeout_s: float) -> bool:
        """Take a slot, waiting at most ``min(timeout_s, max_wait_s)``; False when full."""
        wait_s = max(min(timeout_s, self.max_wait_s), 0.0)
        ok = self._sync.acquire(timeout=wait_s) if wait_s > 0 else self._sync.acquire(False)
        if ok:
            self._count(1)
        return ok

    def release(self) -> None:
        """Give a sync slot back."""
        self._count(-1)
        self._sync.release()

    async def aacquire(self, timeout_s: float) -> bool:
        """Take an async slot, waiting at most ``min(timeout_s, max_wait_s)``; False when full."""
        semaphore = self._semaphore()
        wait_s = max(min(timeout_s, self.max_wait_s), 0.0)
        if semaphore.locked() and wait_s == 0:
            return False
        try:
            await asyncio.wait_for(semaphore.acquire(), timeout=wait_s or None)
        except TimeoutError:
            return False
        self._count(1)
        return True

    def arelease(self) -> None:
        """Give an async slot back."""
        self._count(-1)
        self._semaphore().release()

    def _semaphore(self) -> asyncio.Semaphore:
        loop = asyncio.get_running_loop()
        with self._lock:
            semaphore = self._async.get(loop)
            if semaphore is None:
                # Forget semaphores of closed loops so test suites with many loops do not leak.
                self._async = {k: v for k, v in self._async.items() if not k.is_closed()}
                semaphore = self._async[loop] = asyncio.Semaphore(self.max_concurrent)
            return semaphore

    def _count(self, delta: int) -> None:
        with self._lock:
            self._in_flight += delta
