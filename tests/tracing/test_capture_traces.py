"""capture_traces() and InMemoryExporter let users assert on spans in their own tests."""

from __future__ import annotations

from surefoot import tracing
from surefoot.testing import InMemoryExporter, capture_traces


def test_capture_traces_records_processed_spans() -> None:
    """Spans inside the block are captured, redacted like the store would get them."""
    with capture_traces() as captured, tracing.span("chat", input="mail me: a@b.io"):
        pass
    (span,) = captured.named("chat")
    assert span.input == "mail me: [EMAIL]"


def test_capture_traces_restores_the_previous_state() -> None:
    """After the block tracing is back to what it was (here: off)."""
    with capture_traces():
        pass
    assert not tracing.span("after").is_recording


def test_capture_traces_groups_by_trace() -> None:
    """captured.trace returns one trace's spans in start order."""
    with capture_traces() as captured:
        with tracing.span("root") as root, tracing.span("child"):
            pass
        assert [sp.name for sp in captured.trace(root.trace_id)] == ["root", "child"]


def test_in_memory_exporter_receives_spans(settings_factory, sink) -> None:
    """An InMemoryExporter passed to init gets every processed span."""
    exporter = InMemoryExporter()
    tracing.init(settings_factory(), sink=sink, exporters=[exporter])
    with tracing.span("x"):
        pass
    assert tracing.flush()
    assert [sp.name for sp in exporter.get_finished_spans()] == ["x"]
