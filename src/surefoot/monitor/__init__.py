"""Monitoring after deployment: profiles per window, drift statistics and streaming detectors."""

from surefoot.monitor import _stats as stats
from surefoot.monitor._bins import Bins
from surefoot.monitor._calibration import CalibrationMethod, Calibrator, fit_calibrator
from surefoot.monitor._cbpe import CBPE
from surefoot.monitor._checks import Outcome, decide_alert, evaluate_signal, run_monitors
from surefoot.monitor._chunks import Chunk, Chunking
from surefoot.monitor._concentration import (
    Concentration,
    ItemCounts,
    coverage,
    gini,
    normalized_entropy,
)
from surefoot.monitor._defaults import default_monitors, load_monitors, monitors_from_settings
from surefoot.monitor._detectors import PageHinkley, SeasonalBaseline
from surefoot.monitor._domain import DomainClassifier
from surefoot.monitor._drift import (
    DEFAULT_THRESHOLDS,
    DriftReport,
    FieldVerdict,
    Method,
    VerdictStatus,
    compare_field,
    compare_missing,
    default_method,
    drift_report,
)
from surefoot.monitor._embedders import Embedder, OpenAIEmbedder, SentenceTransformerEmbedder
from surefoot.monitor._embedding import (
    EMBEDDING_THRESHOLDS,
    EmbeddingDrift,
    EmbeddingDriftReport,
    EmbeddingMethod,
    EmbeddingVerdict,
)
from surefoot.monitor._encoding import TabularEncoder
from surefoot.monitor._incidents import IncidentPolicy, correlate
from surefoot.monitor._language import detect_language
from surefoot.monitor._late_labels import ScoredRows, read_scored
from surefoot.monitor._metrics import Metric, expected_metrics, realized_metrics, roc_auc
from surefoot.monitor._monitor_spec import Monitor
from surefoot.monitor._multiclass import MulticlassCBPE, MulticlassPerformance
from surefoot.monitor._multivariate import (
    MultivariateReport,
    MultivariateVerdict,
    PCAReconstruction,
)
from surefoot.monitor._narrowing import NarrowingDetector, NarrowingVerdict
from surefoot.monitor._performance import MetricChunk, PerformanceReport, RealizedPerformance
from surefoot.monitor._profile import FieldProfile, FieldSummary, Profile, fit_bins
from surefoot.monitor._quality import (
    FieldSpec,
    QualityPolicy,
    QualityReport,
    Schema,
    SchemaViolation,
    Violation,
)
from surefoot.monitor._quality_rules import FieldType
from surefoot.monitor._scheduler import PassResult, Scheduler
from surefoot.monitor._signals import SignalWindow, extract_signals, read_window
from surefoot.monitor._stats import StatResult, benjamini_hochberg
from surefoot.monitor._webhooks import WebhookSender, sign
from surefoot.monitor._windows import ProfileWriter, log_batch, profile_traces, read_profile

__all__ = [
    "CBPE",
    "DEFAULT_THRESHOLDS",
    "EMBEDDING_THRESHOLDS",
    "Bins",
    "CalibrationMethod",
    "Calibrator",
    "Chunk",
    "Chunking",
    "Concentration",
    "DomainClassifier",
    "DriftReport",
    "Embedder",
    "EmbeddingDrift",
    "EmbeddingDriftReport",
    "EmbeddingMethod",
    "EmbeddingVerdict",
    "FieldProfile",
    "FieldSpec",
    "FieldSummary",
    "FieldType",
    "FieldVerdict",
    "IncidentPolicy",
    "ItemCounts",
    "Method",
    "Metric",
    "MetricChunk",
    "Monitor",
    "MulticlassCBPE",
    "MulticlassPerformance",
    "MultivariateReport",
    "MultivariateVerdict",
    "NarrowingDetector",
    "NarrowingVerdict",
    "OpenAIEmbedder",
    "Outcome",
    "PCAReconstruction",
    "PageHinkley",
    "PassResult",
    "PerformanceReport",
    "Profile",
    "ProfileWriter",
    "QualityPolicy",
    "QualityReport",
    "RealizedPerformance",
    "Scheduler",
    "Schema",
    "SchemaViolation",
    "ScoredRows",
    "SeasonalBaseline",
    "SentenceTransformerEmbedder",
    "SignalWindow",
    "StatResult",
    "TabularEncoder",
    "VerdictStatus",
    "Violation",
    "WebhookSender",
    "benjamini_hochberg",
    "compare_field",
    "compare_missing",
    "correlate",
    "coverage",
    "decide_alert",
    "default_method",
    "default_monitors",
    "detect_language",
    "drift_report",
    "evaluate_signal",
    "expected_metrics",
    "extract_signals",
    "fit_bins",
    "fit_calibrator",
    "gini",
    "load_monitors",
    "log_batch",
    "monitors_from_settings",
    "normalized_entropy",
    "profile_traces",
    "read_profile",
    "read_scored",
    "read_window",
    "realized_metrics",
    "roc_auc",
    "run_monitors",
    "sign",
    "stats",
]
