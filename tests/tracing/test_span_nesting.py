"""Spans nest through contextvars: across asyncio tasks and, with help, thread pools."""

from __future__ import annotations

import asyncio
import threading

import pytest

from surefoot import tracing
from surefoot.core import SpanKind, SpanRecord


@pytest.fixture(autouse=True)
def _init(settings_factory, sink) -> None:
    tracing.init(settings_factory(), sink=sink)


def by_name(sink) -> dict[str, SpanRecord]:
    assert tracing.flush()
    return {sp.name: sp for sp in sink.spans}


def test_child_span_has_parent_and_same_trace(sink) -> None:
    """A span opened inside another is its child in the same trace."""
    with tracing.span("root", kind=SpanKind.REQUEST) as root, tracing.span("child"):
        assert tracing.current_span() is not root
    spans = by_name(sink)
    assert spans["child"].parent_id == root.span_id
    assert spans["child"].trace_id == root.trace_id
    assert spans["root"].parent_id is None
    assert spans["root"].kind is SpanKind.REQUEST


def test_sibling_roots_start_separate_traces(sink) -> None:
    """Two top-level spans belong to two different traces."""
    with tracing.span("a") as a:
        pass
    with tracing.span("b") as b:
        pass
    assert a.trace_id != b.trace_id


async def test_task_created_inside_span_has_it_as_parent(sink) -> None:
    """An asyncio task created inside a span sees that span as parent."""

    async def work() -> None:
        async with tracing.span("in-task"):
            await asyncio.sleep(0)

    async with tracing.span("outer") as outer:
        await asyncio.gather(asyncio.create_task(work()), asyncio.create_task(work()))
    assert tracing.flush()
    children = [sp for sp in sink.spans if sp.name == "in-task"]
    assert [c.parent_id for c in children] == [outer.span_id, outer.span_id]


def test_wrap_carries_the_span_into_a_thread(sink) -> None:
    """A function wrapped with tracing.wrap starts its spans under the wrapping span."""

    def work() -> None:
        with tracing.span("in-thread"):
            pass

    with tracing.span("outer") as outer:
        thread = threading.Thread(target=tracing.wrap(work))
        thread.start()
        thread.join()
    assert by_name(sink)["in-thread"].parent_id == outer.span_id


def test_context_thread_pool_propagates_the_span(sink) -> None:
    """Tasks submitted to ContextThreadPoolExecutor run under the submitting span."""

    def work(i: int) -> int:
        with tracing.span(f"task-{i}"):
            return i

    with tracing.span("outer") as outer, tracing.ContextThreadPoolExecutor(2) as pool:
        assert sorted(pool.map(work, range(4))) == [0, 1, 2, 3]
    spans = by_name(sink)
    assert {spans[f"task-{i}"].parent_id for i in range(4)} == {outer.span_id}


def test_plain_thread_starts_a_new_trace(sink) -> None:
    """Without wrap, a thread has no current span and starts its own trace."""
    seen = []

    def work() -> None:
        with tracing.span("lonely") as sp:
            seen.append(sp.trace_id)

    with tracing.span("outer") as outer:
        thread = threading.Thread(target=work)
        thread.start()
        thread.join()
    assert seen[0] != outer.trace_id


def test_current_span_is_restored_after_block() -> None:
    """Leaving a span's block makes its parent current again."""
    with tracing.span("outer") as outer:
        with tracing.span("inner"):
            pass
        assert tracing.current_span() is outer
    assert not tracing.current_span().is_recording
