"""The child process of :class:`~surefoot.tracing._offload.ProcessRecorder`.

Started as ``python -m surefoot.tracing._offload_child``; not an entry point of its own. It reads
one JSON line of settings, then frames from standard input: span batches (in ``marshal``'s
format: the parent is this same interpreter, and the only writer of the pipe) and flush
requests. It records the spans with the ordinary thread recorder, answers each flush with one
JSON line on standard output, and reports its counters there every flush interval. At the end
of its input (the parent shut down, or died) it shuts its recorder down, which writes or
spools what it holds, and exits.

It ignores SIGINT: Ctrl-C in a terminal reaches the whole process group, and the parent's
shutdown, not the signal, has to decide when the child stops, or the spans it holds would be
lost with it.
"""

from __future__ import annotations

import dataclasses
import json
import logging
import signal
import sys
import threading
import zlib
from typing import IO, Any

from surefoot import tracing
from surefoot.core import _heap
from surefoot.core.config import Settings
from surefoot.tracing._offload import BATCH_HEADER, FLUSH, FLUSH_ARGS, SPANS, decode_batch
from surefoot.tracing._state import STATE

logger = logging.getLogger("surefoot.tracing")


def _read(stream: IO[bytes], size: int) -> bytes:
    data = stream.read(size)
    if len(data) != size:
        raise EOFError(f"the parent's pipe ended inside a frame ({len(data)} of {size} bytes)")
    return data


class _Reporter:
    """Writes JSON lines to the parent, one at a time, and the counters every interval."""

    def __init__(self, out: IO[bytes], interval_s: float) -> None:
        self._out = out
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread = threading.Thread(
            target=self._loop, args=(interval_s,), name="surefoot-child-stats", daemon=True
        )
        self._thread.start()

    def send(self, **message: Any) -> None:
        message["stats"] = dataclasses.asdict(tracing.stats())
        line = json.dumps(message).encode() + b"\n"
        with self._lock:
            try:
                self._out.write(line)
                self._out.flush()
            except (OSError, ValueError):
                pass  # the parent is gone; the spans still reach the spool and the store

    def _loop(self, interval_s: float) -> None:
        while not self._stop.wait(interval_s):
            self.send()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(5.0)


def main() -> int:
    """Record what the parent sends until its pipe ends; 0 when everything was written."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    stdin, stdout = sys.stdin.buffer, sys.stdout.buffer
    sections = json.loads(stdin.readline())
    settings = Settings.load(**sections)
    logging.basicConfig(level=settings.log_level, format="%(name)s: %(message)s")
    tracing.init(settings)
    # As a server does: full collections would walk start-up's heap again and again, and
    # frequent young ones promote the spans in flight; each a burst of CPU taken from the
    # server beside it.
    _heap.settle()
    recorder = STATE.recorder
    assert recorder is not None
    reporter = _Reporter(stdout, settings.recorder.flush_interval_s)
    try:
        while kind := stdin.read(1):
            if kind == SPANS:
                length, crc = BATCH_HEADER.unpack(_read(stdin, BATCH_HEADER.size))
                payload = _read(stdin, length)
                if zlib.crc32(payload) != crc:
                    raise ValueError("a span batch from the parent is corrupt")
                for record in decode_batch(payload):
                    recorder.enqueue(record)
            elif kind == FLUSH:
                token, timeout_s = FLUSH_ARGS.unpack(_read(stdin, FLUSH_ARGS.size))
                reporter.send(flushed=token, ok=tracing.flush(timeout_s))
            else:
                raise ValueError(f"unknown frame {kind!r} from the parent")
    except (EOFError, ValueError) as exc:
        logger.error("surefoot: the span recorder process stops reading: %s", exc)
    ok = tracing.shutdown(settings.recorder.shutdown_timeout_s)
    reporter.stop()
    reporter.send()
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
