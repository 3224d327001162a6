"""An input shared by spans of one trace is stored once and read back whole from every span."""

from __future__ import annotations

import dataclasses
import itertools
from typing import Any

import pytest
from alembic import command
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select, text

from surefoot.core import SpanKind, SpanRecord, SpanStatus, new_trace_id
from surefoot.store import Store, TraceQuery, create_engine
from surefoot.store._aggregate import PREVIEW_CHARS
from surefoot.store._migrate import _config
from surefoot.store._schema import spans

_PROMPT = [{"role": "system", "content": "x" * 2_000}, {"role": "user", "content": "hello"}]


def _span(
    trace_id: str, number: int, kind: SpanKind, payload: Any, parent: str | None
) -> SpanRecord:
    return SpanRecord(
        trace_id=trace_id,
        span_id=f"{number:016x}",
        name=f"step {number}",
        kind=kind,
        parent_id=parent,
        start_ns=1_000 + number,
        end_ns=2_000 + number,
        status=SpanStatus.OK,
        input=payload,
        output=f"answer {number}",
    )


def _guarded(trace_id: str, prompt: Any) -> list[SpanRecord]:
    """A guard span and its model call, holding the one ``prompt`` object."""
    guard = _span(trace_id, 1, SpanKind.GUARD, prompt, None)
    return [_span(trace_id, 2, SpanKind.LLM, prompt, guard.span_id), guard]


def _stored_inputs(store_url: str, trace_id: str) -> dict[str, tuple[Any, str | None]]:
    engine = create_engine(store_url)
    try:
        with engine.connect() as conn:
            rows = conn.execute(
                select(spans.c.span_id, spans.c.input, spans.c.input_ref).where(
                    spans.c.trace_id == trace_id
                )
            )
            return {row.span_id: (row.input, row.input_ref) for row in rows}
    finally:
        engine.dispose()


def test_the_later_span_with_the_same_input_object_names_the_earlier(
    store: Store, store_url: str
) -> None:
    """The guard span, which ends after its model call, holds no copy of the prompt, only the
    id of the model call's span, which has it."""
    written = _guarded(new_trace_id(), _PROMPT)
    store.write_spans(written)
    stored = _stored_inputs(store_url, written[0].trace_id)
    assert stored == {f"{2:016x}": (_PROMPT, None), f"{1:016x}": (None, f"{2:016x}")}


def test_a_trace_read_back_gives_every_span_its_input(store: Store) -> None:
    """Both spans of the guarded call come back with the prompt, equal to what was written."""
    written = _guarded(new_trace_id(), _PROMPT)
    store.write_spans(written)
    assert store.get_trace(written[0].trace_id) == sorted(written, key=lambda s: s.start_ns)


def test_spans_scanned_by_kind_resolve_the_named_input(store: Store) -> None:
    """A scan that returns only the span naming another still gives it the prompt."""
    written = _guarded(new_trace_id(), _PROMPT)
    store.write_spans(written)
    (llm,) = [
        span for span in store.iter_spans(SpanKind.LLM) if span.trace_id == written[0].trace_id
    ]
    assert llm.input == _PROMPT


@pytest.mark.parametrize("root_first", [True, False], ids=["root-first", "holder-first"])
def test_the_trace_previews_a_root_input_that_names_another_spans_copy(
    store: Store, root_first: bool
) -> None:
    """The guard span's prompt lives on its model call's row; the trace list previews it from
    there, whichever of the two the batch (sorted by span id) folds in first."""
    trace_id = new_trace_id()
    guard = _span(trace_id, 2 if root_first else 3, SpanKind.GUARD, _PROMPT, None)
    llm = _span(trace_id, 3 if root_first else 2, SpanKind.LLM, _PROMPT, guard.span_id)
    store.write_spans([llm, guard])
    summary = store.get_trace_summary(trace_id)
    assert summary is not None and summary.input_preview is not None
    assert summary.input_preview.startswith('[{"role":"system","content":"xxx')
    assert len(summary.input_preview) == PREVIEW_CHARS


def test_a_root_input_named_by_reference_is_found_by_text_search(store: Store) -> None:
    """Search reads the previews, so a guarded trace is found by words of its prompt."""
    written = _guarded(new_trace_id(), [{"role": "user", "content": "Where is order 1039?"}])
    store.write_spans(written)
    found = store.list_traces(TraceQuery(text="order 1039"))
    assert [summary.trace_id for summary in found] == [written[0].trace_id]


def test_equal_inputs_in_separate_objects_are_stored_each(store: Store, store_url: str) -> None:
    """Only the very same object is shared: equal values copied apart keep their own rows."""
    trace_id = new_trace_id()
    guard = _span(trace_id, 1, SpanKind.GUARD, _PROMPT, None)
    llm = _span(trace_id, 2, SpanKind.LLM, [dict(m) for m in _PROMPT], guard.span_id)
    store.write_spans([llm, guard])
    assert all(ref is None for _, ref in _stored_inputs(store_url, trace_id).values())


def test_one_input_object_in_two_traces_is_stored_in_each(store: Store, store_url: str) -> None:
    """A span never names one of another trace: each trace reads back on its own."""
    first, second = new_trace_id(), new_trace_id()
    store.write_spans([_span(first, 1, SpanKind.LLM, _PROMPT, None), *_guarded(second, _PROMPT)])
    assert _stored_inputs(store_url, first) == {f"{1:016x}": (_PROMPT, None)}
    assert store.get_trace(first)[0].input == _PROMPT


def test_a_replayed_batch_stores_the_missing_span_with_its_own_input(
    store: Store, store_url: str
) -> None:
    """A replay after one span was stored inserts the other with a copy; both read back."""
    written = _guarded(new_trace_id(), _PROMPT)
    store.write_spans([written[1]])
    store.write_spans(written)
    trace_id = written[0].trace_id
    assert all(ref is None for _, ref in _stored_inputs(store_url, trace_id).values())
    assert [span.input for span in store.get_trace(trace_id)] == [_PROMPT, _PROMPT]


def test_a_span_twice_in_one_batch_holding_another_object_reads_back_whole(store: Store) -> None:
    """A replayed copy of the span others name, holding an equal prompt in an object a third
    span holds: no span ends up naming a span that names another."""
    trace_id = new_trace_id()
    again = [dict(m) for m in _PROMPT]
    named, naming = _guarded(trace_id, _PROMPT)[::-1]
    third = _span(trace_id, 3, SpanKind.TOOL, again, None)
    replayed = dataclasses.replace(named, input=again)
    store.write_spans([third, named, naming, replayed])
    assert [span.input for span in store.get_trace(trace_id)] == [_PROMPT] * 3


def test_downgrading_copies_the_named_inputs_back(store: Store, store_url: str) -> None:
    """Before the column goes, every span that named another gets its input back."""
    written = _guarded(new_trace_id(), _PROMPT)
    store.write_spans(written)
    engine = create_engine(store_url)
    try:
        with engine.begin() as conn:
            command.downgrade(_config(conn), "0010")
            rows = conn.execute(
                text("SELECT span_id, input FROM spans WHERE trace_id = :t"),
                {"t": written[0].trace_id},
            ).all()
    finally:
        engine.dispose()
    assert {row.span_id: row.input for row in rows} == dict.fromkeys(
        [f"{1:016x}", f"{2:016x}"], rows[0].input
    )
    assert rows[0].input is not None


_settings = settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


@_settings
@given(
    holders=st.lists(st.sampled_from([None, 0, 1, 2]), min_size=1, max_size=8),
    cuts=st.lists(st.integers(0, 8), max_size=3),
    replay=st.booleans(),
)
def test_any_sharing_and_batching_reads_back_exactly(
    store: Store, holders: list[int | None], cuts: list[int], replay: bool
) -> None:
    """Spans sharing a few input objects in any pattern, written in any batches (and again, as a
    replay would), read back exactly as written."""
    trace_id = new_trace_id()
    payloads = [[{"role": "user", "content": f"prompt {i}"}] for i in range(3)]
    written = [
        _span(trace_id, n + 1, SpanKind.LLM, None if h is None else payloads[h], None)
        for n, h in enumerate(holders)
    ]
    bounds = sorted({0, len(written), *(c for c in cuts if c < len(written))})
    for start, end in itertools.pairwise(bounds):
        store.write_spans(written[start:end])
    if replay:
        store.write_spans(list(reversed(written)))
    assert store.get_trace(trace_id) == written
