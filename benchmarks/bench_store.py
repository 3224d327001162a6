"""Sustained span write rate of the store, and the two ways of maintaining trace rows.

    python benchmarks/bench_store.py [--url URL] [--spans N] [--batch N]

Writes N spans (traces of 5 spans, children before their root, realistic LLM attributes) in
batches, on one thread, and prints spans/s. ``incremental`` is what the store does: insert with
ON CONFLICT DO NOTHING ... RETURNING and merge an aggregate of the inserted spans into each trace
row. ``recompute`` is the alternative: insert, then rebuild the affected trace rows from all
their spans with GROUP BY.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from sqlalchemy import case, func, select, text

from surefoot.core import SpanKind, SpanRecord, SpanStatus, new_span_id, new_trace_id, semconv
from surefoot.store import Store, create_engine, upgrade
from surefoot.store._codec import span_to_row
from surefoot.store._engine import insert_ignoring_duplicates, upsert
from surefoot.store._migrate import VERSION_TABLE
from surefoot.store._schema import metadata, spans, traces


def make_spans(count: int, per_trace: int = 5) -> list[SpanRecord]:
    out: list[SpanRecord] = []
    t0 = 1_700_000_000_000_000_000
    while len(out) < count:
        trace_id, root_id = new_trace_id(), new_span_id()
        out.extend(
            SpanRecord(
                trace_id,
                new_span_id(),
                "chat gpt-4o-mini",
                kind=SpanKind.LLM,
                parent_id=root_id,
                start_ns=t0 + i * 1000,
                end_ns=t0 + i * 1000 + 900,
                status=SpanStatus.OK,
                attributes={
                    semconv.GEN_AI_OPERATION_NAME: "chat",
                    semconv.GEN_AI_PROVIDER_NAME: "openai",
                    semconv.GEN_AI_REQUEST_MODEL: "gpt-4o-mini",
                    semconv.GEN_AI_RESPONSE_MODEL: "gpt-4o-mini-2024-07-18",
                    semconv.GEN_AI_USAGE_INPUT_TOKENS: 812,
                    semconv.GEN_AI_USAGE_OUTPUT_TOKENS: 96,
                    semconv.SF_COST_USD: 0.000179,
                    semconv.GEN_AI_REQUEST_TEMPERATURE: 0.0,
                },
                input=[{"role": "user", "content": "Summarise the ticket " + "x" * 200}],
                output={"role": "assistant", "content": "The customer asks " + "y" * 100},
            )
            for i in range(per_trace - 1)
        )
        out.append(
            SpanRecord(
                trace_id,
                root_id,
                "POST /v1/chat/completions",
                kind=SpanKind.REQUEST,
                start_ns=t0,
                end_ns=t0 + per_trace * 1000,
                status=SpanStatus.OK,
                attributes={semconv.SERVICE_NAME: "bench", semconv.SF_DECISION_STATUS: "serve"},
                input="Summarise the ticket",
                output="The customer asks",
            )
        )
        t0 += 10_000
    return out[:count]


def write_recompute(store: Store, batch: list[SpanRecord]) -> None:
    """The alternative: insert, then rebuild the touched trace rows from all their spans."""
    backend = store._backend
    with store.engine.begin() as conn:
        conn.execute(insert_ignoring_duplicates(backend, spans), [span_to_row(s) for s in batch])
        ids = sorted({s.trace_id for s in batch})
        is_error = case((spans.c.status == "error", 1), else_=0)
        agg = (
            select(
                spans.c.trace_id,
                func.min(spans.c.start_ns),
                func.max(spans.c.end_ns),
                func.count(),
                func.sum(is_error),
                func.coalesce(func.sum(spans.c.input_tokens), 0),
                func.coalesce(func.sum(spans.c.output_tokens), 0),
                func.coalesce(func.sum(spans.c.cost_usd), 0.0),
                func.max(spans.c.model),
                func.max(case((spans.c.parent_id.is_(None), spans.c.name))),
            )
            .where(spans.c.trace_id.in_(ids))
            .group_by(spans.c.trace_id)
        )
        rows = [
            {
                "trace_id": r[0],
                "start_ns": r[1],
                "end_ns": r[2],
                "span_count": r[3],
                "error_count": r[4],
                "status": "error" if r[4] else "ok",
                "input_tokens": r[5],
                "output_tokens": r[6],
                "cost_usd": r[7],
                "model": r[8],
                "name": r[9],
            }
            for r in conn.execute(agg)
        ]
        keep = ("start_ns", "end_ns", "span_count", "error_count", "status", "input_tokens")
        stmt = upsert(backend, traces, ["trace_id"], lambda new: {k: new[k] for k in keep})
        conn.execute(stmt, rows)


def run(url: str, total: int, batch_size: int, mode: str, per_trace: int) -> float:
    engine = create_engine(url)
    with engine.begin() as conn:
        metadata.drop_all(conn)
        conn.execute(text(f"DROP TABLE IF EXISTS {VERSION_TABLE}"))
    upgrade(engine)
    store = Store(engine)
    data = make_spans(total, per_trace)
    batches = [data[i : i + batch_size] for i in range(0, total, batch_size)]
    write = store.write_spans if mode == "incremental" else lambda b: write_recompute(store, b)
    started = time.perf_counter()
    for batch in batches:
        write(batch)
    elapsed = time.perf_counter() - started
    assert store.count_spans() == total
    store.close()
    return total / elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--url", default=None, help="store URL; default a temporary SQLite file")
    parser.add_argument("--spans", type=int, default=100_000)
    parser.add_argument("--batch", type=int, default=1_000)
    parser.add_argument("--per-trace", type=int, default=5, help="spans per trace")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        url = args.url or f"sqlite:///{Path(tmp) / 'bench.db'}"
        for mode in ("incremental", "recompute"):
            rate = run(url, args.spans, args.batch, mode, args.per_trace)
            backend = url.split(":")[0]
            print(
                f"{backend:<20} {mode:<12} {args.per_trace:>5} spans/trace {rate:>10,.0f} spans/s"
            )


if __name__ == "__main__":
    main()
