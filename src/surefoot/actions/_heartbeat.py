"""Lease heartbeats: an executing action keeps its claim alive while the side effect runs.

Without one, a side effect slower than the lease looks like a dead worker, and a concurrent
:meth:`~surefoot.actions.Actions.recover` would take it over and run it a second time. With one,
the lease only has to outlast a few missed renewals (a paused process, a slow store), not the
slowest side effect.

One keeper thread per :class:`~surefoot.actions.Actions` renews every execution it holds in one
statement per beat, so an execution costs a set insertion rather than a thread of its own; the
thread starts with the first execution and ends once a beat finds nothing held.
"""

from __future__ import annotations

import contextlib
import logging
import threading
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING

from surefoot.core.errors import SurefootError

if TYPE_CHECKING:
    from collections.abc import Iterator

    from surefoot.core._clock import Clock
    from surefoot.store import ActionStore

__all__ = ["LeaseHold", "LeaseKeeper"]

_log = logging.getLogger("surefoot.actions")


@dataclass(slots=True)
class LeaseHold:
    """One execution's lease while the keeper holds it.

    Args:
        key: the action's idempotency key.
        renewals: how many times its lease was extended.
        lost: a recovery sweep took the action over (the worker was too slow to renew).
    """

    key: str
    renewals: int = 0
    lost: bool = False


class LeaseKeeper:
    """Renews the leases of the executions it holds, every ``every_s``, from one thread.

    Args:
        records: the action repository.
        owner: the worker holding the claims.
        lease_ns: how far past each renewal a lease reaches.
        every_s: seconds between renewals (real time, whatever ``clock`` says).
        clock: stamps the new expiries.
    """

    def __init__(
        self, records: ActionStore, owner: str, *, lease_ns: int, every_s: float, clock: Clock
    ) -> None:
        self.records, self.owner = records, owner
        self.lease_ns, self.every_s, self.clock = lease_ns, every_s, clock
        self._held: dict[str, LeaseHold] = {}
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self._warned = False

    @contextlib.contextmanager
    def hold(self, key: str) -> Iterator[LeaseHold]:
        """Renew ``key``'s lease until the block ends, however it ends."""
        lease = LeaseHold(key)
        with self._lock:
            self._held[key] = lease
            if self._thread is None:
                self._thread = threading.Thread(
                    target=self._run, name=f"surefoot-lease-{self.owner}", daemon=True
                )
                self._thread.start()
        try:
            yield lease
        finally:
            with self._lock:
                self._held.pop(key, None)

    def held(self) -> list[str]:
        """The keys whose leases are being renewed now."""
        with self._lock:
            return list(self._held)

    @property
    def running(self) -> bool:
        """Whether the keeper thread is alive."""
        with self._lock:
            return self._thread is not None

    def _run(self) -> None:
        while True:
            time.sleep(self.every_s)
            with self._lock:
                keys = list(self._held)
                if not keys:
                    # Idle: end the thread; the next hold() starts a new one under the lock.
                    self._thread = None
                    return
            self._beat(keys)

    def _beat(self, keys: list[str]) -> None:
        try:
            renewed = self.records.renew(keys, self.owner, self.clock.now_ns() + self.lease_ns)
        except SurefootError as exc:
            # The store may be back before the leases lapse: keep trying, say so once.
            if not self._warned:
                _log.warning("cannot renew action leases (%s); retrying", exc)
                self._warned = True
            return
        with self._lock:
            for key in keys:
                lease = self._held.get(key)
                if lease is None:
                    continue  # finished meanwhile
                if key in renewed:
                    lease.renewals += 1
                elif not lease.lost:
                    lease.lost = True
                    _log.warning("action %r was taken over by a recovery sweep", key)
