"""Synthetic traffic for monitor tests: spans as the guard and providers record them."""

from __future__ import annotations

import json
from dataclasses import dataclass

import numpy as np

from surefoot.core import SpanKind, SpanRecord, SpanStatus, new_span_id, new_trace_id, semconv


@dataclass(frozen=True)
class Traffic:
    """How one window of synthetic requests looks."""

    json_output: bool = True
    retrieval_mean: float = 0.8
    served_model: str = "gpt-4o-2024-08-06"
    latency_ms: float = 200.0


def request_spans(rng: np.random.Generator, start_ns: int, traffic: Traffic) -> list[SpanRecord]:
    """One request: a root span, a retrieval span and an llm span."""
    trace_id = new_trace_id()
    root_id = new_span_id()
    latency_ns = int(max(rng.normal(traffic.latency_ms, 20.0), 1.0) * 1e6)
    answer = {"answer": "x" * int(rng.integers(20, 80))}
    output = json.dumps(answer) if traffic.json_output else f"Sure! The answer is {answer}."
    scores = np.clip(rng.normal(traffic.retrieval_mean, 0.05, 5), 0.0, 1.0).round(3).tolist()
    common = {"trace_id": trace_id, "start_ns": start_ns, "status": SpanStatus.OK}
    return [
        SpanRecord(
            span_id=root_id, name="request", kind=SpanKind.REQUEST,
            end_ns=start_ns + latency_ns, **common,  # type: ignore[arg-type]
        ),
        SpanRecord(
            span_id=new_span_id(), name="search", kind=SpanKind.RETRIEVAL, parent_id=root_id,
            end_ns=start_ns + 1_000_000, attributes={semconv.SF_RETRIEVAL_SCORES: scores},
            **common,  # type: ignore[arg-type]
        ),
        SpanRecord(
            span_id=new_span_id(), name="chat", kind=SpanKind.LLM, parent_id=root_id,
            end_ns=start_ns + latency_ns, output=output,
            attributes={
                semconv.GEN_AI_REQUEST_MODEL: "gpt-4o",
                semconv.GEN_AI_RESPONSE_MODEL: traffic.served_model,
            },
            **common,  # type: ignore[arg-type]
        ),
    ]  # fmt: skip


def window_spans(
    rng: np.random.Generator, start_ns: int, width_ns: int, n: int, traffic: Traffic
) -> list[SpanRecord]:
    """``n`` requests spread evenly over one window."""
    step = width_ns // n
    return [s for i in range(n) for s in request_spans(rng, start_ns + i * step, traffic)]
