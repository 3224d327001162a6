"""A per-key rate limit that holds across every replica sharing one store.

The request path never waits on the store. Each replica admits a request against what it
knows: the shared count of the key's current and previous windows as of its last sync, plus
what it admitted itself since. In the background, every ``sync_s``, it reports its own
admissions and reads back the shared counts (:meth:`SharedRateLimit.sync`), in one short
transaction covering all active keys.

The count is a sliding window estimated from two fixed ones (the previous window's count
weighted by the part of it still inside the sliding window, plus the current one), so the
limit does not double at a window boundary.

Precision given up for the store-free hot path: a replica does not see what the others admitted
since their last report, so over one window a key may be admitted up to ``limit`` plus what the
*other* replicas admitted in one sync interval (at most ``(replicas - 1) x rate x sync_s``
extra, and never more than each replica's own token bucket allows). With the store down, each
replica keeps enforcing what it knows and its own bucket, and catches up when the store returns.
"""

from __future__ import annotations

import asyncio
import math
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Callable

    from surefoot.store import RateLimitCounters
    from surefoot.store._rate_limits import WindowKey

__all__ = ["SharedRateLimit"]

# Windows older than the previous one never count again; their rows go every so many syncs.
_PURGE_EVERY_SYNCS = 64


class SharedRateLimit:
    """``limit`` requests per key per sliding ``window_s``, counted across replicas.

    Args:
        limit: requests allowed per key in any window of ``window_s`` seconds.
        window_s: the window's length; every replica must use the same.
        now_s: wall-clock seconds (windows must agree across hosts; tests inject a fake).
    """

    def __init__(self, limit: float, window_s: float, now_s: Callable[[], float]) -> None:
        self.limit = limit
        self.window_s = window_s
        self.now_s = now_s
        self._known: dict[WindowKey, int] = {}  # shared totals as of the last sync
        self._pending: dict[WindowKey, int] = {}  # admitted here since the last report
        self._syncs = 0

    def take(self, key_id: str) -> float:
        """Admit one request of ``key_id``: 0 when allowed, else seconds until it would be."""
        position = self.now_s() / self.window_s
        window = math.floor(position)
        elapsed = position - window  # fraction of the current window gone
        current = self._used((key_id, window))
        previous = self._used((key_id, window - 1))
        if previous * (1.0 - elapsed) + current + 1 <= self.limit:
            pair = (key_id, window)
            self._pending[pair] = self._pending.get(pair, 0) + 1
            return 0.0
        return self._wait_s(current, previous, elapsed)

    def _used(self, pair: WindowKey) -> int:
        return self._known.get(pair, 0) + self._pending.get(pair, 0)

    def _wait_s(self, current: int, previous: int, elapsed: float) -> float:
        room = self.limit - 1
        if current > room:
            # Not before the next window, and then only once this window's weight has decayed.
            decay = 1.0 - room / current if current > 0 else 0.0
            return ((1.0 - elapsed) + max(0.0, decay)) * self.window_s
        needed = 1.0 - (room - current) / previous if previous > 0 else elapsed
        return max(needed - elapsed, 0.0) * self.window_s

    async def sync(self, counters: RateLimitCounters) -> int:
        """Report local admissions and learn the shared counts; returns the keys synced.

        A failed report keeps its counts pending, to be reported by the next sync.
        """
        deltas, self._pending = self._pending, {}
        window = math.floor(self.now_s() / self.window_s)
        keys = {key for key, w in (*deltas, *self._known) if w >= window - 1}
        reads = [(key, w) for key in keys for w in (window - 1, window)]
        try:
            totals = await asyncio.to_thread(counters.report, deltas, reads)
        except BaseException:
            for pair, hits in deltas.items():
                self._pending[pair] = self._pending.get(pair, 0) + hits
            raise
        self._known = {pair: hits for pair, hits in totals.items() if pair[1] >= window - 1}
        self._syncs += 1
        if self._syncs % _PURGE_EVERY_SYNCS == 0:
            await asyncio.to_thread(counters.purge, window - 1)
        return len(keys)
