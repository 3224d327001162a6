"""Injectable time: every part takes a Clock so tests never wait on the wall clock."""

from __future__ import annotations

import asyncio
import time
from typing import Protocol

__all__ = ["Clock", "FakeClock", "SystemClock"]


class Clock(Protocol):
    """Where time comes from."""

    def now_ns(self) -> int:
        """Wall-clock time since the epoch, in nanoseconds."""
        ...

    def monotonic(self) -> float:
        """A monotonic reading in seconds, for durations and deadlines."""
        ...

    def sleep(self, seconds: float) -> None:
        """Block the current thread for ``seconds``."""
        ...

    async def asleep(self, seconds: float) -> None:
        """Suspend the current task for ``seconds``."""
        ...


class SystemClock:
    """The real clock."""

    # The C functions themselves, not methods wrapping them: deadlines, breakers and budgets
    # read the clock several times per guarded call, and a wrapper doubles each read's cost.
    now_ns = staticmethod(time.time_ns)
    monotonic = staticmethod(time.monotonic)

    def sleep(self, seconds: float) -> None:
        if seconds > 0:
            time.sleep(seconds)

    async def asleep(self, seconds: float) -> None:
        await asyncio.sleep(max(seconds, 0.0))


class FakeClock:
    """A clock that moves only when told to; sleeping advances it instantly.

    Examples:
        >>> clock = FakeClock(start_s=100.0)
        >>> clock.sleep(2.5)
        >>> clock.monotonic()
        102.5
        >>> clock.slept
        [2.5]
    """

    def __init__(self, start_s: float = 0.0) -> None:
        self._now_s = start_s
        self.slept: list[float] = []

    def advance(self, seconds: float) -> None:
        """Move time forward by ``seconds``."""
        self._now_s += seconds

    def now_ns(self) -> int:
        return int(self._now_s * 1e9)

    def monotonic(self) -> float:
        return self._now_s

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.advance(max(seconds, 0.0))

    async def asleep(self, seconds: float) -> None:
        self.sleep(seconds)


SYSTEM_CLOCK: Clock = SystemClock()
