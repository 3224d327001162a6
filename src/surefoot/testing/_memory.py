"""In-memory tracing for tests: a sink, an exporter, and ``capture_traces()``."""

from __future__ import annotations

import contextlib
import threading
from typing import TYPE_CHECKING

from surefoot.core._clock import SYSTEM_CLOCK
from surefoot.core.config import RecorderSettings, TracingSettings
from surefoot.tracing import ExportResult
from surefoot.tracing._api import build_recorder
from surefoot.tracing._journal import Journal
from surefoot.tracing._state import STATE

if TYPE_CHECKING:
    from collections.abc import Iterator, Sequence

    from surefoot.core._records import SpanRecord
    from surefoot.tracing import Processor
    from surefoot.tracing._recorder import Recorder

__all__ = ["CapturedTraces", "InMemoryExporter", "InMemorySink", "capture_traces"]


class InMemorySink:
    """A :class:`~surefoot.core.SpanSink` that keeps spans in a list (idempotent per span id)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._spans: dict[tuple[str, str], SpanRecord] = {}

    def write_spans(self, spans: Sequence[SpanRecord]) -> None:
        """Keep ``spans``; a span written twice is kept once."""
        with self._lock:
            for sp in spans:
                self._spans.setdefault((sp.trace_id, sp.span_id), sp)

    @property
    def spans(self) -> list[SpanRecord]:
        """Every span written, in the order first written."""
        with self._lock:
            return list(self._spans.values())


class InMemoryExporter:
    """A span exporter that keeps what it is given (after OpenTelemetry's
    ``InMemorySpanExporter``)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._spans: list[SpanRecord] = []
        self._stopped = False

    def export(self, batch: Sequence[SpanRecord]) -> ExportResult:
        """Keep ``batch``; fails after :meth:`shutdown`."""
        if self._stopped:
            return ExportResult.FAILURE
        with self._lock:
            self._spans.extend(batch)
        return ExportResult.SUCCESS

    def get_finished_spans(self) -> list[SpanRecord]:
        """Every span exported so far."""
        with self._lock:
            return list(self._spans)

    def clear(self) -> None:
        """Forget the spans exported so far."""
        with self._lock:
            self._spans.clear()

    def force_flush(self, timeout_s: float = 30.0) -> bool:
        """Nothing to flush."""
        return True

    def shutdown(self, timeout_s: float = 30.0) -> None:
        """Refuse later exports."""
        self._stopped = True


class CapturedTraces:
    """What :func:`capture_traces` recorded; reading flushes the recorder first."""

    def __init__(self, sink: InMemorySink, recorder: Recorder) -> None:
        self._sink = sink
        self._recorder = recorder

    @property
    def spans(self) -> list[SpanRecord]:
        """Every finished span, processed (redacted, capped) as the store would get it."""
        self._recorder.flush(5.0)
        return self._sink.spans

    def named(self, name: str) -> list[SpanRecord]:
        """The finished spans called ``name``."""
        return [sp for sp in self.spans if sp.name == name]

    def trace(self, trace_id: str) -> list[SpanRecord]:
        """The finished spans of one trace, in start order."""
        return sorted((sp for sp in self.spans if sp.trace_id == trace_id), key=_start)


def _start(sp: SpanRecord) -> int:
    return sp.start_ns


@contextlib.contextmanager
def capture_traces(
    *,
    tracing: TracingSettings | None = None,
    processors: Sequence[Processor] = (),
) -> Iterator[CapturedTraces]:
    """Record spans in memory for the duration of the block (like structlog's ``capture_logs``).

    Whatever recorder was installed is set aside and restored afterwards; nothing touches disk
    or a store.

    Args:
        tracing: what to capture and redact; default :class:`~surefoot.core.TracingSettings`.
        processors: extra processors, run before the built-in ones.

    Examples:
        >>> from surefoot import tracing
        >>> with capture_traces() as captured:
        ...     with tracing.span("greet"):
        ...         pass
        >>> [sp.name for sp in captured.spans]
        ['greet']
    """
    settings = TracingSettings() if tracing is None else tracing
    sink = InMemorySink()
    recorder_settings = RecorderSettings(flush_interval_s=0.05)
    journal = Journal(None, max_memory_spans=1 << 20, max_spool_bytes=0)
    recorder = build_recorder(
        sink, settings, recorder_settings, journal, SYSTEM_CLOCK, processors=processors
    )
    saved = (STATE.recorder, STATE.capture_payloads)
    STATE.recorder, STATE.capture_payloads = recorder, settings.capture_payloads
    captured = CapturedTraces(sink, recorder)
    try:
        yield captured
    finally:
        recorder.flush(5.0)
        STATE.recorder, STATE.capture_payloads = saved
        recorder.shutdown(1.0)
