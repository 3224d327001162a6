"""The served-model matching rule, as properties."""

from __future__ import annotations

from hypothesis import assume, given
from tests.providers.strategies import stems, version_suffixes

from surefoot.providers import check_served, is_versioned, served_matches


@given(stems)
def test_a_pin_matches_itself(pin: str) -> None:
    """The served id equal to the pin always matches."""
    assert served_matches(pin, pin)


@given(stems, version_suffixes)
def test_an_undated_pin_matches_its_dated_snapshots(stem: str, suffix: str) -> None:
    """An undated pin matches the same id followed by exactly one version suffix."""
    assume(not is_versioned(stem))
    assert served_matches(stem, stem + suffix)


@given(stems, version_suffixes, version_suffixes)
def test_a_dated_pin_matches_nothing_else(stem: str, suffix: str, other: str) -> None:
    """A pin that carries a version accepts no further suffix and no other version."""
    pin = stem + suffix
    assume(other != suffix)
    assert not served_matches(pin, pin + other)
    assert not served_matches(pin, stem + other)


@given(stems, stems, version_suffixes)
def test_another_family_sharing_the_prefix_never_matches(stem: str, word: str, suffix: str) -> None:
    """``gpt-4o`` never matches ``gpt-4o-mini-...``: the suffix must be a version only."""
    assume(not is_versioned(stem))
    assert not served_matches(stem, f"{stem}-{word}{suffix}")


@given(stems, stems)
def test_unrelated_ids_do_not_match(pin: str, served: str) -> None:
    """A served id that does not start with the pin never matches."""
    assume(not served.startswith(pin))
    assert not check_served(pin, served).matches


def test_fingerprint_change_is_reported_against_the_last_one() -> None:
    """A different fingerprint than last time is flagged; the first one is not."""
    assert not check_served("m", "m", "fp1").fingerprint_changed
    assert check_served("m", "m", "fp2", last_fingerprint="fp1").fingerprint_changed
