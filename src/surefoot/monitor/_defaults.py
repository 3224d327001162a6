"""A default monitor set over the signals every surefoot deployment records."""

from __future__ import annotations

import importlib
from collections.abc import Mapping, Sequence

from surefoot.core import ConfigError, InvalidInput, MonitorSettings, Severity
from surefoot.monitor._monitor_spec import Monitor, MonitorFieldError


def default_monitors(window_s: float = 3600.0, reference_windows: int = 24) -> list[Monitor]:
    """Drift monitors on output, model, retrieval, latency and cost signals, plus error bounds.

    Args:
        window_s: Length of each evaluated window.
        reference_windows: Earlier windows forming each drift monitor's reference.

    Examples:
        >>> [m.name for m in default_monitors()][:3]
        ['output-format', 'output-length', 'refusals']
    """
    drift = [
        ("output-format", "output.json_valid", Severity.CRITICAL),
        ("output-length", "output.length", Severity.WARNING),
        ("refusals", "output.refusal", Severity.WARNING),
        ("served-model", "model.served", Severity.CRITICAL),
        ("model-mismatch", "model.mismatch", Severity.CRITICAL),
        ("retrieval-score", "retrieval.top_score", Severity.CRITICAL),
        ("retrieval-empty", "retrieval.empty", Severity.WARNING),
        ("latency", "request.latency_ms", Severity.WARNING),
        ("cost", "cost.usd", Severity.WARNING),
        ("prompt-size", "tokens.input", Severity.INFO),
        ("fallbacks", "decision.fallback", Severity.WARNING),
        ("validator-failures", "decision.validator_failed", Severity.WARNING),
    ]
    monitors = [
        Monitor(name, signal, window_s=window_s, reference_windows=reference_windows, severity=sev)
        for name, signal, sev in drift
    ]
    monitors.append(
        Monitor(
            "error-rate",
            "request.error",
            method="mean_above",
            threshold=0.05,
            window_s=window_s,
            severity=Severity.CRITICAL,
        )
    )
    return monitors


def load_monitors(spec: str) -> list[Monitor]:
    """Monitors declared in code, named ``"package.module:NAME"`` (a sequence or a factory).

    Raises:
        InvalidInput: The module or name cannot be found, or it holds no monitors.
    """
    module_name, _, attribute = spec.partition(":")
    if not module_name or not attribute:
        raise InvalidInput(f"monitors {spec!r} must look like 'package.module:NAME'")
    try:
        value = getattr(importlib.import_module(module_name), attribute)
    except (ImportError, AttributeError) as exc:
        raise InvalidInput(
            f"cannot load monitors {spec!r}: {exc}; check the module is importable"
        ) from exc
    if callable(value) and not isinstance(value, Sequence):
        value = value()
    if not isinstance(value, Sequence) or not all(isinstance(m, Monitor) for m in value):
        raise InvalidInput(f"{spec!r} must be a list of surefoot.monitor.Monitor (or return one)")
    names = [m.name for m in value]
    if len(set(names)) != len(names):
        raise InvalidInput(f"{spec!r} declares a monitor name twice; names must be unique")
    return list(value)


def monitors_from_settings(tables: Mapping[str, MonitorSettings]) -> list[Monitor]:
    """Monitors declared as ``[monitors.<name>]`` tables of the config file.

    Raises:
        ConfigError: A table is inconsistent (an unknown method, narrowing on a numeric signal,
            ``catalogue_size`` without narrowing); the message names the table and the field.

    Examples:
        >>> from surefoot.core import MonitorSettings
        >>> monitors_from_settings({"fmt": MonitorSettings(signal="output.json_valid")})[0].signal
        'output.json_valid'
    """
    return [_from_table(name, table) for name, table in tables.items()]


def _from_table(name: str, table: MonitorSettings) -> Monitor:
    try:
        return Monitor(
            name,
            table.signal,
            method=table.method,
            threshold=table.threshold,
            window_s=table.window_s,
            reference_windows=table.reference_windows,
            severity=Severity(table.severity),
            fire_after=table.fire_after,
            resolve_after=table.resolve_after,
            alpha=table.alpha,
            source=table.source,
            runbook=table.runbook,
            catalogue_size=table.catalogue_size,
        )
    except MonitorFieldError as exc:
        raise ConfigError(
            f"[monitors.{name}] {exc.field}: {exc.message}",
            hint=f"edit the [monitors.{name}] table of surefoot.toml",
        ) from exc
