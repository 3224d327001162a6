"""How a long-running process sets up its garbage collector once start-up is over.

Two things, both measured on the gateway at saturation (``docs/server.md``):

- What start-up built (the imported libraries, the app, the store's engine) lives as long as
  the process. Frozen out of the collector, full collections stop walking those few hundred
  thousand objects, each walk a pause of tens of milliseconds for every request in flight.
- The youngest generation is collected after :data:`YOUNG_THRESHOLD` net allocations instead of
  CPython's 700. A server's requests in flight hold a few thousand objects between them, so at
  700 the collector ran every few hundred microseconds, found almost nothing to free (under one
  object in ten of what it walked), and promoted the live requests' objects into the older
  generations, whose collections then ran too: 5 to 6 % of the gateway's CPU. At 10,000 it runs
  a few times a second. What it frees later is only reference cycles, a few megabytes at most.
"""

from __future__ import annotations

import gc

__all__ = ["YOUNG_THRESHOLD", "release", "settle"]

YOUNG_THRESHOLD = 10_000
"""Net allocations of container objects between two collections of the youngest generation."""

_before: tuple[int, int, int] | None = None


def settle() -> None:
    """Freeze the heap built so far out of the collector and collect the young less often."""
    global _before
    gc.collect()
    gc.freeze()
    young, middle, old = gc.get_threshold()
    if _before is None:
        _before = (young, middle, old)
    if young:  # 0: automatic collection is off, and stays off
        gc.set_threshold(max(young, YOUNG_THRESHOLD), middle, old)


def release() -> None:
    """Undo :func:`settle`: the frozen heap rejoins the collector, thresholds are restored."""
    global _before
    gc.unfreeze()
    if _before is not None:
        gc.set_threshold(*_before)
        _before = None
