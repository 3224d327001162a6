"""A worker process for the cross-process tests: submits actions against a shared store.

Run as ``python _worker.py MODE STORE_URL OUT_FILE [ARGS...]``; the side effect appends one line
per run to OUT_FILE, a file outside surefoot, so the parent can count real effects.
"""

from __future__ import annotations

import random
import sys
import threading
import time
from pathlib import Path
from typing import Any

from surefoot.actions import Actions, action
from surefoot.core import StoreSettings
from surefoot.store import Store

OUT: dict[str, Path] = {}


@action("proc.append")
def append_line(item: int) -> int:
    """The side effect: one line per run, appended atomically (O_APPEND)."""
    with OUT["file"].open("a", encoding="utf-8") as out:
        out.write(f"{item}\n")
    return item


@action("proc.slow_append", resumable=True)
def slow_append(item: int, idempotency_key: str) -> str:
    """Records completion under its key in the file itself, then lingers (to be killed)."""
    done = OUT["file"].read_text(encoding="utf-8").split() if OUT["file"].exists() else []
    if idempotency_key not in done:
        with OUT["file"].open("a", encoding="utf-8") as out:
            out.write(f"{idempotency_key}\n")
    marker = OUT["file"].with_suffix(".effect")
    if not marker.exists():
        marker.write_text("done", encoding="utf-8")
        time.sleep(60)  # the parent kills us here, after the effect, before completion
    return idempotency_key


@action("proc.fragile_append")
def fragile_append(item: int) -> str:
    """Not resumable: after a crash it must be reported, never re-run."""
    with OUT["file"].open("a", encoding="utf-8") as out:
        out.write(f"fragile-{item}\n")
    OUT["file"].with_suffix(".effect").write_text("done", encoding="utf-8")
    time.sleep(60)
    return "never"


def _submit_many(actions: Actions, jobs: list[tuple[str, int]], failures: list[str]) -> None:
    for key, item in jobs:
        try:
            outcome = append_line.submit(actions, key, item=item)
            if not outcome.succeeded or outcome.result != item:
                failures.append(f"{key}: {outcome}")
        except Exception as exc:
            failures.append(f"{key}: {exc!r}")


def duplicates(url: str, worker: int, threads: int, actions_n: int, copies: int) -> int:
    """Submit this worker's share of ``copies`` duplicates of ``actions_n`` actions."""
    store = Store.open(StoreSettings(url=url, connect_timeout_s=30.0))
    actions = Actions(store, lease_s=120.0, wait_s=60.0)
    jobs = [(f"key-{i}", i) for i in range(actions_n) for _ in range(copies)]
    random.Random(worker).shuffle(jobs)
    failures: list[str] = []
    pool = [
        threading.Thread(target=_submit_many, args=(actions, jobs[t::threads], failures))
        for t in range(threads)
    ]
    for t in pool:
        t.start()
    for t in pool:
        t.join()
    store.close()
    for failure in failures:
        print(failure, file=sys.stderr)
    return 1 if failures else 0


def crash(url: str, name: str, lease_s: float) -> int:
    """Submit one action that the parent kills mid-run."""
    store = Store.open(StoreSettings(url=url))
    actions = Actions(store, lease_s=lease_s)
    definition: Any = slow_append if name == "slow" else fragile_append
    definition.submit(actions, "crash-key", item=7)
    return 0


def main(argv: list[str]) -> int:
    mode, url, out = argv[0], argv[1], Path(argv[2])
    OUT["file"] = out
    if mode == "duplicates":
        return duplicates(url, *(int(a) for a in argv[3:7]))
    return crash(url, argv[3], float(argv[4]))


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
