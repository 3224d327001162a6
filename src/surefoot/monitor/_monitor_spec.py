"""What a monitor is: the signal it watches, how it judges a window, and when it alerts."""

from __future__ import annotations

from dataclasses import dataclass

from surefoot.core import InvalidInput, Severity
from surefoot.monitor._drift import Method
from surefoot.monitor._narrowing_checks import NARROWING, check_narrowing_signal

# Threshold methods compare the window's mean with a fixed bound instead of a reference.
MEAN_ABOVE = "mean_above"
MEAN_BELOW = "mean_below"
THRESHOLD_METHODS = (MEAN_ABOVE, MEAN_BELOW)


@dataclass(frozen=True)
class Monitor:
    """What to watch and when to alert.

    Args:
        name: Unique name; alerts are deduplicated per monitor.
        signal: A signal name (see :func:`extract_signals`), e.g. ``"output.json_valid"``.
        method: A drift :class:`Method` value, ``"auto"`` (chosen by type and sample size), or
            ``"mean_above"`` / ``"mean_below"`` for a fixed bound on the window mean.
        threshold: Effect size (drift) or bound (mean methods); drift defaults per method.
        window_s: Length of the evaluated window.
        reference_windows: Windows before the current one that form the drift reference.
        severity: Severity of the alert.
        fire_after: Consecutive breaching checks before an alert fires.
        resolve_after: Consecutive passing checks before a firing alert resolves.
        alpha: Significance level of drift tests.
        source: The profiled source the signal belongs to: ``"traces"`` for signals of spans,
            or a name given to :func:`log_batch`. Alerts group into incidents per source.
        runbook: Link a responder opens for this monitor's incidents (a default otherwise).
        catalogue_size: ``"narrowing"`` only: items that could be output (the reference's
            distinct items when None), so coverage and Gini count items never shown.

    Method ``"narrowing"`` watches a categorical signal (a recommended item id, a chosen
    category) for outputs concentrating: entropy down, Gini up, coverage down, each against
    same-size windows drawn from the reference; ``threshold`` is the entropy drop and Gini rise
    that matter (0.05).
    """

    name: str
    signal: str
    method: str = "auto"
    threshold: float | None = None
    window_s: float = 3600.0
    reference_windows: int = 24
    severity: Severity = Severity.WARNING
    fire_after: int = 2
    resolve_after: int = 2
    alpha: float = 0.05
    source: str = "traces"
    runbook: str | None = None
    catalogue_size: int | None = None

    def __post_init__(self) -> None:
        if self.method not in ("auto", NARROWING, *THRESHOLD_METHODS, *(m.value for m in Method)):
            raise MonitorFieldError(
                "method",
                f"monitor {self.name!r}: unknown method {self.method!r}; use 'auto', "
                f"'mean_above', 'mean_below', 'narrowing' or one of {[m.value for m in Method]}",
            )
        if self.catalogue_size is not None and self.method != NARROWING:
            raise MonitorFieldError(
                "catalogue_size",
                f"monitor {self.name!r}: catalogue_size applies to method 'narrowing' only; "
                "remove it or set method = 'narrowing'",
            )
        if self.catalogue_size is not None and self.catalogue_size < 2:
            raise MonitorFieldError(
                "catalogue_size", f"monitor {self.name!r}: catalogue_size must be at least 2"
            )
        if self.method == NARROWING and self.threshold is not None and not 0 < self.threshold < 1:
            raise MonitorFieldError(
                "threshold",
                f"monitor {self.name!r}: a narrowing threshold is an entropy drop and Gini rise "
                f"in (0, 1), not {self.threshold}; 0.05 is the default",
            )
        if self.method == NARROWING:
            try:
                check_narrowing_signal(self.name, self.signal, self.source, "traces")
            except InvalidInput as exc:
                raise MonitorFieldError("signal", exc.message) from None
        if self.method in THRESHOLD_METHODS and self.threshold is None:
            raise MonitorFieldError(
                "threshold", f"monitor {self.name!r}: {self.method} needs a threshold"
            )
        if self.window_s <= 0 or self.fire_after < 1 or self.resolve_after < 1:
            raise MonitorFieldError(
                "window_s", f"monitor {self.name!r}: window_s, fire_after, resolve_after > 0"
            )


class MonitorFieldError(InvalidInput):
    """A monitor's field is invalid; ``field`` names it, for messages about config tables."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field
