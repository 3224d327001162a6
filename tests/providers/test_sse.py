"""The server-sent events decoder."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st
from tests.providers.strategies import sse_events

from surefoot.providers import ServerSentEvent, SSEDecoder


def _encode(lines: list[str], event: str | None) -> list[str]:
    head = [f"event: {event}"] if event else []
    return [*head, *(f"data: {line}" for line in lines), ""]


@given(st.lists(sse_events, max_size=5))
def test_encoded_events_decode_to_themselves(events: list[tuple[list[str], str | None]]) -> None:
    """Data lines join with newlines and the event type is kept, event by event."""
    decoder = SSEDecoder()
    decoded = [
        out
        for lines, event in events
        for line in _encode(lines, event)
        if (out := decoder.feed(line)) is not None
    ]
    expected = [ServerSentEvent("\n".join(lines), event or "message") for lines, event in events]
    assert decoded == expected


def test_comments_and_unknown_fields_are_ignored() -> None:
    """Keep-alive comments and retry fields produce no events and no data."""
    decoder = SSEDecoder()
    outputs = [decoder.feed(line) for line in [": ping", "retry: 10", "data:x", ""]]
    assert outputs == [None, None, None, ServerSentEvent("x")]


def test_an_event_without_its_blank_line_is_pending() -> None:
    """Input that ends mid-event dispatches nothing; flush shows what was pending."""
    decoder = SSEDecoder()
    assert decoder.feed("data: partial") is None
    assert decoder.flush() == ServerSentEvent("partial")
