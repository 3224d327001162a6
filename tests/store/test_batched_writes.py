"""Batches of any size are stored whole, however the writer groups rows into statements."""

from __future__ import annotations

import sqlite3
from typing import TYPE_CHECKING, Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import event

from surefoot.core import SpanKind, SpanRecord, SpanStatus, StoreSettings, new_trace_id
from surefoot.store import Store

if TYPE_CHECKING:
    from pathlib import Path

_settings = settings(
    max_examples=8, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


def _batch(size: int, traces: int) -> list[SpanRecord]:
    trace_ids = [new_trace_id() for _ in range(traces)]
    return [
        SpanRecord(
            trace_id=trace_ids[i % traces],
            span_id=f"{i + 1:016x}",
            name=f"step {i}",
            kind=SpanKind.LLM,
            parent_id=None,
            start_ns=1_000 + i,
            end_ns=2_000 + i,
            status=SpanStatus.OK,
            attributes={"gen_ai.usage.input_tokens": i, "surefoot.cost_usd": i / 7},
            input=[{"role": "user", "content": f"question {i}"}],
            output=f"answer {i}",
        )
        for i in range(size)
    ]


def _stored_per_trace(store: Store, spans: list[SpanRecord]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for trace_id in {span.trace_id for span in spans}:
        summary = store.get_trace_summary(trace_id)
        counts[trace_id] = -1 if summary is None else summary.span_count
    return counts


def _expected_per_trace(spans: list[SpanRecord]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for span in spans:
        counts[span.trace_id] = counts.get(span.trace_id, 0) + 1
    return counts


@_settings
@given(size=st.integers(1, 600), traces=st.integers(1, 40))
def test_a_batch_of_any_size_is_stored_whole(store: Store, size: int, traces: int) -> None:
    """Every span of one write is stored and counted once in its trace, across statement sizes."""
    spans = _batch(size, traces)
    before = store.count_spans()
    store.write_spans(spans)
    assert store.count_spans() - before == size
    assert _stored_per_trace(store, spans) == _expected_per_trace(spans)


@_settings
@given(size=st.integers(2, 400), stored=st.data())
def test_a_batch_partly_stored_writes_only_the_rest(
    store: Store, size: int, stored: st.DataObject
) -> None:
    """A replayed batch whose spans are partly stored adds only the missing ones to its traces."""
    spans = _batch(size, traces=3)
    earlier = stored.draw(st.lists(st.sampled_from(spans), min_size=1, unique_by=id))
    store.write_spans(earlier)
    store.write_spans(spans)
    assert _stored_per_trace(store, spans) == _expected_per_trace(spans)
    first = spans[0].trace_id
    assert store.get_trace(first) == [span for span in spans if span.trace_id == first]


def test_a_low_variable_limit_splits_a_batch_into_more_statements(tmp_path: Path) -> None:
    """Under SQLite's old limit of bound variables the writer sends fewer rows per statement."""
    store = Store.open(StoreSettings(url=f"sqlite:///{tmp_path / 'limited.db'}"))

    def limit(dbapi: Any, _record: object) -> None:
        # 40 variables: two span rows (17 columns each) per statement, one trace row (16 + 2).
        dbapi.setlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER, 40)

    event.listen(store.engine, "connect", limit)
    store.engine.dispose()
    statements: list[str] = []
    event.listen(
        store.engine,
        "before_cursor_execute",
        lambda _c, _cur, sql, *_rest: statements.append(sql),
    )
    spans = _batch(7, traces=3)
    store.write_spans(spans)
    inserts = [sql for sql in statements if sql.startswith("INSERT INTO spans")]
    assert len(inserts) == 4  # 2 + 2 + 2 + 1 rows
    assert store.count_spans() == 7
    assert _stored_per_trace(store, spans) == _expected_per_trace(spans)
    store.close()
