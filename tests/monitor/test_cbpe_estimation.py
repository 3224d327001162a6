"""CBPE estimates track realised performance on calibrated data and flag covariate shift."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import pytest

from surefoot.core import InvalidInput
from surefoot.monitor import CBPE, Chunking, Metric, RealizedPerformance

CHUNK = 1_000


def _calibrated(
    rng: np.random.Generator, n: int, a: float = 2.0, b: float = 2.0
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.int64]]:
    """Scores from a Beta(a, b) and labels drawn with exactly that probability."""
    s = rng.beta(a, b, n)
    return s, (rng.uniform(size=n) < s).astype(int)


def test_estimate_lies_within_the_sampling_band() -> None:
    """Over 20 seeds, at least 95% of chunk estimates lie within 3 standard errors of realised."""
    metrics = [Metric.ROC_AUC, Metric.ACCURACY, Metric.F1, Metric.PRECISION]
    inside = dict.fromkeys(metrics, 0)
    for seed in range(20):
        rng = np.random.default_rng(seed)
        s_ref, y_ref = _calibrated(rng, 10_000)
        s, y = _calibrated(rng, 5 * CHUNK)
        chunking = Chunking.by_size(CHUNK)
        estimate = CBPE(chunking, metrics, seed=seed).fit(y_ref, s_ref).estimate(s)
        realised = RealizedPerformance(chunking, metrics).fit(y_ref, s_ref).calculate(y, s)
        for metric in metrics:
            for est, real in zip(estimate.of(metric), realised.of(metric), strict=True):
                low, high = est.band
                inside[metric] += low <= real.value <= high
    assert all(count / 100 >= 0.95 for count in inside.values()), inside


def test_covariate_shift_moves_the_estimate_without_labels() -> None:
    """Scores bunching near 0.5 lower the estimated AUC and raise an alert, with no labels."""
    rng = np.random.default_rng(7)
    s_ref, y_ref = _calibrated(rng, 10_000)
    easy, _ = _calibrated(rng, 2 * CHUNK)
    hard, hard_y = _calibrated(rng, 2 * CHUNK, a=12.0, b=12.0)
    cbpe = CBPE(Chunking.by_size(CHUNK), [Metric.ROC_AUC]).fit(y_ref, s_ref)
    report = cbpe.estimate(np.r_[easy, hard])
    assert report.alerts(Metric.ROC_AUC) == [2, 3]
    realised_hard = RealizedPerformance(Chunking.by_size(CHUNK), ["roc_auc"]).fit(y_ref, s_ref)
    truth = realised_hard.calculate(hard_y, hard).values("roc_auc")
    assert np.allclose(report.values("roc_auc")[2:], truth, atol=0.05)


def test_isotonic_calibration_repairs_a_miscalibrated_model() -> None:
    """With overconfident scores, calibrated CBPE lands near the truth and uncalibrated does not."""
    rng = np.random.default_rng(11)
    s, y = _calibrated(rng, 20_000)
    overconfident = np.clip((s - 0.5) * 1.8 + 0.5, 0, 1)
    chunking = Chunking.by_size(5_000)
    truth = RealizedPerformance(chunking, ["accuracy"]).fit(y, s).calculate(y[10_000:], s[10_000:])
    fitted = CBPE(chunking, ["accuracy"], calibration="isotonic").fit(
        y[:10_000], overconfident[:10_000]
    )
    raw = CBPE(chunking, ["accuracy"], calibration="none").fit(y[:10_000], overconfident[:10_000])
    calibrated_error = np.subtract(
        fitted.estimate(overconfident[10_000:]).values("accuracy"), truth.values("accuracy")
    )
    raw_error = np.subtract(
        raw.estimate(overconfident[10_000:]).values("accuracy"), truth.values("accuracy")
    )
    assert np.abs(calibrated_error).max() < 0.02 < np.abs(raw_error).min()


def test_estimating_is_deterministic() -> None:
    """Two fits with the same seed give identical estimates and bands."""
    rng = np.random.default_rng(5)
    s, y = _calibrated(rng, 8_000)
    runs = [CBPE(Chunking.by_count(4), seed=3).fit(y, s).estimate(s[::-1]) for _ in range(2)]
    assert runs[0].rows == runs[1].rows


def test_estimate_before_fit_is_refused() -> None:
    """Estimating without a labelled reference says to fit first."""
    with pytest.raises(InvalidInput, match="fit"):
        CBPE(Chunking.by_size(10)).estimate([0.2, 0.4])


def test_time_chunks_are_estimated_per_period() -> None:
    """Period chunking yields one estimate per period of the rows' timestamps."""
    rng = np.random.default_rng(2)
    s, y = _calibrated(rng, 6_000)
    times = np.repeat([0, 3_600, 7_200], 1_000).tolist()
    cbpe = CBPE(Chunking.by_size(1_000), ["accuracy"]).fit(y[:3_000], s[:3_000])
    cbpe.chunking = Chunking.by_period(3_600)
    report = cbpe.estimate(s[3_000:], times_ns=times)
    assert [r.chunk.start_ns for r in report.of("accuracy")] == [0, 3_600, 7_200]
