"""Span processors: small callables that run in order before a span leaves the process.

A processor takes a finished :class:`~surefoot.core.SpanRecord` and returns it (changed or
replaced). To drop the span it raises :class:`DropSpan`, a ``BaseException`` so that an
``except Exception`` inside a user's processor cannot swallow the signal (structlog's
``DropEvent``). Processors run on the recorder's background thread, never on the caller's.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from typing import TypeAlias

from surefoot.core import semconv
from surefoot.core._records import JSONValue, SpanRecord
from surefoot.tracing._payload import LogOnce, cap_value

__all__ = ["DropSpan", "Pipeline", "Processor", "TruncatePayloads"]

logger = logging.getLogger("surefoot.tracing")

Processor: TypeAlias = Callable[[SpanRecord], SpanRecord]
"""A step of the span pipeline: returns the span to keep, or raises :class:`DropSpan`."""


class DropSpan(BaseException):
    """Raised by a processor to drop the span it was given."""


_UNCUT = frozenset({int, float, bool, type(None)})  # values no cap can shorten


class TruncatePayloads:
    """Cap input, output, each attribute and the error message at ``max_chars`` characters.

    A cut value becomes a string ending in :data:`~surefoot.core.semconv.TRUNCATION_MARKER`, and
    the names of the cut fields are listed in the ``surefoot.truncated`` attribute.

    Args:
        max_chars: the cap on each serialised value.
    """

    def __init__(self, max_chars: int) -> None:
        self.max_chars = max_chars
        # The last input measured and what it became: spans sharing one input object (a guard
        # span and its model call) are measured once and still share one object afterwards.
        self._last_input: tuple[JSONValue, int, JSONValue, bool] | None = None

    def __call__(self, record: SpanRecord) -> SpanRecord:
        cut: list[str] = []
        limit = self.max_chars
        value = record.input
        if value is not None:
            last = self._last_input
            if last is None or last[0] is not value or last[1] != limit:
                last = self._last_input = (value, limit, *cap_value(value, limit))
            record.input = last[2]
            if last[3]:
                cut.append("input")
        if record.output is not None:
            record.output, was_cut = cap_value(record.output, limit)
            if was_cut:
                cut.append("output")
        attrs = record.attributes
        for key, value in attrs.items():
            kind = type(value)
            if kind in _UNCUT or (kind is str and len(value) <= limit):
                continue  # what cap_value would keep, without the call
            new, was_cut = cap_value(value, limit)
            if was_cut:
                attrs[key] = new
                cut.append(key)
        if record.error is not None:
            record.error.message, was_cut = cap_value(record.error.message, limit)
            record.error.traceback, _ = cap_value(record.error.traceback, limit * 2)
            if was_cut:
                cut.append("error.message")
        if cut:
            attrs[semconv.SF_TRUNCATED] = cut
        return record


_processor_failures = LogOnce()


class Pipeline:
    """Processors applied in order; counts what was dropped and what failed.

    A processor that raises anything but :class:`DropSpan` is a bug in it, not in the span: the
    failure is logged once per processor and counted, and the span is dropped rather than
    recorded half-processed (it might skip redaction).
    """

    def __init__(self, processors: Sequence[Processor]) -> None:
        self.processors = tuple(processors)
        self.dropped = 0
        self.failed = 0

    def run(self, records: Sequence[SpanRecord]) -> list[SpanRecord]:
        """The records that survive every processor, in order."""
        if not self.processors:
            return list(records)
        kept: list[SpanRecord] = []
        for record in records:
            out = self._one(record)
            if out is not None:
                kept.append(out)
        return kept

    def _one(self, record: SpanRecord) -> SpanRecord | None:
        for processor in self.processors:
            try:
                record = processor(record)
            except DropSpan:
                self.dropped += 1
                return None
            except Exception as exc:
                self.failed += 1
                _processor_failures(
                    id(processor),
                    "surefoot: span processor %r failed (%s: %s); its spans are dropped",
                    processor,
                    type(exc).__name__,
                    exc,
                )
                return None
        return record
