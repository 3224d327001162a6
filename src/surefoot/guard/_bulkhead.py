"""Bulkheads: a cap on concurrent calls per upstream, so one slow upstream cannot take all."""

from __future__ import annotations

import asyncio
import threading

__all__ = ["Bulkhead"]


class Bulkhead:
    """At most ``max_concurrent`` calls in flight; waiting for a slot is bounded by a timeout.

    Sync callers share a counter under a lock (a condition to wait on when full); async callers
    share an asyncio semaphore per event loop. The two are limited separately, each to
    ``max_concurrent``, because a thread cannot wait on an asyncio primitive without blocking
    the loop.

    Args:
        max_concurrent: calls allowed in flight at once.
        max_wait_s: the longest a call waits for a slot; the deadline shortens it further.
    """

    def __init__(self, max_concurrent: int = 16, max_wait_s: float = 0.0) -> None:
        self.max_concurrent = max_concurrent
        self.max_wait_s = max_wait_s
        self._async: dict[asyncio.AbstractEventLoop, asyncio.Semaphore] = {}
        self._last: tuple[asyncio.AbstractEventLoop, asyncio.Semaphore] | None = None
        self._lock = threading.Lock()
        self._freed = threading.Condition(self._lock)
        self._async_in_flight = 0
        self._sync_in_flight = 0
        self._sync_waiting = 0

    @property
    def in_flight(self) -> int:
        """Calls holding a slot now."""
        return self._sync_in_flight + self._async_in_flight

    def acquire(self, timeout_s: float) -> bool:
        """Take a slot, waiting at most ``min(timeout_s, max_wait_s)``; False when full."""
        # One lock round trip when a slot is free: this runs on every guarded call, so the
        # lock is taken by hand (a with-block costs twice as much: it binds two methods).
        self._lock.acquire()
        try:
            if self._sync_in_flight >= self.max_concurrent:
                wait_s = max(min(timeout_s, self.max_wait_s), 0.0)
                if wait_s <= 0 or not self._wait_for_slot(wait_s):
                    return False
            self._sync_in_flight += 1
            return True
        finally:
            self._lock.release()

    def release(self) -> None:
        """Give a sync slot back.

        Raises:
            ValueError: no sync slot is held.
        """
        self._lock.acquire()
        try:
            if self._sync_in_flight <= 0:
                raise ValueError("Bulkhead.release() without a matching acquire()")
            self._sync_in_flight -= 1
            if self._sync_waiting:
                self._freed.notify()
        finally:
            self._lock.release()

    def _wait_for_slot(self, wait_s: float) -> bool:
        # Called with the lock held; Condition.wait releases it while waiting.
        self._sync_waiting += 1
        try:
            return self._freed.wait_for(lambda: self._sync_in_flight < self.max_concurrent, wait_s)
        finally:
            self._sync_waiting -= 1

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
        last = self._last
        if last is not None and last[0] is loop:
            return last[1]  # nearly every call: the loop of the previous one
        with self._lock:
            semaphore = self._async.get(loop)
            if semaphore is None:
                # Forget semaphores of closed loops so test suites with many loops do not leak.
                self._async = {k: v for k, v in self._async.items() if not k.is_closed()}
                semaphore = self._async[loop] = asyncio.Semaphore(self.max_concurrent)
            self._last = (loop, semaphore)
            return semaphore

    def _count(self, delta: int) -> None:
        with self._lock:
            self._async_in_flight += delta
