"""Head sampling per trace that still keeps every trace with an error or a non-serve decision.

Whether a trace is sampled in is a pure function of its trace id, so every span of a trace (and
every process that sees it) agrees without coordination. Spans of a trace that is sampled *out*
are held until its root span ends: if any of them failed or carries a decision other than
``serve`` the whole trace is rescued, otherwise it is dropped and counted. Held spans are bounded
in number and in time, so a root that never ends cannot grow memory.
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from surefoot.core import semconv
from surefoot.core._records import DecisionStatus, SpanRecord, SpanStatus

if TYPE_CHECKING:
    from collections.abc import Iterable

    from surefoot.core._clock import Clock

__all__ = ["TraceSampler", "rescue_reason", "sampled_in"]

_SERVE = DecisionStatus.SERVE.value


def sampled_in(trace_id: str, rate: float) -> bool:
    """Whether head sampling at ``rate`` keeps the trace, from the id's rightmost 56 bits.

    Those are the bits W3C trace context (level 2) and OpenTelemetry's probability sampling
    take as random; surefoot's own ids begin with a timestamp, so their first bits are not.
    """
    if rate >= 1.0:
        return True
    return int(trace_id[-14:], 16) < int(rate * 2**56)


def rescue_reason(record: SpanRecord) -> str | None:
    """``"error"`` or ``"decision"`` when the span must be kept whatever the sample rate."""
    if record.status is SpanStatus.ERROR:
        return "error"
    decision = record.attributes.get(semconv.SF_DECISION_STATUS)
    if decision is not None and decision != _SERVE:
        return "decision"
    return None


@dataclass(slots=True)
class _Held:
    since_s: float
    spans: list[SpanRecord] = field(default_factory=list)
    reason: str | None = None


class TraceSampler:
    """Keeps a ``rate`` share of traces, plus every trace worth rescuing.

    Args:
        rate: the share of traces kept, in [0, 1].
        clock: where time comes from (for how long spans are held).
        max_held_spans: held spans beyond which the oldest trace is decided early.
        hold_s: longest time a trace's spans wait for its root.
        max_decided: remembered decisions, for spans that end after their root.
    """

    def __init__(
        self,
        rate: float,
        clock: Clock,
        *,
        max_held_spans: int = 10_000,
        hold_s: float = 30.0,
        max_decided: int = 10_000,
    ) -> None:
        self.rate = rate
        self._clock = clock
        self._max_held = max_held_spans
        self._hold_s = hold_s
        self._max_decided = max_decided
        self._held: OrderedDict[str, _Held] = OrderedDict()
        self._n_held = 0
        self._decided: OrderedDict[str, str | None] = OrderedDict()
        self.dropped = 0
        self.rescued = 0

    @property
    def held(self) -> int:
        """Spans currently waiting for their trace to be decided."""
        return self._n_held

    def offer(self, records: Iterable[SpanRecord]) -> list[SpanRecord]:
        """The spans that may go on now, in order; the rest are held or dropped."""
        out: list[SpanRecord] = []
        rate = self.rate
        for record in records:
            if rate >= 1.0 or sampled_in(record.trace_id, rate):
                out.append(record)
            else:
                self._hold(record, out)
        self._evict(self._clock.monotonic(), out)
        return out

    def release_all(self) -> list[SpanRecord]:
        """Decide every held trace now (at shutdown); returns the rescued spans."""
        out: list[SpanRecord] = []
        while self._held:
            trace_id, held = self._held.popitem(last=False)
            self._decide(trace_id, held, out)
        return out

    def _hold(self, record: SpanRecord, out: list[SpanRecord]) -> None:
        trace_id = record.trace_id
        if trace_id in self._decided:
            # The root already ended: follow the trace's decision, but never lose an error.
            reason = self._decided[trace_id] or rescue_reason(record)
            self._emit([record], reason, out)
            return
        held = self._held.get(trace_id)
        if held is None:
            held = self._held[trace_id] = _Held(self._clock.monotonic())
        held.spans.append(record)
        self._n_held += 1
        held.reason = held.reason or rescue_reason(record)
        if record.parent_id is None:
            del self._held[trace_id]
            self._decide(trace_id, held, out)

    def _evict(self, now_s: float, out: list[SpanRecord]) -> None:
        while self._held:
            trace_id, oldest = next(iter(self._held.items()))
            if self._n_held <= self._max_held and now_s - oldest.since_s < self._hold_s:
                return
            del self._held[trace_id]
            self._decide(trace_id, oldest, out)

    def _decide(self, trace_id: str, held: _Held, out: list[SpanRecord]) -> None:
        self._n_held -= len(held.spans)
        self._decided[trace_id] = held.reason
        if len(self._decided) > self._max_decided:
            self._decided.popitem(last=False)
        self._emit(held.spans, held.reason, out)

    def _emit(self, spans: list[SpanRecord], reason: str | None, out: list[SpanRecord]) -> None:
        if reason is None:
            self.dropped += len(spans)
            return
        self.rescued += len(spans)
        for record in spans:
            record.attributes[semconv.SF_SAMPLED_REASON] = reason
        out.extend(spans)
