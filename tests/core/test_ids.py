"""Trace and span ids."""

from __future__ import annotations

import time

from hypothesis import given
from hypothesis import strategies as st

from surefoot.core import is_span_id, is_trace_id, new_span_id, new_trace_id


def test_new_ids_are_valid_and_distinct() -> None:
    """Generated ids have the W3C shape and do not repeat in a large sample."""
    traces = {new_trace_id() for _ in range(10_000)}
    spans = {new_span_id() for _ in range(10_000)}
    assert len(traces) == len(spans) == 10_000
    assert all(map(is_trace_id, traces))
    assert all(map(is_span_id, spans))


@given(st.text(max_size=40))
def test_validators_accept_only_lowercase_hex_of_the_right_length(text: str) -> None:
    """is_trace_id and is_span_id agree with the W3C trace-context definition."""
    hexdigits = set("0123456789abcdef")
    assert is_trace_id(text) == (len(text) == 32 and set(text) <= hexdigits and set(text) != {"0"})
    assert is_span_id(text) == (len(text) == 16 and set(text) <= hexdigits and set(text) != {"0"})


def test_trace_ids_begin_with_the_time_in_milliseconds() -> None:
    """The first 12 hex digits are the Unix time in ms when the id was made."""
    before = time.time_ns() // 1_000_000
    trace_id = new_trace_id()
    after = time.time_ns() // 1_000_000
    assert before <= int(trace_id[:12], 16) <= after


def test_trace_ids_made_later_sort_later() -> None:
    """Ids made a few milliseconds apart sort in the order they were made, as the store's
    indexes want them to arrive."""
    ids = []
    for _ in range(5):
        ids.append(new_trace_id())
        time.sleep(0.002)
    assert ids == sorted(ids)


def test_the_random_parts_do_not_repeat() -> None:
    """Ids made in a burst (most within the same millisecond) differ in their rightmost 80 bits,
    not only in their time prefix."""
    ids = [new_trace_id() for _ in range(1_000)]
    assert len({i[12:] for i in ids}) == 1_000
