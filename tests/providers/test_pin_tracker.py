"""The per-provider pin tracker remembers what was served and counts mismatches."""

from __future__ import annotations

from surefoot.providers import ModelRef, PinTracker


def test_mismatches_are_counted() -> None:
    """Each response whose served id is not the pin adds one mismatch."""
    tracker = PinTracker()
    tracker.check("m-2024-01-01", "m-2024-01-01", None)
    tracker.check("m-2024-01-01", "m-2024-06-01", None)
    assert tracker.mismatches == 1


def test_fingerprint_changes_are_noticed_per_pin() -> None:
    """A new fingerprint for the same pin is flagged and remembered as the last one."""
    tracker = PinTracker()
    tracker.check("m", "m", "fp_a")
    check = tracker.check("m", "m", "fp_b")
    assert check.fingerprint_changed and tracker.last_fingerprint("m") == "fp_b"


def test_a_floating_alias_moving_to_a_new_snapshot_is_a_change() -> None:
    """Served-id changes under a floating alias match the pin but count as a change."""
    tracker, ref = PinTracker(), ModelRef.parse("openai:gpt-4o", allow_floating=True)
    tracker.check(ref, "gpt-4o-2024-08-06", None)
    check = tracker.check(ref, "gpt-4o-2024-11-20", None)
    assert check.matches and check.served_changed and tracker.changes == 1
