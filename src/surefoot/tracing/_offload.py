"""A recorder whose processing and store writes run in a child process.

The thread recorder (:mod:`surefoot.tracing._recorder`) redacts, caps, spools and writes spans
on two background threads of the traced process. Their work is Python, so it holds the
interpreter lock, and an event loop serving requests waits for it: measured with a gateway at
its throughput ceiling (concurrency 64 against a local upstream), the two threads took it from
about 4,500 to 2,200 requests/s and tripled its p99 latency, although they used only a fifth of
a core. This recorder keeps only the cheap part in the traced process: spans are queued as
before (``enqueue`` is the same ``deque.append``), and every 128 spans the caller's thread
encodes them in one C-level ``marshal`` call and writes them to a pipe that does not block;
what the pipe cannot take at once, and what is left between shipments, a shipping thread
writes. ``marshal``, not JSON: the child is the same interpreter (``sys.executable``), reads
only what this process writes, and measured on 60,000 spans captured from a saturated gateway,
encoding took 1.2 us a span against 3.4 for the JSON the spool then used (decoding in the
child, 3.7 against 4.7). A child process (``python -m surefoot.tracing._offload_child``) runs
the ordinary thread recorder on what it reads: sampling, redaction, the size cap, the on-disk
spool, the store and the exporters, all from the same settings.

What it changes: spans are redacted in the child, so they cross a local pipe unredacted;
custom sinks, processors, exporters and clocks are Python objects that cannot be sent to
another process, so ``init`` refuses them with ``offload`` on; a span the child accepted but
had not spooled is lost if the child is killed, as a span in the thread recorder's memory is
lost when its process is (the bound is ``flush_interval_s``). A child that dies is replaced
at the next batch, loudly.
"""

from __future__ import annotations

import contextlib
import dataclasses
import fcntl
import itertools
import json
import logging
import marshal
import os
import select
import struct
import subprocess
import sys
import threading
import time
import zlib
from collections import deque
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

from surefoot.tracing._payload import to_jsonable
from surefoot.tracing._recorder import drain
from surefoot.tracing._spool import records_from_rows, span_rows
from surefoot.tracing._stats import RecorderStats

if TYPE_CHECKING:
    from surefoot.core._clock import Clock
    from surefoot.core._records import SpanRecord
    from surefoot.core.config import RecorderSettings, Settings

__all__ = [
    "BATCH_HEADER",
    "FLUSH",
    "FLUSH_ARGS",
    "SPANS",
    "ProcessRecorder",
    "child_config",
    "decode_batch",
    "encode_batch",
]

logger = logging.getLogger("surefoot.tracing")

SPANS = b"S"  # followed by BATCH_HEADER (payload length, CRC-32) and a batch from encode_batch
FLUSH = b"F"  # followed by FLUSH_ARGS: a token to answer with, and the seconds to wait
BATCH_HEADER = struct.Struct("<II")
FLUSH_ARGS = struct.Struct("<Qd")
_IMPORT_ROOT = str(Path(__file__).resolve().parents[2])  # the folder holding surefoot/
_FIELDS = {field.name for field in dataclasses.fields(RecorderStats)}
# Spans shipped at once from the caller's thread: about 0.1 ms of work every 128 spans. Smaller
# shipments reach the child in smaller bursts of work; at saturation (wrk -c64, 3 runs each) the
# gateway's p99 was 28 ms shipping every 1,024, 23.6-24.3 every 256, 21.6-23.0 every 128, and
# no lower at 64 or 32, where the write per shipment starts to cost more than it smooths.
_SHIP_EVERY = 128
# The pipe's capacity where the OS allows setting it (Linux: F_SETPIPE_SZ, up to 1 MiB for any
# user), so that one shipment fits and the caller's write does not come back half done.
_PIPE_BYTES = 1 << 20
_F_SETPIPE_SZ = 1031


def child_config(settings: Settings) -> bytes:
    """The sections the child needs, as one JSON line (secrets included: it goes down a pipe,
    never on a command line or in the environment)."""
    otlp = settings.otlp.model_dump(mode="json")
    otlp["headers"] = {k: v.get_secret_value() for k, v in settings.otlp.headers.items()}
    sections = {
        "store": settings.store.model_dump(mode="json"),
        "recorder": {**settings.recorder.model_dump(mode="json"), "offload": False},
        "tracing": settings.tracing.model_dump(mode="json"),
        "otlp": otlp,
        "log_level": settings.log_level,
    }
    return json.dumps(sections).encode() + b"\n"


def encode_batch(records: list[SpanRecord]) -> bytes:
    """One ``SPANS`` frame: the records' rows in ``marshal``'s format, header first."""
    rows = span_rows(records)
    try:
        payload = marshal.dumps(rows)
    except ValueError:
        # A value marshal does not know (a subclass of str, an object put on a record by hand):
        # converted as a span's own setters convert it.
        payload = marshal.dumps([tuple(map(to_jsonable, row)) for row in rows])
    return SPANS + BATCH_HEADER.pack(len(payload), zlib.crc32(payload)) + payload


def decode_batch(payload: bytes) -> list[SpanRecord]:
    """The spans of one frame's payload.

    Raises:
        ValueError: the payload is not a batch :func:`encode_batch` wrote.
    """
    try:
        rows = marshal.loads(payload)
    except (EOFError, TypeError, ValueError) as exc:
        raise ValueError(f"not a span batch: {exc!r}") from exc
    return records_from_rows(rows)


class ProcessRecorder:
    """The recorder's interface (``enqueue``, ``flush``, ``shutdown``, ``stats``) in front of a
    child process that records.

    Args:
        settings: every section the child needs (store, recorder, tracing, OTLP).
        clock: where span times come from.
    """

    min_child_life_s = 2.0
    """A child that ends sooner after its start is not replaced: another would end too."""

    def __init__(self, settings: Settings, clock: Clock) -> None:
        self.settings: RecorderSettings = settings.recorder
        self.now_ns = clock.now_ns
        self._config = child_config(settings)
        self._queue: deque[SpanRecord] = deque()
        self._max_queue = self.settings.queue_size
        self._batch_size = self.settings.batch_size
        self._wake = threading.Event()
        self._stopping = False
        self._dead = False  # the child died as it started: ship nothing more
        self._lock = threading.Lock()  # the pipe, the child, the unsent frames, the counters
        # Frames not yet written whole to the pipe, oldest first, with their span counts, and
        # how much of the first one is written.
        self._unsent: deque[tuple[bytes, int]] = deque()
        self._unsent_spans = 0
        self._offset = 0
        self._drained = 0  # spans taken off the queue
        self._shipped = 0  # spans written to the current child
        self._dropped = 0  # spans refused by a full queue
        self._lost = 0  # spans shipped to a child that ended before taking them
        self._written_before = 0  # spans earlier children wrote to the store
        self._child_stats = RecorderStats()
        self._tokens = itertools.count(1)
        self._acks: dict[int, bool] = {}
        self._acked = threading.Condition()
        self._child = self._start_child()
        self._shipper = threading.Thread(
            target=self._ship_loop, name="surefoot-shipper", daemon=True
        )
        self._shipper.start()

    # ------------------------------------------------------------------ caller's path
    def enqueue(self, record: SpanRecord) -> None:
        """Accept a finished span; never blocks, never raises.

        Every 128 spans the caller's thread ships them itself: one ``marshal`` call and a
        write to the pipe that does not wait (what the pipe cannot take at once is left to
        the shipping thread). Handing that work to the shipping thread instead cost the
        caller more than doing it: the thread takes the interpreter lock in the middle of
        the caller's work, and with 64 connections waiting on one event loop, that pause
        lands on all of them (at concurrency 64 it added 1.5 to 2 ms to the gateway's p99).
        """
        queue = self._queue
        if len(queue) >= self._max_queue:
            self._dropped += 1
            return
        queue.append(record)
        if len(queue) >= _SHIP_EVERY and self._lock.acquire(blocking=False):
            try:
                if not self._unsent:
                    self._ship_locked(block=False)
            except Exception:  # the caller's path never raises; the shipping thread retries
                logger.debug("surefoot: shipping from the caller failed", exc_info=True)
            finally:
                self._lock.release()
            if self._unsent:
                self._wake.set()

    # ------------------------------------------------------------------ the child
    def _start_child(self) -> subprocess.Popen[bytes]:
        # The child imports surefoot from where this process did, whatever sys.path made it
        # importable here (a source checkout, a test run's path).
        env = dict(os.environ)
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [_IMPORT_ROOT, env.get("PYTHONPATH")]))
        child = subprocess.Popen(
            [sys.executable, "-m", "surefoot.tracing._offload_child"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            env=env,
        )
        self._started_at = time.monotonic()
        assert child.stdin is not None and child.stdout is not None
        child.stdin.write(self._config)
        child.stdin.flush()
        self._fd = child.stdin.fileno()
        with contextlib.suppress(OSError, AttributeError):
            fcntl.fcntl(self._fd, _F_SETPIPE_SZ, _PIPE_BYTES)
        os.set_blocking(self._fd, False)
        reader = threading.Thread(
            target=self._read_loop,
            args=(child.stdout,),
            name="surefoot-child-reader",
            daemon=True,
        )
        reader.start()
        self._reader = reader
        return child

    def _end_child(self, timeout_s: float) -> int | None:
        """Close the child's input, wait for it to exit (killing it after ``timeout_s``) and
        for its last report; its exit code, or None if it had to be killed."""
        child = self._child
        assert child.stdin is not None
        with contextlib.suppress(OSError):
            child.stdin.close()  # end of input: the child shuts its recorder down and exits
        try:
            code: int | None = child.wait(timeout_s)
        except subprocess.TimeoutExpired:
            child.kill()
            child.wait()
            code = None
        self._reader.join(5.0)
        return code

    def _read_loop(self, stdout: IO[bytes]) -> None:
        for line in stdout:
            try:
                message: dict[str, Any] = json.loads(line)
            except ValueError:
                continue
            stats = message.get("stats")
            if isinstance(stats, dict):
                self._child_stats = RecorderStats(
                    **{k: v for k, v in stats.items() if k in _FIELDS}
                )
            token = message.get("flushed")
            if isinstance(token, int):
                with self._acked:
                    self._acks[token] = bool(message.get("ok"))
                    self._acked.notify_all()
        stdout.close()
        with self._acked:  # the child is gone: nobody waits for an answer that cannot come
            self._acked.notify_all()

    def _send(self, frame: bytes, spans: int, *, block: bool) -> bool:
        """Queue one frame behind the unsent ones and write what the pipe takes (holding
        ``_lock``); True when everything is written."""
        if self._dead:
            self._lost += spans
            return False
        self._unsent.append((frame, spans))
        self._unsent_spans += spans
        return self._pump(block=block)

    def _pump(self, *, block: bool) -> bool:
        """Write the unsent frames in order (holding ``_lock``); True when all are written.

        Without ``block`` it stops when the pipe is full or the child has gone. With it, it
        waits for the child to read, and replaces a child that ended (once per frame; a
        frame half written to the child that ended is written whole to the next).
        """
        unsent = self._unsent
        replaced = False
        while unsent:
            frame, spans = unsent[0]
            try:
                self._offset += os.write(self._fd, memoryview(frame)[self._offset :])
            except BlockingIOError:
                if not block:
                    return False
                select.select([], [self._fd], [], 1.0)
                continue
            except (OSError, ValueError) as exc:  # BrokenPipeError; ValueError: closed
                if not block:
                    return False
                if replaced or self._stopping or self._dead or not self._try_replace(exc):
                    self._lost += self._unsent_spans
                    self._unsent_spans = 0
                    unsent.clear()
                    self._offset = 0
                    return False
                replaced = True
                continue
            if self._offset == len(frame):
                unsent.popleft()
                self._offset = 0
                self._shipped += spans
                self._unsent_spans -= spans
                replaced = False
        return True

    def _try_replace(self, exc: BaseException) -> bool:
        try:
            self._replace_child(exc)
        except (OSError, ValueError):
            return False
        self._offset = 0  # the new child reads the frame from its start
        return True

    def _replace_child(self, exc: BaseException) -> None:
        if time.monotonic() - self._started_at < self.min_child_life_s:
            # It died as it started (it cannot import surefoot, or cannot open the store):
            # another would too. Stop here rather than start one per batch.
            self._dead = True
            logger.error(
                "surefoot: the span recorder process exits as it starts (exit code %s); spans "
                "are dropped and counted in stats().dropped_child_exit from now on. Its log "
                "above says why; set recorder.offload = false to record in this process",
                self._child.poll(),
            )
            raise exc
        stats = self._child_stats
        self._lost += max(self._shipped - stats.enqueued, 0)
        self._written_before += stats.written
        logger.error(
            "surefoot: the span recorder process ended (exit code %s, %r); starting another. "
            "Spans it had not spooled are lost and counted in stats().dropped_child_exit; its "
            "own log above says why it ended",
            self._child.poll(),
            exc,
        )
        self._end_child(1.0)
        self._shipped = 0
        self._child_stats = RecorderStats()
        self._child = self._start_child()

    # ------------------------------------------------------------------ shipping thread
    def _ship_loop(self) -> None:
        while not self._stopping:
            self._wake.wait(self.settings.flush_interval_s)
            self._wake.clear()
            with self._lock:
                self._ship_locked(block=True)
        with self._lock:
            self._ship_locked(block=True)

    def _ship_locked(self, *, block: bool) -> None:
        """Encode what is queued, in frames of up to ``batch_size`` spans, and write it."""
        if not self._pump(block=block):
            return  # the pipe is full: these spans wait in the queue, in order, meanwhile
        records = drain(self._queue)
        self._drained += len(records)
        size = self._batch_size
        for start in range(0, len(records), size):
            batch = records[start : start + size]
            # One C-level call per batch; the pipe write releases the interpreter lock.
            self._send(encode_batch(batch), len(batch), block=block)

    # ------------------------------------------------------------------ control
    def flush(self, timeout_s: float = 5.0) -> bool:
        """Ship what is queued and wait until the child has written it (or ``timeout_s``)."""
        if threading.current_thread() is self._shipper:
            return False
        token = next(self._tokens)
        with self._lock:
            self._ship_locked(block=True)
            if not self._send(FLUSH + FLUSH_ARGS.pack(token, timeout_s), 0, block=True):
                return False
            child = self._child
        with self._acked:
            self._acked.wait_for(
                lambda: token in self._acks or child.poll() is not None, timeout_s + 1.0
            )
            return self._acks.pop(token, False)

    def shutdown(self, timeout_s: float = 5.0) -> bool:
        """Ship what is queued and stop the child, which writes what it holds first."""
        self._stopping = True
        self._wake.set()
        self._shipper.join(timeout_s)
        with self._lock:
            code = self._end_child(timeout_s + 2.0)
        return code == 0

    def stats(self) -> RecorderStats:
        """The child's counters, with what this process queued, dropped and lost."""
        child = self._child_stats
        in_flight = len(self._queue) + self._unsent_spans + max(self._shipped - child.enqueued, 0)
        return dataclasses.replace(
            child,
            enqueued=self._drained + len(self._queue),
            written=self._written_before + child.written,
            pending=child.pending + in_flight,
            dropped_queue_full=child.dropped_queue_full + self._dropped,
            dropped_child_exit=self._lost,
        )
