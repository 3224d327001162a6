"""Monitoring after deployment: profiles per window, drift statistics and streaming detectors."""

from surefoot.monitor import _stats as stats
from surefoot.monitor._bins import Bins
from surefoot.monitor._checks import Monitor, Outcome, decide_alert, evaluate_signal, run_monitors
from surefoot.monitor._defaults import default_monitors, load_monitors, monitors_from_settings
from surefoot.monitor._detectors import PageHinkley, SeasonalBaseline
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
from surefoot.monitor._profile import FieldProfile, FieldSummary, Profile, fit_bins
from surefoot.monitor._signals import SignalWindow, extract_signals, read_window
from surefoot.monitor._stats import StatResult, benjamini_hochberg

__all__ = [
    "DEFAULT_THRESHOLDS",
    "Bins",
    "DriftReport",
    "FieldProfile",
    "FieldSummary",
    "FieldVerdict",
    "Method",
    "Monitor",
    "Outcome",
    "PageHinkley",
    "Profile",
    "SeasonalBaseline",
    "SignalWindow",
    "StatResult",
    "VerdictStatus",
    "benjamini_hochberg",
    "compare_field",
    "compare_missing",
    "decide_alert",
    "default_method",
    "default_monitors",
    "drift_report",
    "evaluate_signal",
    "extract_signals",
    "fit_bins",
    "load_monitors",
    "monitors_from_settings",
    "read_window",
    "run_monitors",
    "stats",
]
