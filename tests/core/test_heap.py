"""A long-running process settles its heap once start-up is over, and can undo it."""

from __future__ import annotations

import gc
from collections.abc import Iterator

import pytest

from surefoot.core import _heap


@pytest.fixture(autouse=True)
def _restored() -> Iterator[None]:
    before = gc.get_threshold()
    yield
    _heap.release()
    gc.set_threshold(*before)


def test_settling_freezes_what_exists_and_collects_the_young_less_often() -> None:
    gc.set_threshold(700, 10, 10)
    _heap.settle()
    assert gc.get_freeze_count() > 0
    assert gc.get_threshold() == (_heap.YOUNG_THRESHOLD, 10, 10)


def test_releasing_unfreezes_and_restores_the_thresholds() -> None:
    gc.set_threshold(700, 10, 10)
    _heap.settle()
    _heap.settle()  # twice, as a server and its workers may: the first thresholds are kept
    _heap.release()
    assert gc.get_freeze_count() == 0
    assert gc.get_threshold() == (700, 10, 10)


def test_a_higher_threshold_is_kept() -> None:
    gc.set_threshold(50_000, 10, 10)
    _heap.settle()
    assert gc.get_threshold()[0] == 50_000


def test_automatic_collection_turned_off_stays_off() -> None:
    gc.set_threshold(0, 10, 10)
    _heap.settle()
    assert gc.get_threshold()[0] == 0
