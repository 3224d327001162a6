"""Per-key request counters shared by gateway replicas, one row per key per time window.

Replicas never touch these rows on the request path: each counts locally and reports its counts
in the background (:meth:`RateLimitCounters.report`), learning in the same transaction what every
replica has reported, so that all of them converge on one count per key and window.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sqlalchemy import delete, select, tuple_

from surefoot.store._engine import upsert
from surefoot.store._repository import Repository
from surefoot.store._schema_gateway import rate_limit_windows

if TYPE_CHECKING:
    from collections.abc import Collection, Mapping

__all__ = ["RateLimitCounters", "WindowKey"]

_T = rate_limit_windows
WindowKey = tuple[str, int]  # (API key id, window index)


class RateLimitCounters(Repository):
    """The shared rate-limit counters.

    Args:
        engine: the store's engine (``Store.engine``), with the schema current.
    """

    def report(
        self, deltas: Mapping[WindowKey, int], reads: Collection[WindowKey] = ()
    ) -> dict[WindowKey, int]:
        """Add each ``(key id, window) -> hits`` delta and return the shared totals.

        Args:
            deltas: requests admitted locally since the last report, per key and window.
            reads: more ``(key id, window)`` pairs whose totals are wanted without adding.

        Returns:
            The total of every pair in ``deltas`` and ``reads`` (0 for a pair nobody reported).
        """
        totals: dict[WindowKey, int] = dict.fromkeys(reads, 0)
        stmt = upsert(
            self._backend,
            _T,
            ["key_id", "window_index"],
            lambda new: {"hits": _T.c.hits + new.hits},
        ).returning(_T.c.hits)
        with self._errors("reporting rate-limit counts"), self.engine.begin() as conn:
            # Sorted: replicas upsert the same rows in one order, so they never deadlock.
            for (key_id, window), hits in sorted(deltas.items()):
                row = {"key_id": key_id, "window_index": window, "hits": hits}
                totals[key_id, window] = int(conn.execute(stmt, row).scalar_one())
            wanted = [pair for pair in totals if pair not in deltas]
            if wanted:
                query: Any = select(_T.c.key_id, _T.c.window_index, _T.c.hits).where(
                    tuple_(_T.c.key_id, _T.c.window_index).in_(wanted)
                )
                for key_id, window, hits in conn.execute(query):
                    totals[key_id, window] = int(hits)
        return totals

    def purge(self, before_window: int, *, limit: int = 1000) -> int:
        """Delete at most ``limit`` rows of windows before ``before_window``; returns how many."""
        old = select(_T.c.key_id, _T.c.window_index).where(_T.c.window_index < before_window)
        stmt = delete(_T).where(
            tuple_(_T.c.key_id, _T.c.window_index).in_(old.order_by(_T.c.window_index).limit(limit))
        )
        with self._errors("purging rate-limit counts"), self.engine.begin() as conn:
            return int(conn.execute(stmt).rowcount)
