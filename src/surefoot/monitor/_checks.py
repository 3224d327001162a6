"""Monitors declared in code, evaluated into checks; alerts fire and resolve with hysteresis.

Deciding is pure (:func:`evaluate_signal`, :func:`decide_alert`); :func:`run_monitors` is the thin
driver that reads spans from the store and writes checks and alerts back.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from surefoot.core import (
    SYSTEM_CLOCK,
    AlertRecord,
    AlertState,
    CheckRecord,
    CheckStatus,
    new_id,
)
from surefoot.monitor._bins import Bins
from surefoot.monitor._concentration import ItemCounts
from surefoot.monitor._drift import DEFAULT_THRESHOLDS, Method, VerdictStatus, compare_field
from surefoot.monitor._incidents import correlate
from surefoot.monitor._monitor_spec import MEAN_ABOVE, THRESHOLD_METHODS, Monitor
from surefoot.monitor._narrowing_checks import (
    DEFAULT_SHIFT,
    NARROWING,
    NarrowingResult,
    judge_narrowing,
)
from surefoot.monitor._profile import FieldProfile
from surefoot.monitor._signals import MAX_EXAMPLES, SignalWindow, read_window
from surefoot.store import IncidentStore

if TYPE_CHECKING:
    from collections.abc import Callable, Sequence

    from sqlalchemy import Connection

    from surefoot.core import Clock
    from surefoot.monitor._incidents import IncidentPolicy
    from surefoot.store import IncidentChange, IncidentContext, MonitorStore, Store


@dataclass(frozen=True)
class Outcome:
    """What evaluating a monitor produced: the check and the alert written, if any."""

    check: CheckRecord
    alert: AlertRecord | None


def _check(
    monitor: Monitor,
    window: tuple[int, int],
    now_ns: int,
    *,
    method: str,
    status: CheckStatus,
    value: float | None,
    threshold: float,
    p_value: float | None,
    n: int,
    message: str,
    trace_ids: tuple[str, ...],
) -> CheckRecord:
    return CheckRecord(
        check_id=new_id(),
        monitor=monitor.name,
        signal=monitor.signal,
        method=method,
        window_start_ns=window[0],
        window_end_ns=window[1],
        status=status,
        value=value,
        threshold=threshold,
        p_value=p_value,
        n=n,
        message=message,
        trace_ids=trace_ids,
        checked_ns=now_ns,
    )


def _limit(monitor: Monitor) -> float:
    # Without a judged verdict the threshold still has to be stored: the method's default.
    if monitor.threshold is not None:
        return monitor.threshold
    if monitor.method == "auto":
        return 0.0
    if monitor.method == NARROWING:
        return DEFAULT_SHIFT
    return DEFAULT_THRESHOLDS[Method(monitor.method)]


def evaluate_signal(
    monitor: Monitor,
    reference: SignalWindow,
    current: SignalWindow,
    window: tuple[int, int],
    now_ns: int,
) -> CheckRecord:
    """Judge one window of a signal against its reference (drift) or bound (mean methods)."""
    values = current.columns.get(monitor.signal, [])
    examples = tuple(current.trace_ids.get(monitor.signal, [])[:MAX_EXAMPLES])
    if monitor.method in THRESHOLD_METHODS:
        return _threshold_check(monitor, values, examples, window, now_ns)
    if monitor.method == NARROWING:
        result = judge_narrowing(
            monitor.signal, _items(reference.columns.get(monitor.signal, [])), _items(values),
            threshold=monitor.threshold, catalogue_size=monitor.catalogue_size,
            alpha=monitor.alpha, seed=window[0],
        )  # fmt: skip
        return narrowing_check(monitor, result.settle(result.p_value, monitor.alpha), window,
                               now_ns, n=len(values), trace_ids=examples)  # fmt: skip
    ref_values = reference.columns.get(monitor.signal, [])
    if not ref_values or not values:
        return _check(
            monitor, window, now_ns, method=monitor.method,
            status=CheckStatus.INSUFFICIENT, value=None, threshold=_limit(monitor),
            p_value=None, n=len(values), trace_ids=examples,
            message=f"no {monitor.signal!r} values in the reference or current window yet",
        )  # fmt: skip
    bins = Bins.infer(ref_values)
    method = None if monitor.method == "auto" else Method(monitor.method)
    verdict = compare_field(
        monitor.signal,
        FieldProfile(bins).update(ref_values),
        FieldProfile(bins).update(values),
        method,
        monitor.threshold,
    )
    status = CheckStatus.INSUFFICIENT
    if verdict.status is not VerdictStatus.INSUFFICIENT:
        drift = verdict.p_value <= monitor.alpha and verdict.effect_size >= verdict.threshold
        status = CheckStatus.BREACH if drift else CheckStatus.OK
    judged = status is not CheckStatus.INSUFFICIENT
    message = verdict.message or (
        f"{monitor.signal} {verdict.method} {verdict.effect_size:.3g} "
        f"(threshold {verdict.threshold:g}), p {verdict.p_value:.2g} (alpha {monitor.alpha:g})"
    )
    return _check(
        monitor, window, now_ns, method=verdict.method.value, status=status,
        value=verdict.effect_size if judged else None, threshold=verdict.threshold,
        p_value=verdict.p_value if judged else None, n=len(values), trace_ids=examples,
        message=message,
    )  # fmt: skip


def _items(values: Sequence[float | str]) -> ItemCounts | None:
    return ItemCounts().update(values) if values else None


def narrowing_check(
    monitor: Monitor,
    result: NarrowingResult,
    window: tuple[int, int],
    now_ns: int,
    *,
    n: int,
    trace_ids: tuple[str, ...],
) -> CheckRecord:
    """The check of a settled narrowing result."""
    return _check(
        monitor, window, now_ns, method=NARROWING, status=result.status, value=result.value,
        threshold=result.threshold, p_value=result.p_value, n=n, message=result.message,
        trace_ids=trace_ids,
    )  # fmt: skip


def _threshold_check(
    monitor: Monitor,
    values: Sequence[float | str],
    examples: tuple[str, ...],
    window: tuple[int, int],
    now_ns: int,
) -> CheckRecord:
    numbers = [float(v) for v in values if not isinstance(v, str)]
    bound = float(monitor.threshold or 0.0)
    if not numbers:
        status, mean, message = CheckStatus.INSUFFICIENT, None, "no values in the window yet"
    else:
        mean = sum(numbers) / len(numbers)
        above = mean > bound if monitor.method == MEAN_ABOVE else mean < bound
        status = CheckStatus.BREACH if above else CheckStatus.OK
        side = "above" if monitor.method == MEAN_ABOVE else "below"
        message = f"{monitor.signal} mean {mean:.4g} ({'' if above else 'not '}{side} {bound:g})"
    return _check(
        monitor, window, now_ns, method=monitor.method, status=status, value=mean,
        threshold=bound, p_value=None, n=len(numbers), trace_ids=examples, message=message,
    )  # fmt: skip


def decide_alert(
    monitor: Monitor, firing: AlertRecord | None, recent: Sequence[CheckRecord], now_ns: int
) -> AlertRecord | None:
    """The alert change a new check causes (``recent`` newest first), or None.

    Fires after ``fire_after`` consecutive breaches, resolves after ``resolve_after`` consecutive
    passes; checks with too few samples neither break nor extend a streak. While firing, further
    breaches join the same alert instead of opening new ones.
    """
    judged = [c for c in recent if c.status is not CheckStatus.INSUFFICIENT]
    if not recent or recent[0].status is CheckStatus.INSUFFICIENT:
        return None
    latest = recent[0]
    if firing is None:
        streak = judged[: monitor.fire_after]
        if len(streak) < monitor.fire_after or any(c.status is CheckStatus.OK for c in streak):
            return None
        return AlertRecord(
            alert_id=new_id(), monitor=monitor.name, severity=monitor.severity,
            state=AlertState.FIRING, message=latest.message, opened_ns=now_ns, updated_ns=now_ns,
            resolved_ns=None, check_ids=tuple(c.check_id for c in reversed(streak)),
            trace_ids=_merge_ids(*(c.trace_ids for c in reversed(streak))),
        )  # fmt: skip
    if latest.status is CheckStatus.BREACH:
        return replace(
            firing,
            message=latest.message,
            updated_ns=now_ns,
            check_ids=(*firing.check_ids, latest.check_id),
            trace_ids=_merge_ids(firing.trace_ids, latest.trace_ids),
        )
    calm = judged[: monitor.resolve_after]
    if len(calm) == monitor.resolve_after and all(c.status is CheckStatus.OK for c in calm):
        return replace(
            firing, state=AlertState.RESOLVED, updated_ns=now_ns, resolved_ns=now_ns,
            message=f"resolved: {latest.message}",
        )  # fmt: skip
    return None


def _merge_ids(*groups: Sequence[str]) -> tuple[str, ...]:
    out: list[str] = []
    for group in groups:
        out.extend(t for t in group if t not in out)
    return tuple(out[: MAX_EXAMPLES * 2])


def run_monitors(
    store: Store,
    repository: MonitorStore,
    monitors: Sequence[Monitor],
    *,
    now_ns: int | None = None,
    clock: Clock = SYSTEM_CLOCK,
    policy: IncidentPolicy | None = None,
) -> list[Outcome]:
    """Evaluate every monitor over the window ending now, storing checks and alert changes.

    This ad-hoc pass reads raw spans; :class:`Scheduler` evaluates stored profiles instead. With
    a ``policy``, alert changes are also filed into incidents and owe webhook deliveries.
    """
    now = clock.now_ns() if now_ns is None else now_ns
    cache: dict[tuple[int, int], SignalWindow] = {}

    def window(start: int, end: int) -> SignalWindow:
        if (start, end) not in cache:
            cache[start, end] = read_window(store, start, end)
        return cache[start, end]

    outcomes: list[Outcome] = []
    for monitor in monitors:
        width = int(monitor.window_s * 1e9)
        start = now - width
        reference = window(start - width * monitor.reference_windows, start)
        check = evaluate_signal(monitor, reference, window(start, now), (start, now), now)

        def decide(
            firing: AlertRecord | None, recent: list[CheckRecord], m: Monitor = monitor
        ) -> AlertRecord | None:
            return decide_alert(m, firing, recent, now)

        follow_up = None if policy is None else _incident_hook(store, monitor, policy)
        outcomes.append(Outcome(check, repository.record_check(check, decide, follow_up=follow_up)))
    return outcomes


def _incident_hook(
    store: Store, monitor: Monitor, policy: IncidentPolicy
) -> Callable[[Connection, AlertRecord], None]:
    def decide(alert: AlertRecord, context: IncidentContext) -> IncidentChange | None:
        return correlate(alert, context, monitor, policy)

    return IncidentStore(store.engine).follow_up(monitor.source, decide)
