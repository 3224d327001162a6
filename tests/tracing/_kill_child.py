"""Child process for the kill -9 test: records spans at full speed and logs its progress.

Usage: python _kill_child.py STORE_URL SPOOL_DIR PROGRESS_FILE FLUSH_INTERVAL_S QUEUE_SIZE RATE
RATE is spans per second, 0 for as fast as possible. Each progress line is
``<spans recorded> <time.monotonic()> <spans dropped>``, written unbuffered.
"""

from __future__ import annotations

import sys
import time

from surefoot import tracing
from surefoot.core import Settings


def main() -> None:
    store_url, spool_dir, progress_path, interval, queue_size, rate = sys.argv[1:7]
    settings = Settings.load(
        store={"url": store_url},
        recorder={
            "spool_dir": spool_dir,
            "flush_interval_s": float(interval),
            "queue_size": int(queue_size),
        },
    )
    pause_s = 100 / float(rate) if float(rate) else 0.0
    tracing.init(settings)
    with open(progress_path, "w", buffering=1) as progress:
        seq = 0
        while True:
            with tracing.span("work", attributes={"seq": seq}):
                pass
            seq += 1
            if seq % 100 == 0:
                # Written after the span was acknowledged, so the file never overstates.
                dropped = tracing.stats().dropped_queue_full
                progress.write(f"{seq} {time.monotonic()} {dropped}\n")
                if pause_s:
                    time.sleep(pause_s)


if __name__ == "__main__":
    main()
