"""Records of monitoring: each evaluation of a monitor (a check) and the alerts checks raise.

``monitor`` writes them and anything to its right (server, CLI, dashboards) reads them through the
store; every alert carries the windows and example trace ids that caused it.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

__all__ = ["AlertRecord", "AlertState", "CheckRecord", "CheckStatus", "Severity"]


class Severity(enum.StrEnum):
    """How urgently a human should look."""

    INFO = "info"
    WARNING = "warning"
    CRITICAL = "critical"


class CheckStatus(enum.StrEnum):
    """The outcome of one evaluation of a monitor."""

    OK = "ok"
    BREACH = "breach"
    INSUFFICIENT = "insufficient"


class AlertState(enum.StrEnum):
    """An alert fires after enough breaches and resolves after enough passes."""

    FIRING = "firing"
    RESOLVED = "resolved"


@dataclass(frozen=True, slots=True)
class CheckRecord:
    """One evaluation of a monitor over one window.

    ``value`` is the effect size (drift) or the window statistic (threshold monitors);
    ``p_value`` is NaN-free: None when the method has none or the sample was too small.
    """

    check_id: str
    monitor: str
    signal: str
    method: str
    window_start_ns: int
    window_end_ns: int
    status: CheckStatus
    value: float | None
    threshold: float
    p_value: float | None
    n: int
    message: str
    trace_ids: tuple[str, ...]
    checked_ns: int


@dataclass(frozen=True, slots=True)
class AlertRecord:
    """An alert: at most one firing per monitor, linked to the checks and traces behind it."""

    alert_id: str
    monitor: str
    severity: Severity
    state: AlertState
    message: str
    opened_ns: int
    updated_ns: int
    resolved_ns: int | None
    check_ids: tuple[str, ...]
    trace_ids: tuple[str, ...]
