"""The recorder never blocks or raises, and loses no acknowledged span to a store outage."""

from __future__ import annotations

import time
from collections.abc import Callable

from tests._plugins.tracing import FlakySink

from surefoot import tracing
from surefoot.core import SpanRecord
from surefoot.tracing import DropSpan


def record_n(n: int, prefix: str = "s") -> None:
    for i in range(n):
        with tracing.span(f"{prefix}-{i}"):
            pass


def wait_until(condition: Callable[[], bool], timeout_s: float = 5.0) -> bool:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.01)
    return condition()


def test_outage_loses_nothing_and_keeps_order(settings_factory, flaky_sink: FlakySink) -> None:
    """Spans recorded while the sink is down are written, in order, once it is back."""
    tracing.init(settings_factory(), sink=flaky_sink)
    record_n(100, "before")
    assert tracing.flush()
    flaky_sink.down = True
    record_n(500, "during")
    assert not tracing.flush(timeout_s=0.3)
    assert wait_until(lambda: flaky_sink.failed_writes > 0)
    assert not tracing.stats().store_available
    flaky_sink.down = False
    assert tracing.flush(timeout_s=5.0)
    names = [sp.name for sp in flaky_sink.spans]
    assert names == [f"before-{i}" for i in range(100)] + [f"during-{i}" for i in range(500)]
    stats = tracing.stats()
    assert stats.store_available
    assert stats.store_failures >= 1


def test_outage_longer_than_memory_replays_from_disk(settings_factory, flaky_sink) -> None:
    """When the backlog outgrows memory, the rest is replayed from the spool file."""
    settings = settings_factory(recorder={"queue_size": 64, "batch_size": 16})
    tracing.init(settings, sink=flaky_sink)
    flaky_sink.down = True
    for i in range(20):
        record_n(30, f"b{i}")
        time.sleep(0.03)
    flaky_sink.down = False
    assert tracing.flush(timeout_s=10.0)
    stats = tracing.stats()
    written = {sp.name for sp in flaky_sink.spans}
    assert len(written) == stats.enqueued
    assert stats.replayed > 0


def test_sink_raising_anything_never_reaches_the_caller(settings_factory) -> None:
    """A sink raising an arbitrary exception is treated like an outage."""

    class Broken:
        def write_spans(self, spans):
            raise ZeroDivisionError("bug in the sink")

    tracing.init(settings_factory(), sink=Broken())
    record_n(10)
    assert not tracing.flush(timeout_s=0.2)
    assert tracing.stats().spooled == 10


def test_full_queue_drops_and_counts(settings_factory, sink, caplog) -> None:
    """Beyond queue_size new spans are dropped, counted and logged, without blocking."""
    tracing.init(settings_factory(recorder={"queue_size": 16, "flush_interval_s": 60}), sink=sink)
    started = time.perf_counter()
    record_n(200)
    assert time.perf_counter() - started < 1.0
    stats = tracing.stats()
    assert stats.dropped_queue_full > 0
    assert stats.enqueued + stats.dropped_queue_full == 200
    assert any("queue full" in r.getMessage() for r in caplog.records)


def test_drop_span_signal_drops_and_counts(settings_factory, sink) -> None:
    """A processor raising DropSpan removes that span; the others go on."""

    def drop_health(record: SpanRecord) -> SpanRecord:
        if record.name == "health":
            raise DropSpan
        return record

    tracing.init(settings_factory(), sink=sink, processors=[drop_health])
    for name in ("health", "work"):
        with tracing.span(name):
            pass
    assert tracing.flush()
    assert [sp.name for sp in sink.spans] == ["work"]
    assert tracing.stats().dropped_by_processor == 1


def test_failing_processor_is_counted_not_raised(settings_factory, sink) -> None:
    """A processor that raises drops its span and counts the failure."""

    def buggy(record: SpanRecord) -> SpanRecord:
        raise KeyError("oops")

    tracing.init(settings_factory(), sink=sink, processors=[buggy])
    record_n(3)
    assert tracing.flush()
    assert tracing.stats().processor_errors == 3
    assert sink.spans == []


def test_user_processor_runs_before_redaction(settings_factory, sink) -> None:
    """What a user processor adds is still redacted before it is written."""

    def enrich(record: SpanRecord) -> SpanRecord:
        record.attributes["debug"] = "token=abcdefgh1234"
        return record

    tracing.init(settings_factory(), sink=sink, processors=[enrich])
    record_n(1)
    assert tracing.flush()
    assert sink.spans[0].attributes["debug"] == "token=[REDACTED]"


def test_spool_left_by_a_previous_process_is_replayed(settings_factory, flaky_sink) -> None:
    """Spans spooled but not written before shutdown are written by the next init."""
    settings = settings_factory()
    tracing.init(settings, sink=flaky_sink)
    flaky_sink.down = True
    record_n(50)
    assert not tracing.shutdown(timeout_s=0.3)
    fresh = FlakySink()
    tracing.init(settings, sink=fresh)
    assert tracing.flush()
    assert len(fresh.spans) == 50
    assert tracing.stats().replayed == 50


def test_a_clean_shutdown_leaves_the_next_process_nothing_to_replay(settings_factory, sink) -> None:
    """Spans written before shutdown are not written again by the next init."""
    settings = settings_factory()
    tracing.init(settings, sink=sink)
    record_n(50)
    assert tracing.shutdown()
    tracing.init(settings, sink=FlakySink())
    assert tracing.flush()
    assert (tracing.stats().replayed, tracing.stats().written) == (0, 0)


def test_unwritable_spool_folder_keeps_spans_in_memory(settings_factory, sink, tmp_path) -> None:
    """A spool folder that cannot be created degrades to memory, still writing to the store."""
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    tracing.init(settings_factory(recorder={"spool_dir": blocker / "spool"}), sink=sink)
    record_n(5)
    assert tracing.flush()
    assert len(sink.spans) == 5
    assert tracing.stats().spooled == 0
