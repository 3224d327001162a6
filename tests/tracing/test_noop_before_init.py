"""Before init() every tracing call is a cheap no-op."""

from __future__ import annotations

from surefoot import tracing
from surefoot.tracing import NoopSpan


def test_span_is_noop_before_init() -> None:
    """tracing.span returns a non-recording no-op span until init()."""
    with tracing.span("anything", attributes={"a": 1}, input="x") as sp:
        sp.set_attribute("k", "v")
        sp.set_output("y")
    assert isinstance(sp, NoopSpan)
    assert not sp.is_recording


def test_decorated_function_still_returns_before_init() -> None:
    """A @trace-decorated function behaves exactly as undecorated before init()."""

    @tracing.trace
    def add(a: int, b: int) -> int:
        return a + b

    assert add(2, 3) == 5


def test_current_span_is_noop_before_init() -> None:
    """current_span() returns a no-op span when nothing is recording."""
    assert not tracing.current_span().is_recording


def test_flush_and_stats_are_harmless_before_init() -> None:
    """flush() succeeds and stats() are all zero before init()."""
    assert tracing.flush()
    assert tracing.stats().enqueued == 0


def test_disabled_tracing_stays_noop(settings_factory, sink) -> None:
    """init() with tracing.enabled off leaves tracing a no-op."""
    tracing.init(settings_factory(tracing={"enabled": False}), sink=sink)
    with tracing.span("x") as sp:
        pass
    assert not sp.is_recording
