"""A batch the store refuses is split: good spans are written, refused ones dead-lettered."""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Sequence

import pytest

from surefoot import tracing
from surefoot.core import MigrationRequired, SpanRecord, StoreError, StoreSettings
from surefoot.store import Store
from surefoot.testing import InMemorySink
from surefoot.tracing._deadletter import DEAD_LETTER_FILE, read_dead_letters


class RefusingSink(InMemorySink):
    """Refuses (with a StoreError) every batch holding a span named ``bad``."""

    def __init__(self, error: StoreError | None = None) -> None:
        super().__init__()
        self.error = error or StoreError("value out of range for column")
        self.calls = 0

    def write_spans(self, spans: Sequence[SpanRecord]) -> None:
        self.calls += 1
        if any(span.name == "bad" for span in spans):
            raise self.error
        super().write_spans(spans)


def record(names: Sequence[str]) -> None:
    for i, name in enumerate(names):
        with tracing.span(name, attributes={"i": i}):
            pass


NAMES = ["ok"] * 10 + ["bad"] + ["ok"] * 20 + ["bad"] + ["ok"] * 5


def test_refused_spans_do_not_block_the_rest(settings_factory) -> None:
    """Every span the store accepts is written, and flush completes."""
    sink = RefusingSink()
    tracing.init(settings_factory(), sink=sink)
    record(NAMES)
    assert tracing.flush(timeout_s=5)
    assert sorted(sp.attributes["i"] for sp in sink.spans) == [
        i for i, name in enumerate(NAMES) if name == "ok"
    ]


def test_refused_spans_are_in_the_dead_letter_file_with_the_reason(settings_factory) -> None:
    """The dead-letter file in the spool folder holds each refused span and why."""
    settings = settings_factory()
    tracing.init(settings, sink=RefusingSink())
    record(NAMES)
    assert tracing.flush(timeout_s=5)
    letters = read_dead_letters(settings.recorder.spool_dir / DEAD_LETTER_FILE)
    assert [(span.name, span.attributes["i"]) for span, _ in letters] == [("bad", 10), ("bad", 31)]
    assert all(reason.startswith("StoreError: value out of range") for _, reason in letters)


def test_refused_spans_are_counted_and_logged_once(settings_factory, caplog) -> None:
    """``dead_lettered`` counts the refused spans; one error names the dead-letter file."""
    tracing.init(settings_factory(), sink=RefusingSink())
    with caplog.at_level(logging.ERROR, logger="surefoot.tracing"):
        record(NAMES)
        assert tracing.flush(timeout_s=5)
    assert tracing.stats().dead_lettered == 2
    logged = [r for r in caplog.records if DEAD_LETTER_FILE in r.getMessage()]
    assert len(logged) == 1


def test_a_migration_required_error_is_retried_not_dead_lettered(settings_factory) -> None:
    """An outdated schema refuses every batch: spans wait in the spool, none is dead-lettered."""
    tracing.init(settings_factory(), sink=RefusingSink(MigrationRequired("schema too old")))
    record(["bad", "ok"])
    assert not tracing.flush(timeout_s=0.3)
    stats = tracing.stats()
    assert (stats.dead_lettered, stats.store_available) == (0, False)


@pytest.mark.parametrize("bad_at", [0, 7, 15])
def test_bisection_isolates_one_refused_span_in_few_writes(settings_factory, bad_at) -> None:
    """One refused span among 16 costs at most 2 * log2(16) + 1 writes."""
    sink = RefusingSink()
    tracing.init(settings_factory(recorder={"flush_interval_s": 10.0}), sink=sink)
    record(["bad" if i == bad_at else "ok" for i in range(16)])
    assert tracing.flush(timeout_s=5)
    assert len(sink.spans) == 15
    assert sink.calls <= 2 * 4 + 1


def out_of_range(span: SpanRecord) -> SpanRecord:
    """A processor giving spans named ``bad`` a time no 64-bit column can hold."""
    return dataclasses.replace(span, end_ns=2**70) if span.name == "bad" else span


def test_a_real_store_refusing_a_span_gets_the_rest(settings_factory, store_url) -> None:
    """On SQLite and PostgreSQL, a span the store cannot hold is dead-lettered, the rest stored."""
    tracing.init(settings_factory(store={"url": store_url}), processors=[out_of_range])
    record(NAMES)
    assert tracing.flush(timeout_s=10)
    assert tracing.stats().dead_lettered == 2
    with Store.open(StoreSettings(url=store_url)) as store:
        assert store.count_spans() == len(NAMES) - 2
