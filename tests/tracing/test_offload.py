"""The offloaded recorder: spans recorded in a child process reach the store, whatever ends."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from typing import TYPE_CHECKING

import pytest
from sqlalchemy import select

from surefoot import tracing
from surefoot.core import ConfigError, SpanRecord, StoreSettings
from surefoot.store import Store
from surefoot.store._schema import spans
from surefoot.tracing._offload import ProcessRecorder
from surefoot.tracing._state import STATE

if TYPE_CHECKING:
    from collections.abc import Callable
    from pathlib import Path

    from surefoot.core import Settings
    from surefoot.testing import InMemorySink


def _offloaded(settings_factory: Callable[..., Settings]) -> Settings:
    settings = settings_factory(recorder={"offload": True})
    tracing.init(settings)
    return settings


def _recorder() -> ProcessRecorder:
    recorder = STATE.recorder
    assert isinstance(recorder, ProcessRecorder)
    return recorder


def _record(count: int, prefix: str = "work") -> None:
    for i in range(count):
        with tracing.span(f"{prefix} {i}", input={"note": f"write to ann{i}@example.com"}):
            pass


def _stored(settings: Settings) -> list[SpanRecord]:
    store = Store.open(settings.store)
    try:
        return list(store.iter_spans())
    finally:
        store.close()


def test_spans_reach_the_store_through_the_child(
    settings_factory: Callable[..., Settings],
) -> None:
    """Every span recorded is written by the child, and the counters say so after a flush."""
    settings = _offloaded(settings_factory)
    _record(300)
    assert tracing.flush(10.0)
    stats = tracing.stats()
    assert (stats.enqueued, stats.written, stats.pending) == (300, 300, 0)
    assert len(_stored(settings)) == 300


def test_the_child_redacts_before_anything_is_stored(
    settings_factory: Callable[..., Settings],
) -> None:
    """The settings' redaction runs in the child: the store never sees the address."""
    settings = _offloaded(settings_factory)
    _record(1)
    assert tracing.flush(10.0)
    (span,) = _stored(settings)
    assert span.input == {"note": "write to [EMAIL]"}


def test_a_prompt_given_to_a_span_and_its_parent_is_stored_once_through_the_child(
    settings_factory: Callable[..., Settings],
) -> None:
    """A guard span and its model call sharing the messages: across the pipe, redaction and the
    store, one row holds the (redacted) prompt and the other names it; both read it back."""
    settings = _offloaded(settings_factory)
    messages = [{"role": "user", "content": "mail ann@example.com the invoice"}]
    with tracing.span("guard") as guard:
        guard.set_input(messages)
        with tracing.span("chat", input=messages) as chat:
            pass
    assert tracing.flush(10.0)
    store = Store.open(settings.store)
    try:
        with store.engine.connect() as conn:
            refs = dict(conn.execute(select(spans.c.name, spans.c.input_ref)).all())
        read = {span.name: span.input for span in store.get_trace(guard.trace_id)}
    finally:
        store.close()
    redacted = [{"role": "user", "content": "mail [EMAIL] the invoice"}]
    assert read == {"guard": redacted, "chat": redacted}
    assert refs == {"chat": None, "guard": chat.span_id}  # the model call ended first


def test_a_child_that_dies_is_replaced_and_nothing_flushed_is_lost(
    settings_factory: Callable[..., Settings],
) -> None:
    """Spans shipped after the child was killed go to a new child; the dead one lost nothing."""
    settings = _offloaded(settings_factory)
    _record(50, "before")
    assert tracing.flush(10.0)
    recorder = _recorder()
    recorder.min_child_life_s = 0.0  # this child is young, but did not die as it started
    recorder._child.kill()
    recorder._child.wait(5.0)
    _record(50, "after")
    assert tracing.flush(10.0)
    assert len(_stored(settings)) == 100
    assert tracing.stats().dropped_child_exit == 0


def test_a_full_shipment_leaves_from_the_callers_thread_without_waiting(
    settings_factory: Callable[..., Settings],
) -> None:
    """128 spans are shipped by the thread that recorded them, not an interval later."""
    settings = settings_factory(
        recorder={"offload": True, "flush_interval_s": 60.0, "batch_size": 1_024}
    )
    tracing.init(settings)
    recorder = _recorder()
    _record(127)
    assert recorder._shipped == 0
    _record(1)
    assert recorder._shipped == 128


def test_a_child_that_stops_reading_never_blocks_the_caller_and_loses_nothing(
    settings_factory: Callable[..., Settings],
) -> None:
    """With the child stopped and its pipe full, recording goes on; the spans follow later."""
    settings = _offloaded(settings_factory)
    recorder = _recorder()
    os.kill(recorder._child.pid, signal.SIGSTOP)
    try:
        worker = threading.Thread(target=_record, args=(3_000, "x" * 1_000))
        worker.start()
        worker.join(30.0)
        assert not worker.is_alive(), "recording blocked on a child that does not read"
        assert tracing.stats().pending >= 2_000  # more than the pipe could take
    finally:
        os.kill(recorder._child.pid, signal.SIGCONT)
    assert tracing.flush(30.0)
    assert len(_stored(settings)) == 3_000
    assert tracing.stats().dropped_child_exit == 0


def test_spans_shipped_before_the_parent_dies_are_written(tmp_path: Path) -> None:
    """A parent killed without shutting down leaves the child to write what it was sent."""
    script = (
        "import os, sys, time\n"
        "from surefoot import tracing\n"
        "from surefoot.core import Settings\n"
        "tracing.init(Settings.load(None, store={'url': sys.argv[1]},\n"
        "    recorder={'spool_dir': sys.argv[2], 'offload': True, 'flush_interval_s': 0.02}))\n"
        "for i in range(200):\n"
        "    with tracing.span('work'):\n"
        "        pass\n"
        "time.sleep(0.5)  # shipped to the child, which may not have written them yet\n"
        "print(tracing.stats().enqueued, flush=True)\n"
        "os._exit(0)  # no shutdown, no flush: as if killed\n"
    )
    url = f"sqlite:///{tmp_path / 'store.db'}"
    done = subprocess.run(
        [sys.executable, "-c", script, url, str(tmp_path / "spool")],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    assert done.stdout.split() == ["200"]
    store = Store.open(StoreSettings(url=url))
    deadline = time.monotonic() + 20
    while store.count_spans() < 200 and time.monotonic() < deadline:
        time.sleep(0.1)  # the orphaned child writes, then exits
    assert store.count_spans() == 200
    store.close()


def test_offload_refuses_a_sink_it_cannot_send(
    settings_factory: Callable[..., Settings], sink: InMemorySink
) -> None:
    """A custom sink lives in this process: with offload on, init says to turn it off."""
    with pytest.raises(ConfigError, match="child process") as raised:
        tracing.init(settings_factory(recorder={"offload": True}), sink=sink)
    assert "offload = false" in (raised.value.hint or "")


def test_a_child_outlives_ctrl_c_to_its_group(settings_factory: Callable[..., Settings]) -> None:
    """SIGINT to the process group leaves the child running until the parent shuts it down."""
    settings = _offloaded(settings_factory)
    recorder = _recorder()
    _record(10)
    assert tracing.flush(10.0)
    os.kill(recorder._child.pid, signal.SIGINT)
    time.sleep(0.2)
    assert recorder._child.poll() is None
    _record(10, "later")
    assert tracing.shutdown(10.0)
    assert len(_stored(settings)) == 20


def test_a_child_that_dies_as_it_starts_is_not_restarted_again_and_again(
    settings_factory: Callable[..., Settings],
) -> None:
    """A child that cannot run ends the shipping: its spans are counted as lost, loudly."""
    settings = _offloaded(settings_factory)
    recorder = _recorder()
    recorder._child.kill()
    recorder._child.wait(5.0)
    _record(20)
    assert not tracing.flush(2.0)
    stats = tracing.stats()
    assert (stats.enqueued, stats.dropped_child_exit) == (20, 20)
    assert len(_stored(settings)) == 0


def test_an_invalid_store_url_fails_init_here_not_in_the_child(
    settings_factory: Callable[..., Settings],
) -> None:
    """The store URL is checked before the child starts, with the store's own message."""
    with pytest.raises(ConfigError, match="mysql"):
        tracing.init(settings_factory(recorder={"offload": True}, store={"url": "mysql://db/x"}))
