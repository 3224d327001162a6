"""The per-provider pin tracker remembers what was served and counts mismatches."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from surefoot.providers import ModelRef, PinTracker, check_served


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


_PINS = (ModelRef.parse("local:m", allow_floating=True), "local:m", "m", ModelRef.parse("m"))


@given(
    st.lists(
        st.tuples(
            st.sampled_from(_PINS),
            st.sampled_from(["m", "m-2024-01-01", "other"]),
            st.sampled_from([None, "fp_a", "fp_b"]),
        ),
        max_size=40,
    )
)
def test_repeated_responses_get_the_check_a_full_comparison_gives(
    calls: list[tuple[ModelRef | str, str, str | None]],
) -> None:
    """Whatever the order of pins, served ids and fingerprints, every check and both counters
    equal a full comparison with the last response seen under the pin's spelling."""
    tracker = PinTracker()
    last: dict[str, tuple[str, str | None]] = {}
    mismatches = changes = 0
    for pin, served, fingerprint in calls:
        last_served, last_fp = last.get(str(pin), (None, None))
        expected = check_served(
            pin, served, fingerprint, last_fingerprint=last_fp, last_served=last_served
        )
        last[str(pin)] = (served, fingerprint or last_fp)
        mismatches += not expected.matches
        changes += expected.fingerprint_changed or expected.served_changed
        assert tracker.check(pin, served, fingerprint) == expected
    assert (tracker.mismatches, tracker.changes) == (mismatches, changes)
