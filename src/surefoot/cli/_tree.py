"""Rendering of one trace as a rich tree of spans."""

from __future__ import annotations

import json
from collections import defaultdict
from typing import TYPE_CHECKING, Any

from rich.console import Group
from rich.text import Text
from rich.tree import Tree

from surefoot.cli._time import format_duration_ns, format_ns
from surefoot.core import SpanKind, SpanRecord, SpanStatus
from surefoot.core import semconv as sc

if TYPE_CHECKING:
    from rich.console import RenderableType

    from surefoot.store import TraceSummary

_PREVIEW_CHARS = 300
_KIND_STYLE = {
    SpanKind.REQUEST: "bold",
    SpanKind.LLM: "magenta",
    SpanKind.RETRIEVAL: "cyan",
    SpanKind.VALIDATION: "yellow",
    SpanKind.GUARD: "blue",
}


def render_trace(spans: list[SpanRecord], summary: TraceSummary | None) -> RenderableType:
    """The header and span tree of one trace; llm spans show their full prompt."""
    by_parent: dict[str | None, list[SpanRecord]] = defaultdict(list)
    ids = {s.span_id for s in spans}
    for span in spans:
        # A span whose parent never arrived is shown at the top rather than hidden.
        parent = span.parent_id if span.parent_id in ids else None
        by_parent[parent].append(span)
    start = min(s.start_ns for s in spans)
    tree = Tree(_header(spans[0].trace_id, summary), guide_style="dim")
    for root in by_parent[None]:
        _add(tree, root, by_parent, start)
    return tree


def _header(trace_id: str, summary: TraceSummary | None) -> Text:
    if summary is None:
        return Text(f"trace {trace_id}")
    parts = [
        f"trace {trace_id}",
        format_ns(summary.start_ns),
        format_duration_ns(summary.duration_ns),
        summary.status.value,
    ]
    if summary.decision_status is not None:
        parts.append(f"decision={summary.decision_status.value}")
    parts.append(f"tokens {summary.input_tokens}/{summary.output_tokens}")
    parts.append(f"cost ${summary.cost_usd:.6f}")
    return Text("  ".join(parts), style="bold")


def _add(
    parent: Tree, span: SpanRecord, by_parent: dict[str | None, list[SpanRecord]], start: int
) -> None:
    children = sorted(by_parent[span.span_id], key=lambda s: s.start_ns)
    # An error that merely passed up from a child keeps its traceback at the child only.
    passed_up = span.error is not None and any(
        c.error is not None and c.error.message == span.error.message for c in children
    )
    node = parent.add(Group(*_describe(span, start, traceback=not passed_up)))
    for child in children:
        _add(node, child, by_parent, start)


def _describe(span: SpanRecord, start: int, *, traceback: bool) -> list[RenderableType]:
    head = Text()
    head.append(span.name, style=_KIND_STYLE.get(span.kind, ""))
    head.append(f" {span.kind.value}", style="dim")
    head.append(f"  {format_duration_ns(span.duration_ns)}  ")
    failed = span.status is SpanStatus.ERROR
    head.append(span.status.value, style="red" if failed else "")
    head.append(f"  +{format_duration_ns(span.start_ns - start)}", style="dim")
    lines: list[RenderableType] = [head]
    lines += [Text(f"  {line}", style="dim") for line in _facts(span)]
    full = span.kind is SpanKind.LLM
    if span.input is not None:
        lines.append(_payload("input" if not full else "prompt", span.input, full=full))
    if span.output is not None:
        lines.append(_payload("output", span.output, full=full))
    if span.error is not None:
        lines.append(Text(f"  {span.error.type}: {span.error.message}", style="red"))
        if span.error.traceback and traceback:
            lines.append(Text(_indent(span.error.traceback.rstrip()), style="dim red"))
    return lines


def _facts(span: SpanRecord) -> list[str]:
    a = span.attributes
    facts = []
    pin, served = a.get(sc.GEN_AI_REQUEST_MODEL), a.get(sc.GEN_AI_RESPONSE_MODEL)
    if pin or served:
        mismatch = "  MISMATCH" if a.get(sc.SF_MODEL_MISMATCH) else ""
        facts.append(f"model pinned={pin} served={served}{mismatch}")
    tokens_in, tokens_out = (
        a.get(sc.GEN_AI_USAGE_INPUT_TOKENS),
        a.get(sc.GEN_AI_USAGE_OUTPUT_TOKENS),
    )
    if tokens_in is not None or tokens_out is not None:
        cost = a.get(sc.SF_COST_USD)
        cost_text = f"  cost=${cost:.6f}" if isinstance(cost, int | float) else ""
        facts.append(f"tokens in={tokens_in} out={tokens_out}{cost_text}")
    if sc.SF_DECISION_STATUS in a:
        reasons = a.get(sc.SF_DECISION_REASONS) or []
        facts.append(
            f"decision={a[sc.SF_DECISION_STATUS]} confidence={a.get(sc.SF_DECISION_CONFIDENCE)} "
            f"reasons={reasons}"
        )
    shown = {
        sc.GEN_AI_REQUEST_MODEL,
        sc.GEN_AI_RESPONSE_MODEL,
        sc.SF_MODEL_MISMATCH,
        sc.GEN_AI_USAGE_INPUT_TOKENS,
        sc.GEN_AI_USAGE_OUTPUT_TOKENS,
        sc.SF_COST_USD,
        sc.SF_DECISION_STATUS,
        sc.SF_DECISION_CONFIDENCE,
        sc.SF_DECISION_REASONS,
    }
    rest = {k: v for k, v in a.items() if k not in shown}
    if rest:
        facts.append(_clip(json.dumps(rest, default=str, ensure_ascii=False), 400))
    return facts


def _payload(label: str, value: Any, *, full: bool) -> Text:
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False, indent=1)
    if not full:
        text = _clip(text.replace("\n", " "), _PREVIEW_CHARS)
    return Text(f"  {label}: " + (("\n" + _indent(text)) if "\n" in text else text))


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[:limit] + f"… (+{len(text) - limit} chars)"


def _indent(text: str) -> str:
    return "\n".join("    " + line for line in text.splitlines())
