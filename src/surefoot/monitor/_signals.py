"""Signals from traces: each span becomes values of named signals, monitored like any feature.

Signals are columns of a dict-of-columns batch, so a window of spans profiles and drifts exactly
like a window of model inputs. A signal that does not apply to a span simply gets no value.
Rates are 0/1 flags (their mean is the rate); categorical signals are strings.

==================================  =========  ===================================================
signal                              type       from
==================================  =========  ===================================================
output.length                       number     llm output, characters
output.json_valid                   rate       llm output parses as JSON (fenced allowed)
output.refusal / output.caveat      rate       refusal / hedge phrases in the llm output
output.language                     category   ISO 639-1 code of the output (``und``: unsure)
output.language_undetermined        rate       the output's language could not be told
model.served                        category   ``gen_ai.response.model``
model.mismatch                      rate       ``surefoot.model.mismatch`` (served != pin)
prompt.chars                        number     length of ``surefoot.prompt``
tokens.input / tokens.output        number     per llm call, GenAI usage attributes
cost.usd                            number     per llm call, ``surefoot.cost.usd``
llm.latency_ms / llm.error          number     llm span duration / rate of error status
retrieval.top_score / .mean_score   number     ``surefoot.retrieval.scores``
retrieval.empty                     rate       a retrieval without scores
retrieval.low_confidence            rate       empty, or top score below ``low_confidence_below``
retrieval.source_age_s              number     mean age of retrieved sources at retrieval time,
                                               from ``surefoot.retrieval.documents.updated_unix_s``
retrieval.source_max_age_s          number     age of the oldest retrieved source
request.latency_ms / request.error  number     root span duration / rate of error status
request.tokens                      number     input + output tokens over a trace's llm calls
request.prompt_tokens               number     input tokens per request: prompt inflation
request.llm_calls                   number     llm calls per request (agent loops, re-asks)
request.cost_usd                    number     cost per request
decision.status                     category   ``surefoot.decision.status``
decision.fallback / .caveat         rate       status ``fallback`` / ``serve_with_caveat``
decision.escalated / .refused       rate       status ``escalate`` / ``refused``
decision.validator_failed           rate       a decision reason names a failed validation
decision.confidence                 number     ``surefoot.decision.confidence``
validation.failed                   rate       validation spans with ``surefoot.validation.ok``
judge.score                         number     ``surefoot.judge.score`` on any span
quality.<field>.violation           rate       ``surefoot.quality.fields`` checked, of which
                                               ``surefoot.quality.violations`` broke a rule
==================================  =========  ===================================================

Request signals add up a trace's spans within the window; a trace that straddles two windows is
counted in each with its own part.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from surefoot.core import SpanKind, SpanStatus, semconv
from surefoot.monitor._signal_spans import (
    MAX_EXAMPLES,
    SignalWindow,
    attribute_signals,
    decision,
    flag,
    is_json,
    llm,
    number,
    output_text,
    retrieval,
)

if TYPE_CHECKING:
    from collections.abc import Iterable

    from surefoot.core import SpanRecord
    from surefoot.store import Store

__all__ = [
    "MAX_EXAMPLES",
    "SignalWindow",
    "extract_signals",
    "is_json",
    "output_text",
    "read_window",
]

# Below this top retrieval score a retrieval counts as low-confidence, unless told otherwise.
LOW_CONFIDENCE_BELOW = 0.5


@dataclass
class _Request:
    """What one trace's llm calls add up to."""

    calls: int = 0
    input_tokens: float = 0.0
    output_tokens: float = 0.0
    cost_usd: float = 0.0
    priced: bool = False

    def add(self, span: SpanRecord) -> None:
        attrs = span.attributes
        self.calls += 1
        self.input_tokens += number(attrs.get(semconv.GEN_AI_USAGE_INPUT_TOKENS)) or 0.0
        self.output_tokens += number(attrs.get(semconv.GEN_AI_USAGE_OUTPUT_TOKENS)) or 0.0
        cost = number(attrs.get(semconv.SF_COST_USD))
        if cost is not None:
            self.cost_usd += cost
            self.priced = True

    def emit(self, trace_id: str, window: SignalWindow) -> None:
        window.add("request.llm_calls", float(self.calls), trace_id)
        window.add("request.prompt_tokens", self.input_tokens, trace_id)
        window.add("request.tokens", self.input_tokens + self.output_tokens, trace_id)
        if self.priced:
            window.add("request.cost_usd", self.cost_usd, trace_id)


def extract_signals(
    spans: Iterable[SpanRecord], *, low_confidence_below: float = LOW_CONFIDENCE_BELOW
) -> SignalWindow:
    """Turn spans into signal values (the module's table lists every signal).

    Args:
        spans: The spans of a window, in any order.
        low_confidence_below: Top retrieval score under which a retrieval is low-confidence.

    Examples:
        >>> from surefoot.core import SpanKind, SpanRecord
        >>> span = SpanRecord("a" * 32, "b" * 16, "chat", SpanKind.LLM, output='{"ok": true}')
        >>> extract_signals([span]).columns["output.json_valid"]
        [1.0]
    """
    window = SignalWindow()
    requests: dict[str, _Request] = {}
    for span in spans:
        if span.kind is SpanKind.LLM:
            llm(span, window)
            requests.setdefault(span.trace_id, _Request()).add(span)
        elif span.kind is SpanKind.RETRIEVAL:
            retrieval(span, window, low_confidence_below)
        if span.is_root:
            window.add("request.latency_ms", span.duration_ns / 1e6, span.trace_id)
            window.add("request.error", flag(span.status is SpanStatus.ERROR), span.trace_id)
        decision(span, window)
        attribute_signals(span, window)
    for trace_id, request in requests.items():
        request.emit(trace_id, window)
    return window


def read_window(
    store: Store,
    since_ns: int,
    until_ns: int,
    *,
    low_confidence_below: float = LOW_CONFIDENCE_BELOW,
) -> SignalWindow:
    """Signals of every span stored with a start time in ``[since_ns, until_ns)``."""
    return extract_signals(
        store.iter_spans(since_ns=since_ns, until_ns=until_ns),
        low_confidence_below=low_confidence_below,
    )
