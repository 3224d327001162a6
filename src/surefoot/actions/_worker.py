"""The action worker: a bounded polling loop that settles approvals and recovers stale claims."""

from __future__ import annotations

import logging
import threading
from typing import TYPE_CHECKING

from surefoot.core.errors import StoreError

if TYPE_CHECKING:
    from collections.abc import Callable

    from surefoot.actions._actions import Actions
    from surefoot.actions._recover import RecoveryReport

__all__ = ["work"]

_log = logging.getLogger("surefoot.actions")


def work(
    actions: Actions,
    *,
    every_s: float,
    stop: threading.Event | None = None,
    rounds: int | None = None,
    on_round: Callable[[RecoveryReport], None] | None = None,
) -> int:
    """Sweep until ``stop`` is set or ``rounds`` are done; see :meth:`Actions.work`."""
    if every_s <= 0:
        raise ValueError(f"every_s is {every_s}; give a positive number of seconds")
    stop = stop or threading.Event()
    touched, done = 0, 0
    while not stop.is_set() and (rounds is None or done < rounds):
        try:
            # Stale claims of actions other workers register are theirs to recover.
            report = actions.recover(unregistered="skip")
        except StoreError as exc:
            # A store outage is waited out: every decision stays in the store until it is back.
            _log.warning("action worker cannot reach the store (%s); retrying", exc)
        else:
            touched += report.total
            if on_round is not None:
                on_round(report)
        done += 1
        if rounds is None or done < rounds:
            stop.wait(every_s)
    return touched
