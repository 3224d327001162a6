"""What a serving process sets up before it serves."""

from __future__ import annotations

import gc
from typing import TYPE_CHECKING

from surefoot import tracing
from surefoot.core import _heap
from surefoot.server._run import SERVER_BATCH_SIZE, start_process
from surefoot.tracing._offload import ProcessRecorder
from surefoot.tracing._state import STATE

if TYPE_CHECKING:
    from collections.abc import Callable

    from surefoot.core import Settings


def _started(settings: Settings) -> ProcessRecorder:
    start_process(settings)
    _heap.release()
    recorder = STATE.recorder
    assert isinstance(recorder, ProcessRecorder)
    return recorder


def test_a_server_records_from_a_child_in_short_batches_by_default(
    settings_factory: Callable[..., Settings],
) -> None:
    recorder = _started(settings_factory())
    try:
        assert recorder.settings.offload is True
        assert recorder.settings.batch_size == SERVER_BATCH_SIZE
    finally:
        tracing.shutdown(5.0)


def test_a_batch_size_that_was_set_is_kept(settings_factory: Callable[..., Settings]) -> None:
    recorder = _started(settings_factory(recorder={"batch_size": 1_024}))
    try:
        assert recorder.settings.batch_size == 1_024
    finally:
        tracing.shutdown(5.0)


def test_a_server_collects_its_young_objects_less_often(
    settings_factory: Callable[..., Settings],
) -> None:
    start_process(settings_factory())
    try:
        assert gc.get_threshold()[0] >= _heap.YOUNG_THRESHOLD
        assert gc.get_freeze_count() > 0
    finally:
        _heap.release()
        tracing.shutdown(5.0)
