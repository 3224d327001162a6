"""Exporters: where processed spans go besides the store (an OTLP collector, a test's memory).

Exporters run on their own thread behind a bounded queue, so a slow or broken collector never
delays the store path; what does not fit, or fails, is counted.
"""

from __future__ import annotations

import enum
import logging
import threading
from collections import deque
from typing import TYPE_CHECKING, Protocol, runtime_checkable

from surefoot.tracing._payload import LogOnce

if TYPE_CHECKING:
    from collections.abc import Sequence

    from surefoot.core._records import SpanRecord

__all__ = ["ExportResult", "ExportWorker", "SpanExporter"]

logger = logging.getLogger("surefoot.tracing")
_export_errors = LogOnce()


class ExportResult(enum.Enum):
    """Whether an export succeeded."""

    SUCCESS = "success"
    FAILURE = "failure"


@runtime_checkable
class SpanExporter(Protocol):
    """Sends batches of finished, processed spans somewhere (OpenTelemetry's ``SpanExporter``)."""

    def export(self, batch: Sequence[SpanRecord]) -> ExportResult:
        """Send ``batch``; return FAILURE rather than raise."""
        ...

    def force_flush(self, timeout_s: float = 30.0) -> bool:
        """Send anything buffered; False when it could not within ``timeout_s``."""
        ...

    def shutdown(self, timeout_s: float = 30.0) -> None:
        """Release resources; later exports fail."""
        ...


class ExportWorker:
    """Feeds batches to exporters from one background thread.

    Args:
        exporters: the exporters, each given every batch.
        max_batches: batches waiting beyond which new ones are dropped and counted.
    """

    def __init__(self, exporters: Sequence[SpanExporter], *, max_batches: int = 64) -> None:
        self.exporters = tuple(exporters)
        self._queue: deque[Sequence[SpanRecord]] = deque()
        self._max = max_batches
        self._cond = threading.Condition()
        self._busy = False
        self._stopping = False
        self.exported = 0
        self.failures = 0
        self.dropped = 0
        self._thread = threading.Thread(target=self._run, name="surefoot-export", daemon=True)
        self._thread.start()

    def submit(self, batch: Sequence[SpanRecord]) -> None:
        """Queue ``batch`` for every exporter; never blocks."""
        with self._cond:
            if len(self._queue) >= self._max:
                self.dropped += len(batch)
                return
            self._queue.append(batch)
            self._cond.notify_all()

    def _run(self) -> None:
        while True:
            with self._cond:
                self._cond.wait_for(lambda: self._queue or self._stopping)
                if not self._queue:
                    return
                batch = self._queue.popleft()
                self._busy = True
            for exporter in self.exporters:
                self._export(exporter, batch)
            with self._cond:
                self._busy = False
                self._cond.notify_all()

    def _export(self, exporter: SpanExporter, batch: Sequence[SpanRecord]) -> None:
        try:
            result = exporter.export(batch)
        except Exception as exc:  # an exporter's bug must not stop the others
            _export_errors(id(exporter), "surefoot: exporter %r raised %r", exporter, exc)
            result = ExportResult.FAILURE
        if result is ExportResult.SUCCESS:
            self.exported += len(batch)
        else:
            self.failures += 1

    def force_flush(self, timeout_s: float) -> bool:
        """Wait until queued batches are exported, then flush every exporter."""
        with self._cond:
            done = self._cond.wait_for(lambda: not self._queue and not self._busy, timeout_s)
        ok = all(_safe_flush(e, timeout_s) for e in self.exporters)
        return done and ok

    def shutdown(self, timeout_s: float) -> None:
        """Export what is queued (within ``timeout_s``) and shut every exporter down."""
        self.force_flush(timeout_s)
        with self._cond:
            self._stopping = True
            self._cond.notify_all()
        self._thread.join(timeout_s)
        for exporter in self.exporters:
            try:
                exporter.shutdown(timeout_s)
            except Exception as exc:
                _export_errors(
                    ("shutdown", id(exporter)), "surefoot: %r shutdown: %r", exporter, exc
                )


def _safe_flush(exporter: SpanExporter, timeout_s: float) -> bool:
    try:
        return exporter.force_flush(timeout_s)
    except Exception as exc:
        _export_errors(("flush", id(exporter)), "surefoot: %r force_flush: %r", exporter, exc)
        return False
