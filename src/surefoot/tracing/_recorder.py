"""The recorder: takes finished spans off the caller's path and gets them into the store.

Three stages, so that no stage can stall the one before it:

1. ``enqueue`` (caller's thread): one ``deque.append`` into a bounded queue. Never blocks, never
   raises; when the queue is full the span is dropped, counted and logged (rate-limited).
2. The processing thread wakes every ``flush_interval_s`` (sooner when a batch is ready), drains
   the whole queue, runs sampling and the processors (redaction), and appends the result to the
   journal, which writes it to the on-disk spool before anything else happens to it.
3. The store thread writes journal batches to the sink in order. When a write fails the batch
   stays in the spool and is retried every ``retry_interval_s``, then replayed in order. A batch
   the store refuses outright (a :class:`StoreError` other than being unreachable or needing a
   migration) is bisected: the spans it accepts are written, the ones it refuses go to the
   dead-letter file, so one bad span can neither block the spool nor be lost silently.

So a span acknowledged by ``enqueue`` is on disk within ``flush_interval_s`` plus one drain.
"""

from __future__ import annotations

import itertools
import logging
import threading
import time
from collections import deque
from typing import TYPE_CHECKING

from surefoot.core.errors import MigrationRequired, StoreError, StoreUnavailable
from surefoot.tracing._exporters import ExportWorker
from surefoot.tracing._payload import LogOnce, converted_attributes
from surefoot.tracing._processors import Pipeline
from surefoot.tracing._stats import RecorderStats

if TYPE_CHECKING:
    from collections.abc import Sequence

    from surefoot.core._clock import Clock
    from surefoot.core._protocols import SpanSink
    from surefoot.core._records import SpanRecord
    from surefoot.core.config import RecorderSettings
    from surefoot.tracing._exporters import SpanExporter
    from surefoot.tracing._journal import Chunk, Journal
    from surefoot.tracing._processors import Processor
    from surefoot.tracing._sampling import TraceSampler

__all__ = ["Recorder", "drain"]

logger = logging.getLogger("surefoot.tracing")
_DROP_LOG_EVERY_S = 10.0
_SLICE = 64  # spans processed between two hand-backs of the interpreter lock (~0.5 ms)
_store_errors = LogOnce()


def drain(queue: deque[SpanRecord]) -> list[SpanRecord]:
    """Everything in ``queue``, oldest first, taken off it. Safe while other threads append:
    ``popleft`` until empty rather than copying and clearing, which could lose an append."""
    records = []
    try:
        while True:
            records.append(queue.popleft())
    except IndexError:
        return records


class Recorder:
    """The non-blocking path from finished spans to a :class:`~surefoot.core.SpanSink`.

    Args:
        sink: where batches are written (the store).
        journal: the spool and hand-over between the threads.
        settings: queue size, batch size, intervals.
        clock: where time comes from.
        processors: run in order on every span, after sampling.
        sampler: head sampling, or None to keep every trace.
        exporters: also given every processed batch, on their own thread.
    """

    def __init__(
        self,
        sink: SpanSink,
        journal: Journal,
        settings: RecorderSettings,
        clock: Clock,
        *,
        processors: Sequence[Processor] = (),
        sampler: TraceSampler | None = None,
        exporters: Sequence[SpanExporter] = (),
    ) -> None:
        self.sink = sink
        self.journal = journal
        self.settings = settings
        self.now_ns = clock.now_ns
        self._clock = clock
        self._pipeline = Pipeline(processors)
        self._sampler = sampler
        self._exports = ExportWorker(exporters) if exporters else None
        self._queue: deque[SpanRecord] = deque()
        self._max_queue = settings.queue_size
        self._batch_size = settings.batch_size
        self._wake = threading.Event()
        self._drained = 0
        self._drain_done = threading.Condition()
        self._drain_gen = 0
        self._draining = False
        self._drops = itertools.count(1)
        self._dropped = 0
        self._last_drop_log = -_DROP_LOG_EVERY_S
        self._written = 0
        self._store_failures = 0
        self._store_ok = True
        self._dead_lettered = 0
        self._stopping = False
        self._stop_store = threading.Event()
        self._converted_at_start = converted_attributes.count
        self._processor_thread = threading.Thread(
            target=self._process_loop, name="surefoot-recorder", daemon=True
        )
        self._store_thread = threading.Thread(
            target=self._store_loop, name="surefoot-store-writer", daemon=True
        )
        self._processor_thread.start()
        self._store_thread.start()

    # ------------------------------------------------------------------ caller's path
    def enqueue(self, record: SpanRecord) -> None:
        """Accept a finished span; never blocks, never raises."""
        queue = self._queue
        if len(queue) >= self._max_queue:
            self._drop()
            return
        queue.append(record)
        if len(queue) == self._batch_size:
            self._wake.set()

    def _drop(self) -> None:
        self._dropped = count = next(self._drops)
        now = self._clock.monotonic()
        if now - self._last_drop_log >= _DROP_LOG_EVERY_S:
            self._last_drop_log = now
            logger.warning(
                "surefoot: recorder queue full (%d spans); %d spans dropped so far",
                self._max_queue,
                count,
            )

    # ------------------------------------------------------------------ processing thread
    def _process_loop(self) -> None:
        while not self._stopping:
            self._wake.wait(self.settings.flush_interval_s)
            self._wake.clear()
            self._drain()
        self._drain()
        if self._sampler is not None:
            self._deliver(self._pipeline.run(self._sampler.release_all()))

    def _drain(self) -> None:
        with self._drain_done:
            self._draining = True
        records = drain(self._queue)
        self._drained += len(records)
        kept = records if self._sampler is None else self._sampler.offer(records)
        processed: list[SpanRecord] = []
        for start in range(0, len(kept), _SLICE):
            if start:
                # Hand the interpreter lock back between slices: a batch of hundreds of spans
                # would otherwise hold it for milliseconds while a request waits to run.
                time.sleep(0)
            processed += self._pipeline.run(kept[start : start + _SLICE])
        self._deliver(processed)
        with self._drain_done:
            self._draining = False
            self._drain_gen += 1
            self._drain_done.notify_all()

    def _deliver(self, records: list[SpanRecord]) -> None:
        if not records:
            return
        try:
            self.journal.append(records)
        except Exception as exc:  # encoding a batch must never kill the thread
            _store_errors("journal", "surefoot: could not journal spans: %r", exc)
            return
        if self._exports is not None:
            self._exports.submit(records)

    # ------------------------------------------------------------------ store thread
    def _store_loop(self) -> None:
        interval = self.settings.flush_interval_s
        while True:
            chunk = self.journal.take(interval)
            if chunk is None:
                if self._stop_store.is_set():
                    return
                continue
            while not self._write(chunk):
                if self._stop_store.wait(self.settings.retry_interval_s):
                    return  # shutting down: the chunk stays in the spool for the next process
            self.journal.commit(chunk)
            self._written += len(chunk.records)

    def _write(self, chunk: Chunk) -> bool:
        records, size = chunk.records, self._batch_size
        try:
            for i in range(0, len(records), size):
                self._write_batch(records[i : i + size])
        except Exception as exc:  # StoreUnavailable or anything else: spool and retry
            self._store_failures += 1
            if self._store_ok:
                self._store_ok = False
                logger.warning(
                    "surefoot: store write failed (%s: %s); spans stay in the spool and are "
                    "replayed in order when it is back (retrying every %.1fs)",
                    type(exc).__name__,
                    exc,
                    self.settings.retry_interval_s,
                )
            return False
        if not self._store_ok:
            self._store_ok = True
            logger.warning("surefoot: store reachable again; replaying the spool")
        return True

    def _write_batch(self, batch: list[SpanRecord]) -> None:
        try:
            self.sink.write_spans(batch)
        except (StoreUnavailable, MigrationRequired):
            raise  # the store, not the spans: retry the whole batch later
        except StoreError as exc:
            if len(batch) == 1:
                self._dead_letter(batch, exc)
                return
            # Halve until the refused spans are alone: k bad spans cost O(k log n) writes, and
            # the sink's idempotency makes a retry after a later outage harmless.
            mid = len(batch) // 2
            self._write_batch(batch[:mid])
            self._write_batch(batch[mid:])

    def _dead_letter(self, batch: list[SpanRecord], exc: StoreError) -> None:
        reason = f"{type(exc).__name__}: {exc}"
        try:
            path = self.journal.dead_letter(batch, reason, self.now_ns())
        except OSError as write_error:
            path, reason = None, f"{reason}; the dead-letter file failed too: {write_error}"
        self._dead_lettered += len(batch)
        if path is None:
            # Nowhere to keep it: at least the log has what was lost.
            logger.error(
                "surefoot: the store refused span %s/%s and it could not be kept (%s)",
                batch[0].trace_id,
                batch[0].span_id,
                reason,
            )
        elif self._dead_lettered == len(batch):
            logger.error(
                "surefoot: the store refused a span (%s); refused spans are moved to %s and "
                "counted in stats().dead_lettered",
                reason,
                path,
            )

    # ------------------------------------------------------------------ control
    def flush(self, timeout_s: float = 5.0) -> bool:
        """Write everything accepted so far to the store; False if that took over ``timeout_s``.

        Spans of sampled-out traces still waiting for their root are not forced out.
        """
        if threading.current_thread() in (self._processor_thread, self._store_thread):
            return False  # called from a processor or the sink: waiting would deadlock
        if self._stopping:
            return self.journal.wait_committed(self.journal.appended_seq, 0.0)
        deadline = self._clock.monotonic() + timeout_s
        with self._drain_done:
            # Wait for a drain that started after this call (the one under way may have missed
            # spans enqueued just before it).
            target = self._drain_gen + (2 if self._draining else 1)
            self._wake.set()
            if not self._drain_done.wait_for(lambda: self._drain_gen >= target, timeout_s):
                return False
        remaining = max(deadline - self._clock.monotonic(), 0.0)
        ok = self.journal.wait_committed(self.journal.appended_seq, remaining)
        if self._exports is not None:
            remaining = max(deadline - self._clock.monotonic(), 0.0)
            ok = self._exports.force_flush(remaining) and ok
        return ok

    def shutdown(self, timeout_s: float = 5.0) -> bool:
        """Flush within ``timeout_s`` and stop; what is not in the store stays in the spool."""
        deadline = self._clock.monotonic() + timeout_s
        self._stopping = True
        self._wake.set()
        self._processor_thread.join(timeout_s)
        remaining = max(deadline - self._clock.monotonic(), 0.0)
        ok = self.journal.wait_committed(self.journal.appended_seq, remaining)
        self._stop_store.set()
        # A short grace beyond the deadline: a store thread between two retries stops at once,
        # and only a stopped thread lets the spool be closed (and its folder lock released).
        self._store_thread.join(max(deadline - self._clock.monotonic(), 0.0) + 0.5)
        if self._exports is not None:
            self._exports.shutdown(max(deadline - self._clock.monotonic(), 0.0))
        if not self._store_thread.is_alive():
            self.journal.close()
        return ok

    def stats(self) -> RecorderStats:
        """A snapshot of the counters."""
        journal, pipe, sampler, exports = self.journal, self._pipeline, self._sampler, self._exports
        return RecorderStats(
            enqueued=self._drained + len(self._queue),
            written=self._written,
            pending=len(self._queue) + journal.pending_spans,
            dropped_queue_full=self._dropped,
            dropped_sampled=0 if sampler is None else sampler.dropped,
            rescued=0 if sampler is None else sampler.rescued,
            held_for_sampling=0 if sampler is None else sampler.held,
            dropped_by_processor=pipe.dropped,
            processor_errors=pipe.failed,
            dropped_spool_full=journal.dropped,
            spooled=journal.spooled,
            replayed=journal.replayed,
            spool_corrupt=journal.corrupt,
            adopted=journal.adopted,
            dead_lettered=self._dead_lettered,
            spool_bytes=journal.spool_bytes,
            store_failures=self._store_failures,
            store_available=self._store_ok,
            exported=0 if exports is None else exports.exported,
            export_failures=0 if exports is None else exports.failures,
            dropped_export=0 if exports is None else exports.dropped,
            attributes_converted=converted_attributes.count - self._converted_at_start,
        )
