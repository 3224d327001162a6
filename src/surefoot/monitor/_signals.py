"""Signals from traces: each span becomes values of named signals, monitored like any feature.

Signals are columns of a dict-of-columns batch, so a window of spans profiles and drifts exactly
like a window of model inputs. A signal that does not apply to a span simply gets no value.
"""

from __future__ import annotations

import json
import re
from collections import defaultdict
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from surefoot.core import SpanKind, SpanStatus, semconv

if TYPE_CHECKING:
    from collections.abc import Iterable

    from surefoot.core import JSONValue, SpanRecord
    from surefoot.store import Store

# Phrases that open a refusal or a hedge; kept short so they rarely match ordinary answers.
REFUSAL = re.compile(
    r"\b(i can(?:no|')t (?:help|assist|comply)|i(?: am|'m) (?:unable|not able) to|"
    r"i won'?t be able to|as an ai)\b",
    re.IGNORECASE,
)
CAVEAT = re.compile(
    r"\b(i(?: am|'m) not (?:sure|certain)|may not be accurate|please verify|consult a)\b",
    re.IGNORECASE,
)
MAX_EXAMPLES = 20


@dataclass
class SignalWindow:
    """Signal values of one window and the traces they came from.

    Attributes:
        columns: Values per signal name.
        trace_ids: Up to ``MAX_EXAMPLES`` trace ids per signal, to link alerts to evidence.
    """

    columns: dict[str, list[float | str]] = field(default_factory=lambda: defaultdict(list))
    trace_ids: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))

    def add(self, name: str, value: float | str, trace_id: str) -> None:
        """Record one value of a signal."""
        self.columns[name].append(value)
        examples = self.trace_ids[name]
        if len(examples) < MAX_EXAMPLES and trace_id not in examples:
            examples.append(trace_id)


def output_text(output: JSONValue) -> str:
    """The text of an llm span's output (plain text, or the contents of its choices)."""
    if isinstance(output, str):
        return output
    if isinstance(output, list):
        parts = [c.get("content") for c in output if isinstance(c, dict)]
        return "\n".join(p for p in parts if isinstance(p, str))
    return "" if output is None else json.dumps(output)


def is_json(text: str) -> bool:
    """Whether the text parses as a JSON object or array (fenced code blocks allowed)."""
    body = text.strip()
    if body.startswith("```"):
        body = body.strip("`").removeprefix("json").strip()
    if not body.startswith(("{", "[")):
        return False
    try:
        json.loads(body)
    except ValueError:
        return False
    return True


def _flag(value: bool) -> float:
    return 1.0 if value else 0.0


def _llm(span: SpanRecord, window: SignalWindow) -> None:
    tid, attrs = span.trace_id, span.attributes
    text = output_text(span.output)
    window.add("llm.latency_ms", span.duration_ns / 1e6, tid)
    window.add("llm.error", _flag(span.status is SpanStatus.ERROR), tid)
    if span.status is not SpanStatus.ERROR:
        window.add("output.length", float(len(text)), tid)
        window.add("output.json_valid", _flag(is_json(text)), tid)
        window.add("output.refusal", _flag(bool(REFUSAL.search(text))), tid)
        window.add("output.caveat", _flag(bool(CAVEAT.search(text))), tid)
    served = attrs.get(semconv.GEN_AI_RESPONSE_MODEL)
    if isinstance(served, str):
        window.add("model.served", served, tid)
    if semconv.SF_MODEL_MISMATCH in attrs:
        window.add("model.mismatch", _flag(bool(attrs[semconv.SF_MODEL_MISMATCH])), tid)
    for name, key in (
        ("tokens.input", semconv.GEN_AI_USAGE_INPUT_TOKENS),
        ("tokens.output", semconv.GEN_AI_USAGE_OUTPUT_TOKENS),
        ("cost.usd", semconv.SF_COST_USD),
    ):
        value = attrs.get(key)
        if isinstance(value, int | float) and not isinstance(value, bool):
            window.add(name, float(value), tid)


def _retrieval(span: SpanRecord, window: SignalWindow) -> None:
    scores = span.attributes.get(semconv.SF_RETRIEVAL_SCORES)
    values = (
        [float(s) for s in scores if isinstance(s, int | float)] if isinstance(scores, list) else []
    )
    window.add("retrieval.empty", _flag(not values), span.trace_id)
    if values:
        window.add("retrieval.top_score", max(values), span.trace_id)
        window.add("retrieval.mean_score", sum(values) / len(values), span.trace_id)


def _decision(span: SpanRecord, window: SignalWindow) -> None:
    status = span.attributes.get(semconv.SF_DECISION_STATUS)
    if not isinstance(status, str):
        return
    reasons = span.attributes.get(semconv.SF_DECISION_REASONS)
    reason_text = (
        " ".join(r for r in reasons if isinstance(r, str)) if isinstance(reasons, list) else ""
    )
    tid = span.trace_id
    window.add("decision.status", status, tid)
    window.add("decision.fallback", _flag(status == "fallback"), tid)
    window.add("decision.caveat", _flag(status == "serve_with_caveat"), tid)
    window.add("decision.validator_failed", _flag("valid" in reason_text.lower()), tid)


def extract_signals(spans: Iterable[SpanRecord]) -> SignalWindow:
    """Turn spans into signal values: output, model, retrieval, latency, error, cost, decisions.

    Examples:
        >>> from surefoot.core import SpanKind, SpanRecord
        >>> span = SpanRecord("a" * 32, "b" * 16, "chat", SpanKind.LLM, output='{"ok": true}')
        >>> extract_signals([span]).columns["output.json_valid"]
        [1.0]
    """
    window = SignalWindow()
    for span in spans:
        if span.kind is SpanKind.LLM:
            _llm(span, window)
        elif span.kind is SpanKind.RETRIEVAL:
            _retrieval(span, window)
        if span.is_root:
            window.add("request.latency_ms", span.duration_ns / 1e6, span.trace_id)
            window.add("request.error", _flag(span.status is SpanStatus.ERROR), span.trace_id)
        _decision(span, window)
    return window


def read_window(store: Store, since_ns: int, until_ns: int) -> SignalWindow:
    """Signals of every span stored with a start time in ``[since_ns, until_ns)``."""
    return extract_signals(store.iter_spans(since_ns=since_ns, until_ns=until_ns))
