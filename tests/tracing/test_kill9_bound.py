"""Under kill -9 the recorder loses only what was still in its in-memory queue.

The bound (docs/tracing.md): at most twice ``queue_size`` spans (the queue and the drain under
way), and, while the recorder keeps up with
the rate spans arrive at, only the spans acknowledged within the last ``flush_interval_s`` plus
one drain. These tests kill a real child process recording into SQLite, replay its spool, and
check both halves: at a sustainable rate the time bound, at full speed the count bound.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

from surefoot import tracing
from surefoot.core import Settings, StoreSettings
from surefoot.store import Store

FLUSH_INTERVAL_S = 0.2
DRAIN_SLACK_S = 0.3  # one drain plus scheduling on a busy 2-core machine
CHILD = Path(__file__).with_name("_kill_child.py")


@dataclass
class Outcome:
    acknowledged: int
    missing: list[int]
    progress: list[tuple[int, float, int]]
    killed_at: float

    @property
    def dropped(self) -> int:
        """Spans refused by a full queue (never acknowledged), as last reported."""
        return self.progress[-1][2]

    def acknowledged_by(self, when: float) -> int:
        return max((n for n, t, _ in self.progress if t <= when), default=0)


def read_progress(path: Path) -> list[tuple[int, float, int]]:
    rows = []
    for line in path.read_text().splitlines():
        parts = line.split()
        if len(parts) == 3:
            rows.append((int(parts[0]), float(parts[1]), int(parts[2])))
    return rows


def wait_for_progress(path: Path, spans: int, timeout_s: float = 30.0) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if path.exists() and (rows := read_progress(path)) and rows[-1][0] >= spans:
            return
        time.sleep(0.05)
    pytest.fail(f"child did not acknowledge {spans} spans within {timeout_s}s")


def kill_and_replay(tmp_path: Path, *, rate: int, queue_size: int, run_s: float) -> Outcome:
    url = f"sqlite:///{tmp_path / 'store.db'}"
    spool, progress = tmp_path / "spool", tmp_path / "progress.txt"
    args = [url, spool, progress, FLUSH_INTERVAL_S, queue_size, rate]
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    child = subprocess.Popen([sys.executable, str(CHILD), *map(str, args)], env=env)
    try:
        wait_for_progress(progress, 5_000)
        time.sleep(run_s)
    finally:
        child.send_signal(signal.SIGKILL)
        killed_at = time.monotonic()
        child.wait(timeout=10)
    rows = read_progress(progress)
    tracing.init(Settings.load(store={"url": url}, recorder={"spool_dir": spool}))
    assert tracing.flush(timeout_s=60)
    tracing.shutdown()
    with Store.open(StoreSettings(url=url)) as store:
        stored = {sp.attributes["seq"] for sp in store.iter_spans()}
    missing = sorted(set(range(rows[-1][0])) - stored)
    print(f"rate={rate or 'max'} recorded={rows[-1][0]} dropped={rows[-1][2]} lost={len(missing)}")
    return Outcome(rows[-1][0], missing, rows, killed_at)


@pytest.mark.slow
def test_kill9_at_a_sustainable_rate_loses_only_the_last_flush_interval(tmp_path: Path) -> None:
    """Every span acknowledged before kill - (flush_interval_s + one drain) is stored."""
    outcome = kill_and_replay(tmp_path, rate=20_000, queue_size=65_536, run_s=1.5)
    safe = outcome.acknowledged_by(outcome.killed_at - FLUSH_INTERVAL_S - DRAIN_SLACK_S)
    assert safe > 10_000
    assert outcome.dropped == 0
    assert all(seq >= safe for seq in outcome.missing), "a span older than the bound was lost"


@pytest.mark.slow
def test_kill9_at_full_speed_loses_at_most_the_queue(tmp_path: Path) -> None:
    """Recording as fast as possible, at most the queue and one drain of it are lost."""
    queue_size = 16_384
    outcome = kill_and_replay(tmp_path, rate=0, queue_size=queue_size, run_s=1.0)
    # Spans refused by a full queue were never acknowledged; progress lags by up to 100 spans.
    # Lost: the queue, plus the drain under way (taken from the queue, not yet spooled).
    assert len(outcome.missing) - outcome.dropped <= 2 * queue_size + 100
