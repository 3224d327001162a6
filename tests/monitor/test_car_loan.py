"""Acceptance on NannyML's synthetic car-loan data: drift and a performance drop from chunk 5.

The analysis period has ten chunks of 5,000 rows. NannyML's tutorials show its features drifting
and the model's ROC AUC falling from chunk 5 on, with chunks 0-4 matching the reference; surefoot
must see the same, and its label-free estimate must follow the realised ROC AUC.
"""

from __future__ import annotations

import numpy as np
import pytest
from tests.monitor._car_loan import CHUNK, Period, load

from surefoot.monitor import (
    CBPE,
    Chunking,
    DomainClassifier,
    Metric,
    PCAReconstruction,
    PerformanceReport,
    Profile,
    RealizedPerformance,
    drift_report,
    fit_bins,
)

pytestmark = pytest.mark.slow
DRIFTED = list(range(5, 10))
CHUNKING = Chunking.by_size(CHUNK)


@pytest.fixture(name="reference", scope="module")
def _reference() -> Period:
    return load("reference")


@pytest.fixture(name="analysis", scope="module")
def _analysis() -> Period:
    return load("analysis")


@pytest.fixture(name="realized", scope="module")
def _realized(reference: Period, analysis: Period) -> PerformanceReport:
    perf = RealizedPerformance(CHUNKING, [Metric.ROC_AUC])
    perf.fit(reference.labels, reference.scores, reference.predictions)
    return perf.calculate(analysis.labels, analysis.scores, analysis.predictions)


@pytest.fixture(name="estimated", scope="module")
def _estimated(reference: Period, analysis: Period) -> PerformanceReport:
    cbpe = CBPE(CHUNKING, [Metric.ROC_AUC])
    cbpe.fit(reference.labels, reference.scores, reference.predictions)
    return cbpe.estimate(analysis.scores, analysis.predictions)


def test_univariate_drift_only_in_late_chunks(reference: Period, analysis: Period) -> None:
    """Some feature drifts in every one of chunks 5-9 and none in chunks 0-4."""
    bins = fit_bins(reference.features)
    ref = Profile(bins).update(reference.features)
    drifted = []
    for chunk in CHUNKING.split(CHUNK * 10):
        rows = chunk.rows
        batch = {k: np.asarray(v)[rows] for k, v in analysis.features.items()}
        if drift_report(ref, Profile(bins).update(batch)).drifted:
            drifted.append(chunk.index)
    assert drifted == DRIFTED


def test_pca_reconstruction_drift_only_in_late_chunks(reference: Period, analysis: Period) -> None:
    """The reconstruction error leaves the reference band in chunks 5-9 only."""
    pca = PCAReconstruction(CHUNKING).fit(reference.features)
    assert pca.calculate(analysis.features).drifted == DRIFTED


def test_domain_classifier_drift_only_in_late_chunks(reference: Period, analysis: Period) -> None:
    """A classifier tells chunks 5-9 from the reference and not chunks 0-4."""
    report = DomainClassifier(CHUNKING).fit(reference.features).calculate(analysis.features)
    assert report.drifted == DRIFTED
    assert max(report.values[:5]) < 0.55 < 0.8 < min(report.values[5:])


def test_realized_roc_auc_drops_from_chunk_5(realized: PerformanceReport) -> None:
    """Realised ROC AUC is lower in every late chunk than in any early one and alerts on them."""
    values = realized.values(Metric.ROC_AUC)
    assert max(values[5:]) < min(values[:5])
    assert realized.alerts(Metric.ROC_AUC) == DRIFTED


def test_estimate_alerts_on_the_drop_without_labels(estimated: PerformanceReport) -> None:
    """CBPE flags chunks 5-9 and only those, from scores alone."""
    assert estimated.alerts(Metric.ROC_AUC) == DRIFTED


def test_estimate_tracks_realized(
    estimated: PerformanceReport, realized: PerformanceReport
) -> None:
    """Each estimate's band holds the realised value, and the two series correlate."""
    est, real = estimated.of(Metric.ROC_AUC), realized.values(Metric.ROC_AUC)
    assert all(e.band[0] <= r <= e.band[1] for e, r in zip(est, real, strict=True))
    assert np.corrcoef([e.value for e in est], real)[0, 1] > 0.8
