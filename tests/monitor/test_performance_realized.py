"""Realised performance per chunk, from arrays and from stored predictions joined to late labels."""

from __future__ import annotations

import numpy as np
import pytest

from surefoot.core import (
    Feedback,
    FeedbackKind,
    FeedbackSource,
    InvalidInput,
    SpanKind,
    SpanRecord,
    new_id,
)
from surefoot.monitor import Chunking, Metric, RealizedPerformance, read_scored
from surefoot.store import ReviewStore, Store

SCORE = "classifier.score"


def test_label_flip_alerts_every_chunk() -> None:
    """A model whose labels have inverted breaches the reference band on ROC AUC in every chunk."""
    rng = np.random.default_rng(0)
    s = rng.uniform(size=6_000)
    y = (rng.uniform(size=s.size) < s).astype(int)
    perf = RealizedPerformance(Chunking.by_size(1_000), [Metric.ROC_AUC]).fit(y[:3_000], s[:3_000])
    stable = perf.calculate(y[3_000:], s[3_000:])
    flipped = perf.calculate(1 - y[3_000:], s[3_000:])
    assert stable.alerts("roc_auc") == []
    assert flipped.alerts("roc_auc") == [0, 1, 2]


def test_thresholds_bracket_the_reference_chunks() -> None:
    """Thresholds are the reference chunks' mean plus or minus three deviations, within [0, 1]."""
    rng = np.random.default_rng(1)
    s = rng.uniform(size=4_000)
    y = (rng.uniform(size=s.size) < s).astype(int)
    perf = RealizedPerformance(Chunking.by_size(500), ["accuracy"]).fit(y, s)
    row = perf.calculate(y, s).of("accuracy")
    values = [r.value for r in row]
    mean, std = np.mean(values), np.std(values)
    assert row[0].lower_threshold == pytest.approx(mean - 3 * std)
    assert row[0].upper_threshold == pytest.approx(min(1.0, mean + 3 * std))


def test_calculate_before_fit_is_refused() -> None:
    """Calculating without a reference says to fit first."""
    with pytest.raises(InvalidInput, match="fit"):
        RealizedPerformance(Chunking.by_size(10)).calculate([0, 1], [0.2, 0.8])


def _record(store: Store, reviews: ReviewStore, i: int, score: float, label: object) -> None:
    trace_id = f"{i + 1:032x}"
    span = SpanRecord(
        trace_id, f"{i + 1:016x}", "classify", SpanKind.LLM, start_ns=1_000 + i,
        end_ns=2_000 + i, attributes={SCORE: score},
    )  # fmt: skip
    store.write_spans([span])
    if label is not None:
        reviews.add_feedback(
            Feedback(
                new_id(), trace_id, FeedbackSource.GROUND_TRUTH, FeedbackKind.LABEL, label, 5_000
            )
        )


def test_stored_scores_join_their_late_labels(store: Store) -> None:
    """Scores come from span attributes and labels from feedback; unlabelled rows stay NaN."""
    reviews = ReviewStore(store.engine)
    for i, (score, label) in enumerate(
        [(0.9, "positive"), (0.2, "negative"), (0.7, None), (0.4, 1)]
    ):
        _record(store, reviews, i, score, label)
    rows = read_scored(store, SCORE)
    assert rows.scores.tolist() == [0.9, 0.2, 0.7, 0.4]
    assert rows.labels[[0, 1, 3]].tolist() == [1.0, 0.0, 1.0]
    assert np.isnan(rows.labels[2])
    assert rows.labelled.trace_ids == (f"{1:032x}", f"{2:032x}", f"{4:032x}")


def test_latest_label_wins(store: Store) -> None:
    """A later correction of a label replaces the first one."""
    reviews = ReviewStore(store.engine)
    _record(store, reviews, 0, 0.8, 0)
    reviews.add_feedback(
        Feedback(new_id(), f"{1:032x}", FeedbackSource.REVIEWER, FeedbackKind.LABEL, 1, 9_000)
    )
    assert read_scored(store, SCORE).labels.tolist() == [1.0]


def test_non_numeric_scores_are_refused(store: Store) -> None:
    """A score attribute holding text is refused with a hint to record numbers."""
    store.write_spans([SpanRecord("a" * 32, "b" * 16, "classify", attributes={SCORE: "high"})])
    with pytest.raises(InvalidInput, match="numbers"):
        read_scored(store, SCORE)


def test_sampling_error_shrinks_with_the_square_root_of_the_chunk_size() -> None:
    """Quadrupling the chunk roughly halves the standard error, also beyond half the reference."""
    rng = np.random.default_rng(3)
    s = rng.uniform(size=8_000)
    y = (rng.uniform(size=s.size) < s).astype(int)
    perf = RealizedPerformance(Chunking.by_size(1_000), ["accuracy"]).fit(y, s)

    def error(size: int) -> float:
        perf.chunking = Chunking.by_size(size)
        return perf.calculate(np.tile(y, 2), np.tile(s, 2)).of("accuracy")[0].sampling_error

    small, large, huge = error(500), error(2_000), error(16_000)
    assert small / large == pytest.approx(2.0, rel=0.35)
    assert large / huge == pytest.approx(np.sqrt(8), rel=0.35)
