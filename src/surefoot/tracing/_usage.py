"""Putting tokens, cost and decisions on spans; re-pricing stored spans."""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

from surefoot.core import semconv
from surefoot.core._records import Decision, SpanKind, SpanRecord
from surefoot.tracing._prices import PriceTable, Usage
from surefoot.tracing._state import STATE

if TYPE_CHECKING:
    from collections.abc import Iterator, Mapping

    from surefoot.core._records import JSONValue
    from surefoot.tracing._span import Span

__all__ = [
    "RepriceStore",
    "cost_patch",
    "current_prices",
    "record_decision",
    "record_usage",
    "reprice",
]

_BUILTIN: list[PriceTable] = []


def current_prices() -> PriceTable:
    """The table ``init()`` installed, else the built-in one."""
    if STATE.prices is not None:
        return STATE.prices
    if not _BUILTIN:
        _BUILTIN.append(PriceTable.builtin())
    return _BUILTIN[0]


def record_usage(
    span: Span,
    *,
    model: str,
    input_tokens: int,
    output_tokens: int,
    cached_input_tokens: int = 0,
    cache_write_tokens: int = 0,
    reasoning_tokens: int = 0,
) -> float | None:
    """Set token counts (``gen_ai.usage.*``) and cost (``surefoot.cost.usd``) on a span.

    ``input_tokens`` counts every input token, cached ones included; ``output_tokens`` includes
    reasoning tokens. The price is looked up for ``model`` on the span's start date.

    Args:
        span: the llm span.
        model: the model that served the call (``gen_ai.response.model``).
        input_tokens: all input tokens.
        output_tokens: all output tokens.
        cached_input_tokens: input tokens read from the provider's prompt cache.
        cache_write_tokens: input tokens written to the provider's prompt cache.
        reasoning_tokens: output tokens spent on reasoning.

    Returns:
        The cost in USD, or None when no price is known for the model.
    """
    price = current_prices().lookup(model, span.record.start_ns or None)
    attrs: dict[str, JSONValue] = {
        semconv.GEN_AI_USAGE_INPUT_TOKENS: input_tokens,
        semconv.GEN_AI_USAGE_OUTPUT_TOKENS: output_tokens,
    }
    if cached_input_tokens:
        attrs[semconv.GEN_AI_USAGE_CACHE_READ_INPUT_TOKENS] = cached_input_tokens
    if cache_write_tokens:
        attrs[semconv.GEN_AI_USAGE_CACHE_CREATION_INPUT_TOKENS] = cache_write_tokens
    if reasoning_tokens:
        attrs[semconv.GEN_AI_USAGE_REASONING_TOKENS] = reasoning_tokens
    if semconv.GEN_AI_RESPONSE_MODEL not in span.record.attributes:
        attrs[semconv.GEN_AI_RESPONSE_MODEL] = model
    cost = None
    if price is not None:  # a model without a price skips building its usage (half a us)
        usage = Usage(
            input_tokens, output_tokens, cached_input_tokens, cache_write_tokens, reasoning_tokens
        )
        cost = price.cost(usage)
        attrs[semconv.SF_COST_USD] = cost
        attrs[semconv.SF_COST_PRICE_VERSION] = price.version
    span.set_attributes(attrs)
    return cost


def record_decision(span: Span, decision: Decision) -> None:
    """Set ``surefoot.decision.*`` attributes; a decision other than serve keeps its trace
    through sampling."""
    attrs: dict[str, JSONValue] = {
        semconv.SF_DECISION_STATUS: decision.status.value,
        semconv.SF_DECISION_REASONS: list(decision.reasons),
    }
    if decision.confidence is not None:
        attrs[semconv.SF_DECISION_CONFIDENCE] = decision.confidence
    if decision.served_by is not None:
        attrs[semconv.SF_DECISION_SERVED_BY] = decision.served_by
    if decision.caveat is not None:
        attrs[semconv.SF_DECISION_CAVEAT] = decision.caveat
    span.set_attributes(attrs)


class RepriceStore(Protocol):
    """What :func:`reprice` needs of a store (``surefoot.store.Store`` has it)."""

    def iter_spans(
        self,
        kind: SpanKind | None = None,
        since_ns: int | None = None,
        until_ns: int | None = None,
        *,
        batch_size: int = 1_000,
    ) -> Iterator[SpanRecord]: ...

    def set_span_attributes(
        self, trace_id: str, span_id: str, patch: Mapping[str, JSONValue]
    ) -> bool: ...


def reprice(
    store: RepriceStore,
    table: PriceTable,
    *,
    since_ns: int | None = None,
    until_ns: int | None = None,
) -> int:
    """Recompute ``surefoot.cost.usd`` of stored llm spans with ``table`` (after a price fix).

    Spans without a model or token counts are left alone; so are spans whose cost is unchanged.

    Args:
        store: the store holding the spans.
        table: the corrected price table.
        since_ns: only spans starting at or after this time.
        until_ns: only spans starting before this time.

    Returns:
        How many spans were updated.
    """
    # Collect first: updating while a paged scan is open would hold a read transaction.
    patches = [
        (sp.trace_id, sp.span_id, patch)
        for sp in store.iter_spans(SpanKind.LLM, since_ns, until_ns)
        if (patch := cost_patch(sp, table)) is not None
    ]
    for trace_id, span_id, patch in patches:
        store.set_span_attributes(trace_id, span_id, patch)
    return len(patches)


def cost_patch(span: SpanRecord, table: PriceTable) -> dict[str, JSONValue] | None:
    """The cost attributes ``table`` gives ``span`` from its model and token counts; ``None``
    when it has no model or counts, no price is known, or its cost already is that."""
    attrs = span.attributes
    model = attrs.get(semconv.GEN_AI_RESPONSE_MODEL) or attrs.get(semconv.GEN_AI_REQUEST_MODEL)
    inp, out = (
        attrs.get(semconv.GEN_AI_USAGE_INPUT_TOKENS),
        attrs.get(semconv.GEN_AI_USAGE_OUTPUT_TOKENS),
    )
    if not isinstance(model, str) or not isinstance(inp, int) or not isinstance(out, int):
        return None
    price = table.lookup(model, span.start_ns)
    if price is None:
        return None
    usage = Usage(
        inp,
        out,
        int(attrs.get(semconv.GEN_AI_USAGE_CACHE_READ_INPUT_TOKENS) or 0),
        int(attrs.get(semconv.GEN_AI_USAGE_CACHE_CREATION_INPUT_TOKENS) or 0),
        int(attrs.get(semconv.GEN_AI_USAGE_REASONING_TOKENS) or 0),
    )
    cost = price.cost(usage)
    if (
        attrs.get(semconv.SF_COST_USD) == cost
        and attrs.get(semconv.SF_COST_PRICE_VERSION) == price.version
    ):
        return None
    return {semconv.SF_COST_USD: cost, semconv.SF_COST_PRICE_VERSION: price.version}
