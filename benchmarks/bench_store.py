"""Sustained span write rate of the store, the two ways of maintaining trace rows, and the two
kinds of trace id.

    python benchmarks/bench_store.py [--url URL] [--spans N] [--batch N] [--runs N]

Writes N spans (traces of 5 spans, children before their root, realistic LLM attributes) in
batches, on one thread, into a fresh database, and prints spans/s (the median of ``--runs``).
``incremental`` is what the store does: insert with ON CONFLICT DO NOTHING and merge an aggregate
of the inserted spans into each trace row. ``recompute`` is the alternative: insert, then rebuild
the affected trace rows from all their spans with GROUP BY. ``time-ordered`` ids are what
``new_trace_id`` makes (milliseconds first, as a UUIDv7); ``random`` ids are 128 random bits, as
OpenTelemetry SDKs make them, so every insert lands at a random place in the indexes on trace ids.
The gap between the two grows with the database: raise ``--spans`` to see it widen.
"""

from __future__ import annotations

import argparse
import random
import statistics
import tempfile
import time
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import case, func, select, text

from surefoot.core import SpanKind, SpanRecord, SpanStatus, new_span_id, new_trace_id, semconv
from surefoot.store import Store, create_engine, upgrade
from surefoot.store._codec import span_to_row
from surefoot.store._engine import insert_ignoring_duplicates, upsert
from surefoot.store._migrate import VERSION_TABLE
from surefoot.store._schema import metadata, spans, traces

if TYPE_CHECKING:
    from collections.abc import Callable


def random_trace_id() -> str:
    """128 random bits, as OpenTelemetry SDKs make trace ids."""
    return f"{random.getrandbits(128) or 1:032x}"


IDS: dict[str, Callable[[], str]] = {"time-ordered": new_trace_id, "random": random_trace_id}


def make_spans(count: int, per_trace: int = 5, ids: str = "time-ordered") -> list[SpanRecord]:
    out: list[SpanRecord] = []
    t0 = 1_700_000_000_000_000_000
    trace_id_of = IDS[ids]
    while len(out) < count:
        trace_id, root_id = trace_id_of(), new_span_id()
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


def run(url: str, total: int, batch_size: int, mode: str, per_trace: int, ids: str) -> float:
    engine = create_engine(url)
    with engine.begin() as conn:
        metadata.drop_all(conn)
        conn.execute(text(f"DROP TABLE IF EXISTS {VERSION_TABLE}"))
    upgrade(engine)
    store = Store(engine)
    data = make_spans(total, per_trace, ids)
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
    parser.add_argument("--runs", type=int, default=3, help="runs to take the median of")
    args = parser.parse_args()
    rates: dict[tuple[str, str], float] = {}
    with tempfile.TemporaryDirectory() as tmp:
        url = args.url or f"sqlite:///{Path(tmp) / 'bench.db'}"
        backend = url.split(":")[0]
        cases = [
            ("incremental", "time-ordered"),
            ("incremental", "random"),
            ("recompute", "time-ordered"),
        ]
        samples: dict[tuple[str, str], list[float]] = {case: [] for case in cases}
        for _ in range(args.runs):  # interleaved, so drift on a shared machine hits every case
            for mode, ids in cases:
                samples[mode, ids].append(
                    run(url, args.spans, args.batch, mode, args.per_trace, ids)
                )
        for (mode, ids), values in samples.items():
            rates[mode, ids] = statistics.median(values)
            print(
                f"{backend:<20} {mode:<12} {ids:<13} {args.per_trace:>3} spans/trace"
                f" {rates[mode, ids]:>10,.0f} spans/s"
            )
    ratio = rates["incremental", "time-ordered"] / rates["incremental", "random"]
    print(
        f"time-ordered trace ids write {ratio:.2f}x as fast as random ones ({args.spans:,} spans)"
    )


if __name__ == "__main__":
    main()
