"""The scheduler: profiles new traces, evaluates monitors window by window, delivers webhooks.

Each pass reads stored profiles only, never raw rows: a check costs O(windows x bins). Windows sit
on each monitor's grid (``window_s``); a pass evaluates every complete window since the monitor's
last check (at most ``catch_up`` of them), oldest first, so a scheduler that was down catches up.

Drift monitors evaluated over the same window in one pass are many tests at once: their p-values
are adjusted with Benjamini-Hochberg before being compared with ``alpha``, so the expected share
of false alarms among the monitors that breach stays at ``alpha``. Threshold monitors have no
p-value and are not adjusted.
"""

from __future__ import annotations

import threading
from collections import defaultdict
from dataclasses import dataclass
from typing import TYPE_CHECKING

from surefoot.core import SYSTEM_CLOCK, CheckStatus, MonitoringSettings
from surefoot.monitor._checks import Outcome, _check, _limit, decide_alert, narrowing_check
from surefoot.monitor._drift import FieldVerdict, Method, VerdictStatus, compare_field
from surefoot.monitor._incidents import IncidentPolicy, correlate
from surefoot.monitor._items import read_items
from surefoot.monitor._monitor_spec import THRESHOLD_METHODS, Monitor
from surefoot.monitor._narrowing_checks import NARROWING, NarrowingResult, judge_narrowing
from surefoot.monitor._stats import benjamini_hochberg
from surefoot.monitor._webhooks import WebhookSender
from surefoot.monitor._windows import TRACES, ProfileWriter, profile_traces, read_profile
from surefoot.store import IncidentStore, MonitorStore, ProfileStore

if TYPE_CHECKING:
    from collections.abc import Callable, Sequence

    import httpx
    from sqlalchemy import Connection

    from surefoot.core import AlertRecord, CheckRecord, Clock, DeliveryRecord, Settings
    from surefoot.monitor._profile import FieldProfile
    from surefoot.store import IncidentChange, IncidentContext, Store


@dataclass(frozen=True)
class PassResult:
    """What one scheduler pass did."""

    profiled_spans: int
    outcomes: list[Outcome]
    deliveries: list[DeliveryRecord]


@dataclass
class _Judged:
    monitor: Monitor
    window: tuple[int, int]
    verdict: FieldVerdict | None
    current: FieldProfile | None
    examples: tuple[str, ...]
    narrowing: NarrowingResult | None = None

    @property
    def p_value(self) -> float | None:
        """The raw p-value to adjust across monitors, None when nothing was tested."""
        if self.narrowing is not None:
            return self.narrowing.p_value
        if self.verdict is None or self.verdict.status is VerdictStatus.INSUFFICIENT:
            return None
        return self.verdict.p_value


class Scheduler:
    """Evaluates monitors over stored profiles, files incidents and sends webhooks.

    Args:
        store: The store holding traces, profiles, checks and incidents.
        monitors: Monitors to evaluate; names must be unique.
        settings: Profile window, lateness, and webhook retry settings.
        policy: Incident correlation, default runbook and webhooks.
        clock: Time of passes (inject a ``FakeClock`` in tests and simulations).
        client: httpx client for webhooks.
        catch_up: At most this many windows per monitor per pass.
    """

    def __init__(
        self,
        store: Store,
        monitors: Sequence[Monitor],
        *,
        settings: MonitoringSettings | None = None,
        policy: IncidentPolicy | None = None,
        clock: Clock = SYSTEM_CLOCK,
        client: httpx.Client | None = None,
        catch_up: int = 24,
    ) -> None:
        self.store = store
        self.monitors = list(monitors)
        self.settings = settings or MonitoringSettings()
        self.policy = policy or IncidentPolicy(
            self.settings.correlation_window_s, self.settings.runbook
        )
        self.clock = clock
        self.catch_up = catch_up
        self.profiles = ProfileStore(store.engine)
        self.checks = MonitorStore(store.engine)
        self.incidents = IncidentStore(store.engine)
        self.writer = ProfileWriter(self.profiles, self.settings.profile_window_s, clock=clock)
        self.sender = WebhookSender(
            self.incidents, self.policy.webhooks, self.settings, clock=clock, client=client
        )

    @classmethod
    def from_settings(
        cls,
        store: Store,
        monitors: Sequence[Monitor],
        settings: Settings,
        *,
        clock: Clock = SYSTEM_CLOCK,
        client: httpx.Client | None = None,
        catch_up: int = 24,
    ) -> Scheduler:
        """A scheduler configured by the ``[monitoring]`` and ``[webhooks.*]`` tables."""
        policy = IncidentPolicy.from_settings(settings)
        return cls(
            store, monitors, settings=settings.monitoring, policy=policy, clock=clock,
            client=client, catch_up=catch_up,
        )  # fmt: skip

    def close(self) -> None:
        """Release the webhook client."""
        self.sender.close()

    def run_once(self) -> PassResult:
        """One pass: profile new traces, evaluate due windows, send due webhooks."""
        now = self.clock.now_ns()
        spans = 0
        if any(m.source == TRACES for m in self.monitors):
            spans = profile_traces(
                self.store, self.writer, lateness_s=self.settings.lateness_s, now_ns=now
            )
        by_end: dict[int, list[tuple[Monitor, tuple[int, int]]]] = defaultdict(list)
        for monitor in self.monitors:
            for window in self._due_windows(monitor, now):
                by_end[window[1]].append((monitor, window))
        outcomes: list[Outcome] = []
        for end in sorted(by_end):
            outcomes.extend(self._evaluate(by_end[end], now))
        return PassResult(spans, outcomes, self.sender.send_due())

    def run(
        self, every_s: float, stop: threading.Event | None = None, max_passes: int | None = None
    ) -> int:
        """Run passes every ``every_s`` seconds until ``stop`` is set (or ``max_passes`` ran).

        Between passes it waits on ``stop`` (so a signal handler setting it ends the loop at
        once), or, with an injected clock, sleeps on that clock.

        Returns:
            Passes run.
        """
        stop = stop or threading.Event()
        passes = 0
        while not stop.is_set() and (max_passes is None or passes < max_passes):
            self.run_once()
            passes += 1
            if max_passes is not None and passes >= max_passes:
                break
            if self.clock is SYSTEM_CLOCK:
                stop.wait(every_s)  # wakes at once on a stop signal
            else:
                self.clock.sleep(every_s)  # an injected clock: simulated time moves on
        return passes

    def _due_windows(self, monitor: Monitor, now: int) -> list[tuple[int, int]]:
        width = int(monitor.window_s * 1e9)
        lateness = int(self.settings.lateness_s * 1e9) if monitor.source == TRACES else 0
        last_end = (now - lateness) // width * width
        latest = self.checks.checks(monitor.name, limit=1)
        first_end = latest[0].window_end_ns + width if latest else last_end
        ends = range(max(first_end, last_end - (self.catch_up - 1) * width), last_end + 1, width)
        return [(end - width, end) for end in ends]

    def _judge(self, monitor: Monitor, window: tuple[int, int]) -> _Judged:
        start, end = window
        current, examples = read_profile(self.profiles, monitor.source, monitor.signal, start, end)
        if monitor.method in THRESHOLD_METHODS:
            return _Judged(monitor, window, None, current, examples)
        reference_start = start - (end - start) * monitor.reference_windows
        if monitor.method == NARROWING:
            return _Judged(
                monitor, window, None, current, examples,
                self._narrowing(monitor, reference_start, window),
            )  # fmt: skip
        reference, _ = read_profile(
            self.profiles, monitor.source, monitor.signal, reference_start, start
        )
        verdict = None
        if reference is not None and current is not None:
            method = None if monitor.method == "auto" else Method(monitor.method)
            verdict = compare_field(monitor.signal, reference, current, method, monitor.threshold)
        return _Judged(monitor, window, verdict, current, examples)

    def _narrowing(
        self, monitor: Monitor, reference_start: int, window: tuple[int, int]
    ) -> NarrowingResult:
        start, end = window
        source, signal = monitor.source, monitor.signal
        reference, _, ref_kind = read_items(
            self.profiles.windows(source, signal, reference_start, start)
        )
        current, overflow, kind = read_items(self.profiles.windows(source, signal, start, end))
        if "numeric" in (kind, ref_kind):
            return NarrowingResult(
                CheckStatus.INSUFFICIENT, None, _limit(monitor), None,
                f"monitor {monitor.name!r}: {signal!r} of source {source!r} is stored as a "
                "numeric field, and narrowing needs a categorical one; log it as strings or use "
                "a drift method", False,
            )  # fmt: skip
        return judge_narrowing(
            signal, reference, current, threshold=monitor.threshold,
            catalogue_size=monitor.catalogue_size, alpha=monitor.alpha,
            seed=start // (end - start), overflow=overflow,
        )  # fmt: skip

    def _evaluate(self, due: Sequence[tuple[Monitor, tuple[int, int]]], now: int) -> list[Outcome]:
        judged = [self._judge(m, w) for m, w in due]
        tested = [j for j in judged if j.p_value is not None]
        adjusted = dict(
            zip(
                (id(j) for j in tested),
                benjamini_hochberg([j.p_value for j in tested if j.p_value is not None]),
                strict=True,
            )
        )
        outcomes = []
        for j in judged:
            check = _to_check(j, adjusted.get(id(j)), now)
            alert = self.checks.record_check(
                check, self._decider(j.monitor, now), follow_up=self._follow_up(j.monitor)
            )
            outcomes.append(Outcome(check, alert))
        return outcomes

    @staticmethod
    def _decider(
        monitor: Monitor, now: int
    ) -> Callable[[AlertRecord | None, list[CheckRecord]], AlertRecord | None]:
        def decide(firing: AlertRecord | None, recent: list[CheckRecord]) -> AlertRecord | None:
            return decide_alert(monitor, firing, recent, now)

        return decide

    def _follow_up(self, monitor: Monitor) -> Callable[[Connection, AlertRecord], None]:
        def decide(alert: AlertRecord, context: IncidentContext) -> IncidentChange | None:
            return correlate(alert, context, monitor, self.policy)

        return self.incidents.follow_up(monitor.source, decide)


def _to_check(j: _Judged, adjusted_p: float | None, now: int) -> CheckRecord:
    m = j.monitor
    n = 0 if j.current is None else j.current.n
    ids = j.examples
    if j.narrowing is not None:
        result = j.narrowing.settle(adjusted_p, m.alpha)
        return narrowing_check(m, result, j.window, now, n=n, trace_ids=ids)
    if m.method in THRESHOLD_METHODS:
        mean = j.current.get().mean if j.current is not None and n else None
        if mean is None or mean != mean:  # no values, or a categorical field (NaN mean)
            return _check(
                m, j.window, now, method=m.method, status=CheckStatus.INSUFFICIENT, value=None,
                threshold=_limit(m), p_value=None, message="no numeric values in the window yet",
                n=n, trace_ids=ids,
            )  # fmt: skip
        above = mean > _limit(m) if m.method == "mean_above" else mean < _limit(m)
        side = "above" if m.method == "mean_above" else "below"
        return _check(
            m, j.window, now, method=m.method,
            status=CheckStatus.BREACH if above else CheckStatus.OK, value=mean,
            threshold=_limit(m), p_value=None,
            message=f"{m.signal} mean {mean:.4g} ({'' if above else 'not '}{side} {_limit(m):g})",
            n=n, trace_ids=ids,
        )  # fmt: skip
    v = j.verdict
    if v is None or adjusted_p is None:
        message = v.message if v is not None else f"no stored {m.signal!r} profile to compare yet"
        return _check(
            m, j.window, now, method=m.method if v is None else v.method.value,
            status=CheckStatus.INSUFFICIENT, value=None, threshold=_limit(m), p_value=None,
            message=message, n=n, trace_ids=ids,
        )  # fmt: skip
    drift = adjusted_p <= m.alpha and v.effect_size >= v.threshold
    return _check(
        m, j.window, now, method=v.method.value,
        status=CheckStatus.BREACH if drift else CheckStatus.OK, value=v.effect_size,
        threshold=v.threshold, p_value=adjusted_p,
        message=(
            f"{m.signal} {v.method.value} {v.effect_size:.3g} (threshold {v.threshold:g}), "
            f"BH-adjusted p {adjusted_p:.2g} (raw {v.p_value:.2g}, alpha {m.alpha:g})"
        ),
        n=n,
        trace_ids=ids,
    )  # fmt: skip
