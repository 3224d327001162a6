"""Child process for the orphaned-spool test: spools spans while the store is unreachable.

Usage: python _orphan_child.py STORE_URL SPOOL_DIR SPANS READY_FILE
Records SPANS spans (attribute ``seq``), waits until all are in its spool, writes the spool
folder it used to READY_FILE, then sleeps until it is killed.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

from surefoot import tracing
from surefoot.core import Settings


def main() -> None:
    store_url, spool_dir, spans, ready_file = sys.argv[1:5]
    settings = Settings.load(
        store={"url": store_url, "connect_timeout_s": 0.5},
        recorder={"spool_dir": spool_dir, "flush_interval_s": 0.02, "retry_interval_s": 0.05},
    )
    tracing.init(settings)
    for seq in range(int(spans)):
        with tracing.span("work", attributes={"seq": seq}):
            pass
    while tracing.stats().spooled < int(spans):
        time.sleep(0.01)
    folders = [p.name for p in Path(spool_dir).glob("pid-*")]
    Path(ready_file).write_text(" ".join(folders))
    while True:
        time.sleep(1)


if __name__ == "__main__":
    main()
