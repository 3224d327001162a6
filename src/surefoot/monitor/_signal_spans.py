"""Per-span signal extractors: one small function per span kind or attribute family."""

from __future__ import annotations

import json
import re
from collections import defaultdict
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from surefoot.core import SpanStatus, semconv
from surefoot.monitor._language import UNDETERMINED, detect_language

if TYPE_CHECKING:
    from surefoot.core import JSONValue, SpanRecord

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


def flag(value: bool) -> float:
    """1.0 for true, 0.0 for false: rates are means of flags."""
    return 1.0 if value else 0.0


def number(value: JSONValue) -> float | None:
    """A JSON number as a float; booleans and anything else are ``None``."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        return float(value)
    return None


def numbers(value: JSONValue) -> list[float]:
    """The numbers of a JSON list (other items skipped); empty for anything else."""
    if not isinstance(value, list):
        return []
    return [float(v) for v in value if isinstance(v, int | float) and not isinstance(v, bool)]


def llm(span: SpanRecord, window: SignalWindow) -> None:
    """Output, model, token and cost signals of one llm call."""
    tid, attrs = span.trace_id, span.attributes
    window.add("llm.latency_ms", span.duration_ns / 1e6, tid)
    window.add("llm.error", flag(span.status is SpanStatus.ERROR), tid)
    if span.status is not SpanStatus.ERROR:
        text = output_text(span.output)
        window.add("output.length", float(len(text)), tid)
        window.add("output.json_valid", flag(is_json(text)), tid)
        window.add("output.refusal", flag(bool(REFUSAL.search(text))), tid)
        window.add("output.caveat", flag(bool(CAVEAT.search(text))), tid)
        language = detect_language(text)
        window.add("output.language", language, tid)
        window.add("output.language_undetermined", flag(language == UNDETERMINED), tid)
    served = attrs.get(semconv.GEN_AI_RESPONSE_MODEL)
    if isinstance(served, str):
        window.add("model.served", served, tid)
    if semconv.SF_MODEL_MISMATCH in attrs:
        window.add("model.mismatch", flag(bool(attrs[semconv.SF_MODEL_MISMATCH])), tid)
    prompt = attrs.get(semconv.SF_PROMPT)
    if isinstance(prompt, str):
        window.add("prompt.chars", float(len(prompt)), tid)
    for name, key in (
        ("tokens.input", semconv.GEN_AI_USAGE_INPUT_TOKENS),
        ("tokens.output", semconv.GEN_AI_USAGE_OUTPUT_TOKENS),
        ("cost.usd", semconv.SF_COST_USD),
    ):
        value = number(attrs.get(key))
        if value is not None:
            window.add(name, value, tid)


def retrieval(span: SpanRecord, window: SignalWindow, low_confidence_below: float) -> None:
    """Score, emptiness, low-confidence and source-freshness signals of one retrieval."""
    tid = span.trace_id
    scores = numbers(span.attributes.get(semconv.SF_RETRIEVAL_SCORES))
    window.add("retrieval.empty", flag(not scores), tid)
    window.add(
        "retrieval.low_confidence", flag(not scores or max(scores) < low_confidence_below), tid
    )
    if scores:
        window.add("retrieval.top_score", max(scores), tid)
        window.add("retrieval.mean_score", sum(scores) / len(scores), tid)
    updated = numbers(span.attributes.get(semconv.SF_RETRIEVAL_DOCUMENTS_UPDATED))
    if updated:
        # Age at retrieval time, so a replayed or late-ingested trace reads the same.
        ages = [max(span.start_ns / 1e9 - u, 0.0) for u in updated]
        window.add("retrieval.source_age_s", sum(ages) / len(ages), tid)
        window.add("retrieval.source_max_age_s", max(ages), tid)


def decision(span: SpanRecord, window: SignalWindow) -> None:
    """Routing signals of one guard decision."""
    status = span.attributes.get(semconv.SF_DECISION_STATUS)
    if not isinstance(status, str):
        return
    reasons = span.attributes.get(semconv.SF_DECISION_REASONS)
    reason_text = (
        " ".join(r for r in reasons if isinstance(r, str)) if isinstance(reasons, list) else ""
    )
    tid = span.trace_id
    window.add("decision.status", status, tid)
    window.add("decision.fallback", flag(status == "fallback"), tid)
    window.add("decision.caveat", flag(status == "serve_with_caveat"), tid)
    window.add("decision.escalated", flag(status == "escalate"), tid)
    window.add("decision.refused", flag(status == "refused"), tid)
    window.add("decision.validator_failed", flag("valid" in reason_text.lower()), tid)
    confidence = number(span.attributes.get(semconv.SF_DECISION_CONFIDENCE))
    if confidence is not None:
        window.add("decision.confidence", confidence, tid)


def attribute_signals(span: SpanRecord, window: SignalWindow) -> None:
    """Signals any span may carry: validator outcomes, judge scores, input-quality checks."""
    attrs, tid = span.attributes, span.trace_id
    ok = attrs.get(semconv.SF_VALIDATION_OK)
    if isinstance(ok, bool):
        window.add("validation.failed", flag(not ok), tid)
    score = number(attrs.get(semconv.SF_JUDGE_SCORE))
    if score is not None:
        window.add("judge.score", score, tid)
    checked = attrs.get(semconv.SF_QUALITY_FIELDS)
    if isinstance(checked, list):
        broken = attrs.get(semconv.SF_QUALITY_VIOLATIONS)
        broken_set = (
            {b for b in broken if isinstance(b, str)} if isinstance(broken, list) else set()
        )
        for name in checked:
            if isinstance(name, str):
                window.add(f"quality.{name}.violation", flag(name in broken_set), tid)
