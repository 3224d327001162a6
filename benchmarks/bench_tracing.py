"""Tracing benchmark: cost per span against OpenTelemetry's SDK, and sustained write rate.

Run: ``.venv/bin/python benchmarks/bench_tracing.py`` (PostgreSQL from SUREFOOT_TEST_POSTGRES_URL,
else skipped with a message). Prints medians of several repetitions and the ratios.

* cost per span: a ``with span(...)`` around an empty body, measured on the caller's thread with
  the background threads running (surefoot recording into SQLite; OpenTelemetry with a
  BatchSpanProcessor and an InMemorySpanExporter), against an untraced call.
* sustained write: spans created at full speed, timed until every one is in the store.
"""

from __future__ import annotations

import os
import statistics
import tempfile
import time
from pathlib import Path
from typing import TYPE_CHECKING

from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from surefoot import tracing
from surefoot.core import Settings

if TYPE_CHECKING:
    from collections.abc import Callable

SPANS = 20_000
REPEATS = 5
SUSTAINED_SPANS = 100_000


def median_us_per_call(loop: Callable[[int], None]) -> float:
    runs = []
    for _ in range(REPEATS):
        started = time.perf_counter()
        loop(SPANS)
        runs.append((time.perf_counter() - started) / SPANS * 1e6)
    return statistics.median(runs)


def untraced(n: int) -> None:
    def work() -> None:
        pass

    for _ in range(n):
        work()


def surefoot_spans(n: int) -> None:
    span = tracing.span
    for i in range(n):
        with span("work", attributes={"i": i}):
            pass


def traces_of_ten(n: int) -> None:
    """``n`` spans as traces of a root and nine children, the shape of a traced request."""
    span = tracing.span
    for t in range(n // 10):
        with span("request", attributes={"t": t}):
            for i in range(9):
                with span("step", attributes={"i": i}):
                    pass


def store_only(url: str) -> float:
    """Spans/s of ``Store.write_spans`` alone, batches of 1,024, one span per trace."""
    from surefoot.core import SpanRecord, StoreSettings
    from surefoot.store import Store

    records = [
        SpanRecord(f"{i + 1:032x}", f"{i + 1:016x}", "work", attributes={"i": i}, end_ns=1)
        for i in range(SPANS)
    ]
    with Store.open(StoreSettings(url=url)) as store:
        started = time.perf_counter()
        for i in range(0, SPANS, 1024):
            store.write_spans(records[i : i + 1024])
        return SPANS / (time.perf_counter() - started)


def otel_loop(tracer: object) -> Callable[[int], None]:
    def loop(n: int) -> None:
        start = tracer.start_as_current_span  # type: ignore[attr-defined]
        for i in range(n):
            with start("work", attributes={"i": i}):
                pass

    return loop


def settings_for(url: str, spool: Path) -> Settings:
    return Settings.load(store={"url": url}, recorder={"spool_dir": spool})


def per_span_costs(workdir: Path) -> dict[str, float]:
    results = {"untraced call": median_us_per_call(untraced)}
    tracing.init(settings_for(f"sqlite:///{workdir / 'cost.db'}", workdir / "spool-cost"))
    results["surefoot span (SQLite)"] = median_us_per_call(surefoot_spans)
    tracing.shutdown(timeout_s=60)
    provider = TracerProvider()
    provider.add_span_processor(BatchSpanProcessor(InMemorySpanExporter()))
    results["OpenTelemetry span (batch)"] = median_us_per_call(otel_loop(provider.get_tracer("b")))
    provider.shutdown()
    return results


def sustained(url: str, spool: Path, produce: Callable[[int], None] = surefoot_spans) -> float:
    tracing.init(settings_for(url, spool))
    started = time.perf_counter()
    produce(SUSTAINED_SPANS)
    if not tracing.flush(timeout_s=300):
        raise RuntimeError("flush timed out")
    elapsed = time.perf_counter() - started
    tracing.shutdown()
    return SUSTAINED_SPANS / elapsed


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        costs = per_span_costs(workdir)
        otel = costs["OpenTelemetry span (batch)"]
        base = costs["untraced call"]
        print(f"cost per span, median of {REPEATS} x {SPANS} spans (µs):")
        for name, us in costs.items():
            print(f"  {name:<30} {us:8.2f} µs   x{us / otel:5.2f} of OpenTelemetry")
        sf = costs["surefoot span (SQLite)"]
        print(
            f"  surefoot overhead over untraced: {sf - base:.2f} µs; OTel's: {otel - base:.2f} µs"
        )
        print(f"  target surefoot <= OpenTelemetry: {'met' if sf <= otel else 'NOT met'}")

        rates = [
            sustained(f"sqlite:///{workdir / f'rate{i}.db'}", workdir / f"spool{i}")
            for i in range(3)
        ]
        sqlite_rate = statistics.median(rates)
        print(f"sustained write, {SUSTAINED_SPANS} spans, median of 3:")
        verdict = "met" if sqlite_rate >= 30_000 else "NOT met"
        print(
            f"  SQLite, one span per trace    {sqlite_rate:10,.0f} spans/s  (>= 30,000: {verdict})"
        )
        tens = sustained(f"sqlite:///{workdir / 'tens.db'}", workdir / "spool-t", traces_of_ten)
        print(f"  SQLite, traces of 10 spans    {tens:10,.0f} spans/s")
        alone = store_only(f"sqlite:///{workdir / 'alone.db'}")
        print(f"  SQLite, Store.write_spans only {alone:10,.0f} spans/s  (the store alone)")
        pg = os.environ.get("SUREFOOT_TEST_POSTGRES_URL")
        if pg:
            rate = sustained(pg, workdir / "spool-pg")
            print(f"  PostgreSQL, one span per trace {rate:9,.0f} spans/s")
            rate = sustained(pg, workdir / "spool-pg10", traces_of_ten)
            print(f"  PostgreSQL, traces of 10 spans {rate:9,.0f} spans/s")
        else:
            print(
                "  PostgreSQL  skipped: set SUREFOOT_TEST_POSTGRES_URL (scripts/postgres.sh start)"
            )


if __name__ == "__main__":
    main()
