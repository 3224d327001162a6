"""The behaviours every store backend must share, run against SQLite and PostgreSQL."""

from __future__ import annotations

import socket
from concurrent.futures import ThreadPoolExecutor

import pytest

from surefoot.core import (
    ConfigError,
    DecisionStatus,
    ErrorInfo,
    MigrationRequired,
    SpanKind,
    SpanRecord,
    SpanSink,
    SpanStatus,
    StoreSettings,
    StoreUnavailable,
    semconv,
)
from surefoot.store import (
    Store,
    TraceQuery,
    create_engine,
    ensure_current,
    migration_status,
    upgrade,
)

T1, T2, T3 = "1" * 32, "2" * 32, "3" * 32


def _span(trace_id: str, n: int, parent: int | None = 1, **kw: object) -> SpanRecord:
    values: dict[str, object] = {
        "name": f"span {n}",
        "start_ns": 1_000 + n * 10,
        "end_ns": 1_005 + n * 10,
        "status": SpanStatus.OK,
        **kw,
    }
    return SpanRecord(
        trace_id,
        f"{n:016x}",
        parent_id=None if parent is None else f"{parent:016x}",
        **values,  # type: ignore[arg-type]
    )


def _llm(trace_id: str, n: int, model: str, cost: float, tokens: int = 10) -> SpanRecord:
    attributes = {
        semconv.GEN_AI_REQUEST_MODEL: model,
        semconv.GEN_AI_USAGE_INPUT_TOKENS: tokens,
        semconv.GEN_AI_USAGE_OUTPUT_TOKENS: tokens // 2,
        semconv.SF_COST_USD: cost,
    }
    return _span(trace_id, n, kind=SpanKind.LLM, attributes=attributes)


def _root(trace_id: str, start: int = 1_000, **kw: object) -> SpanRecord:
    values: dict[str, object] = {
        "kind": SpanKind.REQUEST,
        "start_ns": start,
        "end_ns": start + 100,
        "status": SpanStatus.OK,
        **kw,
    }
    return SpanRecord(trace_id, f"{1:016x}", f"root {trace_id[0]}", **values)  # type: ignore[arg-type]


def test_spans_round_trip_with_enums_error_and_nested_json(store: Store) -> None:
    """A span reads back equal, including kind, status, ErrorInfo and nested JSON payloads."""
    span = _span(
        T1,
        2,
        kind=SpanKind.TOOL,
        status=SpanStatus.ERROR,
        attributes={"a": {"b": [1, 2.5, None, True, "ü"]}, "n": -3},
        input={"messages": [{"role": "user", "content": "hi"}]},
        output=["x", {"y": None}],
        error=ErrorInfo("ValueError", "bad", "Traceback ..."),
    )
    store.write_spans([span])
    assert store.get_trace(T1) == [span]


def test_trace_spans_come_back_ordered_by_start(store: Store) -> None:
    """get_trace returns a trace's spans earliest first, whatever the write order."""
    spans = [_span(T1, n) for n in (5, 3, 4, 2)]
    store.write_spans(spans)
    assert [s.span_id for s in store.get_trace(T1)] == [f"{n:016x}" for n in (2, 3, 4, 5)]


def test_rewriting_the_same_spans_does_not_double_count(store: Store) -> None:
    """A replayed batch is skipped: span count, tokens and cost stay as after the first write."""
    batch = [_root(T1), _llm(T1, 2, "gpt-4o", 0.25), _llm(T1, 3, "gpt-4o", 0.5)]
    store.write_spans(batch)
    store.write_spans(batch)
    store.write_spans(batch[1:] + batch[:1])
    summary = store.get_trace_summary(T1)
    assert summary is not None
    assert (summary.span_count, summary.input_tokens, summary.cost_usd) == (3, 20, 0.75)
    assert store.count_spans() == 3


def test_a_batch_mixing_stored_and_new_spans_counts_only_the_new(store: Store) -> None:
    """Spans already stored are skipped and the new ones of the same batch are counted once."""
    store.write_spans([_llm(T1, 2, "gpt-4o", 0.25)])
    store.write_spans([_llm(T1, 2, "gpt-4o", 0.25), _llm(T1, 3, "gpt-4o", 0.5), _root(T2)])
    summary, other = store.get_trace_summary(T1), store.get_trace_summary(T2)
    assert summary is not None
    assert other is not None
    assert (summary.span_count, summary.cost_usd, other.span_count) == (2, 0.75, 1)
    assert store.count_spans() == 3


def test_trace_row_aggregates_out_of_order_batches(store: Store) -> None:
    """Children before the root, across batches, give the same summary as one batch would."""
    root = _root(T1, output="done", input="Question?")
    store.write_spans([_llm(T1, 3, "gpt-4o", 0.5)])
    partial = store.get_trace_summary(T1)
    assert partial is not None
    assert partial.name is None
    store.write_spans(
        [_llm(T1, 2, "gpt-4o", 0.25, tokens=4), _span(T1, 4, status=SpanStatus.ERROR)]
    )
    store.write_spans([root])
    summary = store.get_trace_summary(T1)
    assert summary is not None
    assert summary.name == root.name
    assert (summary.start_ns, summary.end_ns) == (root.start_ns, root.end_ns)
    assert (summary.span_count, summary.error_count, summary.status) == (4, 1, SpanStatus.ERROR)
    assert (summary.input_tokens, summary.output_tokens, summary.cost_usd) == (14, 7, 0.75)
    assert (summary.model, summary.input_preview, summary.output_preview) == (
        "gpt-4o",
        "Question?",
        "done",
    )


def test_trace_status_follows_the_root_without_errors(store: Store) -> None:
    """Without failed spans a trace has its root's status."""
    store.write_spans([_span(T1, 2)])
    store.write_spans([_root(T1, status=SpanStatus.UNSET)])
    summary = store.get_trace_summary(T1)
    assert summary is not None
    assert summary.status is SpanStatus.UNSET


def test_decision_status_is_taken_from_span_attributes(store: Store) -> None:
    """The surefoot.decision.status attribute of any span becomes the trace's decision."""
    guard = _span(T1, 2, kind=SpanKind.GUARD, attributes={semconv.SF_DECISION_STATUS: "escalate"})
    store.write_spans([_root(T1), guard])
    summary = store.get_trace_summary(T1)
    assert summary is not None
    assert summary.decision_status is DecisionStatus.ESCALATE


def test_unknown_trace_has_no_summary_and_no_spans(store: Store) -> None:
    """An unknown trace id gives None and an empty list."""
    assert store.get_trace_summary(T1) is None
    assert store.get_trace(T1) == []


def _three_traces(store: Store) -> None:
    store.write_spans(
        [
            _root(T1, start=100, input="Refund my ORDER"),
            _llm(T1, 2, "gpt-4o-mini", 0.1),
            _root(T2, start=200, output="weather is fine"),
            _llm(T2, 2, "claude-3", 0.1),
            _root(T3, start=300, status=SpanStatus.ERROR),
            _span(T3, 2, kind=SpanKind.RETRIEVAL),
        ]
    )


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        (TraceQuery(), [T3, T2, T1]),
        (TraceQuery(since_ns=200), [T3, T2]),
        (TraceQuery(until_ns=300), [T2, T1]),
        (TraceQuery(kind=SpanKind.RETRIEVAL), [T3]),
        (TraceQuery(model="gpt-4o-mini"), [T1]),
        (TraceQuery(model="gpt-4o*"), [T1]),
        (TraceQuery(model="gpt-4"), []),
        (TraceQuery(status=SpanStatus.ERROR), [T3]),
        (TraceQuery(text="order"), [T1]),
        (TraceQuery(text="WEATHER"), [T2]),
        (TraceQuery(text="root 3"), [T3]),
        (TraceQuery(text="50%"), []),
        (TraceQuery(limit=1, offset=1), [T2]),
    ],
)
def test_listing_filters_traces_newest_first(
    store: Store, query: TraceQuery, expected: list[str]
) -> None:
    """list_traces applies each filter and orders by start time, newest first."""
    _three_traces(store)
    assert [t.trace_id for t in store.list_traces(query)] == expected


def test_repricing_a_span_moves_the_trace_cost(store: Store) -> None:
    """set_span_attributes updates the span and keeps its trace's cost total consistent."""
    store.write_spans([_root(T1), _llm(T1, 2, "gpt-4o", 0.25), _llm(T1, 3, "gpt-4o", 0.5)])
    assert store.set_span_attributes(T1, f"{2:016x}", {semconv.SF_COST_USD: 1.0})
    summary = store.get_trace_summary(T1)
    assert summary is not None
    assert summary.cost_usd == 1.5
    (span,) = [s for s in store.get_trace(T1) if s.span_id == f"{2:016x}"]
    assert span.attributes[semconv.SF_COST_USD] == 1.0
    assert not store.set_span_attributes(T1, "f" * 16, {"x": 1})


def test_iter_spans_pages_through_matching_spans_in_time_order(store: Store) -> None:
    """iter_spans yields every matching span once, in start order, across small pages."""
    store.write_spans(
        [_span(T1, n, kind=SpanKind.LLM if n % 2 else SpanKind.TOOL) for n in range(2, 12)]
    )
    llm = list(store.iter_spans(kind=SpanKind.LLM, batch_size=2))
    assert [s.span_id for s in llm] == [f"{n:016x}" for n in (3, 5, 7, 9, 11)]
    window = list(store.iter_spans(since_ns=1_040, until_ns=1_070, batch_size=1))
    assert [s.start_ns for s in window] == [1_040, 1_050, 1_060]


def test_ping_succeeds_on_a_reachable_store(store: Store) -> None:
    """ping returns quietly when the database answers."""
    store.ping()


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_unreachable_database_raises_store_unavailable_with_hint() -> None:
    """Opening a store on a port nobody listens on raises StoreUnavailable saying what to do."""
    url = f"postgresql://postgres@127.0.0.1:{_closed_port()}/surefoot"
    with pytest.raises(StoreUnavailable) as caught:
        Store.open(StoreSettings(url=url, connect_timeout_s=2))
    assert caught.value.hint
    assert "SUREFOOT_STORE__URL" in str(caught.value)


def test_unsupported_url_scheme_raises_config_error_naming_it() -> None:
    """A mysql:// URL raises ConfigError naming the scheme and the supported ones."""
    with pytest.raises(ConfigError, match=r"mysql.*") as caught:
        create_engine("mysql://u@h/db")
    assert "postgresql://" in str(caught.value)


def test_migration_status_moves_from_empty_to_current(store_url: str) -> None:
    """A new database has no revision; after upgrade (twice) it is at head and current."""
    engine = create_engine(store_url)
    try:
        before = migration_status(engine)
        assert (before.current, before.is_current) == (None, False)
        with pytest.raises(MigrationRequired):
            ensure_current(engine)
        upgrade(engine)
        upgrade(engine)
        after = ensure_current(engine)
        assert (after.current, after.is_current) == (after.head, True)
    finally:
        engine.dispose()


def test_opening_without_migrating_requires_a_current_schema(store_url: str) -> None:
    """Store.open(migrate=False) on an empty database raises MigrationRequired."""
    with pytest.raises(MigrationRequired, match="surefoot db upgrade"):
        Store.open(StoreSettings(url=store_url), migrate=False)


def test_store_is_a_span_sink(store: Store) -> None:
    """Store implements the SpanSink protocol the recorder writes to."""
    assert isinstance(store, SpanSink)


def test_concurrent_replays_of_one_batch_count_each_span_once(store: Store) -> None:
    """Several threads writing the same spans at once leave each span counted once."""
    batch = [_root(T1)] + [_llm(T1, n, "gpt-4o", 0.5) for n in range(2, 200)]
    with ThreadPoolExecutor(max_workers=4) as pool:
        list(pool.map(lambda _: store.write_spans(batch), range(4)))
    summary = store.get_trace_summary(T1)
    assert summary is not None
    assert (summary.span_count, summary.cost_usd) == (199, 99.0)
