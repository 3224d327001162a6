"""A spool left in a ``pid-*`` folder by a process that died is adopted and replayed."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from surefoot import tracing
from surefoot.core import SpanRecord, StoreSettings
from surefoot.store import Store
from surefoot.tracing._journal import Journal
from surefoot.tracing._spool import Spool, encode_records

CHILD = Path(__file__).with_name("_orphan_child.py")
SPANS = 500


def spool_in_child_and_kill(url: str, spool_dir: Path, tmp_path: Path) -> Path:
    """Run the child against an unreachable store until it has spooled, SIGKILL it, and return
    the folder it spooled into."""
    ready = tmp_path / "ready.txt"
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    args = [url, str(spool_dir), str(SPANS), str(ready)]
    child = subprocess.Popen([sys.executable, str(CHILD), *args], env=env)
    try:
        deadline = time.monotonic() + 30
        while not ready.exists() and time.monotonic() < deadline:
            assert child.poll() is None, "the child exited early"
            time.sleep(0.05)
        assert ready.exists(), "the child did not spool its spans in time"
    finally:
        child.send_signal(signal.SIGKILL)
        child.wait(timeout=10)
    assert ready.read_text() == f"pid-{child.pid}"
    return spool_dir / f"pid-{child.pid}"


@pytest.mark.slow
@pytest.mark.parametrize("adopter", ["main-folder", "pid-folder"])
def test_spans_of_a_killed_process_in_a_pid_folder_reach_the_store(
    tmp_path: Path, settings_factory, adopter: str
) -> None:
    """After kill -9 of a process spooling into ``pid-<pid>``, the next holder of a spool there
    stores every span it acknowledged and removes the folder."""
    spool_dir = tmp_path / "spool"
    blocker = tmp_path / "down"  # a file where the store's folder should be: unreachable
    blocker.write_text("")
    url = f"sqlite:///{blocker / 'store.db'}"
    holder = Spool(spool_dir)  # the main folder is busy, so the child spools in a pid folder
    try:
        orphan = spool_in_child_and_kill(url, spool_dir, tmp_path)
        if adopter == "main-folder":
            holder.close()
        blocker.unlink()
        tracing.init(settings_factory(store={"url": url}, recorder={"spool_dir": spool_dir}))
        assert tracing.flush(timeout_s=30)
        assert tracing.stats().adopted == SPANS
        tracing.shutdown()
    finally:
        if adopter == "pid-folder":
            holder.close()
    assert not orphan.exists()
    with Store.open(StoreSettings(url=url)) as store:
        assert sorted(sp.attributes["seq"] for sp in store.iter_spans()) == list(range(SPANS))


def test_a_pid_folder_whose_owner_is_alive_is_left_alone(tmp_path: Path) -> None:
    """A ``pid-*`` spool still locked by its process is not adopted."""
    root = tmp_path / "spool"
    alive = Spool(root / "pid-1")
    alive.append(encode_records([SpanRecord("a" * 32, "b" * 16, "x")]))
    journal = Journal(Spool(root), max_memory_spans=100, max_spool_bytes=1 << 20, root=root)
    try:
        assert journal.take(0.0) is None
        assert journal.wait_committed(0, 0.0)
    finally:
        journal.close()
        alive.close()
    assert journal.adopted == 0
    assert (root / "pid-1").exists()


def test_orphaned_spools_are_replayed_in_their_order(tmp_path: Path) -> None:
    """An orphan's batches come out in the order they were spooled, and its folder goes."""
    root = tmp_path / "spool"
    orphan = Spool(root / "pid-7")
    batches = [[SpanRecord(f"{t:032x}", f"{i:016x}", "x") for i in range(3)] for t in range(4)]
    for batch in batches:
        orphan.append(encode_records(batch))
    orphan.close()
    journal = Journal(Spool(root), max_memory_spans=100, max_spool_bytes=1 << 20, root=root)
    seen = []
    try:
        while (chunk := journal.take(0.0)) is not None:
            seen.append(chunk.records)
            journal.commit(chunk)
    finally:
        journal.close()
    assert seen == batches
    assert journal.adopted == 12
    assert not (root / "pid-7").exists()
