"""Shared helpers of the monitor operations tests: a drifting source, scheduled window by window."""

from __future__ import annotations

import numpy as np

from surefoot.core import FakeClock, MonitoringSettings, Severity
from surefoot.monitor import IncidentPolicy, Monitor, PassResult, Scheduler
from surefoot.store import Store

WINDOW_S = 600.0
START_S = 1_700_000_400.0  # on the 600 s grid
SETTINGS = MonitoringSettings(profile_window_s=WINDOW_S, lateness_s=0.0, webhook_backoff_s=1.0)


def bot_monitors(runbook: str | None = None) -> list[Monitor]:
    """A drift monitor on an input feature and a bound on the retrieval score, one source."""
    return [
        Monitor(
            "question-length", "question_length", window_s=WINDOW_S, reference_windows=3,
            source="bot", fire_after=1, resolve_after=1, runbook=runbook,
        ),
        Monitor(
            "retrieval-score", "top_score", method="mean_below", threshold=0.5,
            window_s=WINDOW_S, source="bot", severity=Severity.CRITICAL, fire_after=1,
            resolve_after=1,
        ),
    ]  # fmt: skip


def scheduler(
    store: Store, policy: IncidentPolicy | None = None, monitors: list[Monitor] | None = None
) -> Scheduler:
    """A scheduler on a fake clock at START_S."""
    return Scheduler(
        store,
        monitors or bot_monitors(),
        settings=SETTINGS,
        policy=policy,
        clock=FakeClock(start_s=START_S),
    )


def traffic_window(
    sched: Scheduler, rng: np.random.Generator, drifted: bool, n: int = 200
) -> PassResult:
    """Log one window of traffic for the bot source, advance a window, run a pass."""
    clock = sched.clock
    assert isinstance(clock, FakeClock)
    t0 = clock.now_ns()
    columns = {
        "question_length": rng.normal(80 if drifted else 40, 10, n).tolist(),
        "top_score": rng.normal(0.3 if drifted else 0.8, 0.05, n).tolist(),
    }
    sched.writer.log_batch("bot", columns, at=[t0 + i * 10**9 for i in range(n)])
    clock.advance(WINDOW_S)
    return sched.run_once()
