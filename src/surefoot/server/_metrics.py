"""Prometheus metrics: request rate and latency per route, ingest counts, the recorder's counters.

Each app owns its :class:`~prometheus_client.CollectorRegistry`, so several apps in one process
(tests, an embedding application) never collide on metric names, and nothing is registered in
prometheus-client's global registry. Only metrics with a real source are exported: the recorder's
counters appear once tracing is initialised in the process, and the guard's decisions and breaker
states only on an app built with a guard: never zeros standing in for a source that does not exist.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.exposition import CONTENT_TYPE_LATEST, generate_latest
from prometheus_client.registry import Collector

from surefoot import tracing
from surefoot.guard import BreakerState

if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping

    from starlette.types import ASGIApp, Message, Receive, Scope, Send

    from surefoot.guard import Lane

__all__ = ["CONTENT_TYPE_LATEST", "Metrics", "MetricsMiddleware"]

# Seconds. Dense below 10 ms, where the gateway's added latency has to be judged.
LATENCY_BUCKETS = (0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10)
UNMATCHED_ROUTE = "(unmatched)"  # one label for every unknown path: cardinality stays bounded
_MAX_SERIES = 1_024


class Metrics:
    """The metrics of one app.

    Args:
        version: the surefoot version, exported as ``surefoot_build_info``.
    """

    def __init__(self, version: str) -> None:
        self.registry = CollectorRegistry()
        reg = self.registry
        self._request_series: dict[tuple[str, str, int], Histogram] = {}
        self._decision_series: dict[str, Counter] = {}
        self.requests = Histogram(
            "surefoot_http_request_duration_seconds",
            "HTTP requests by route template, method and status; _count gives the rate.",
            ["route", "method", "status"],
            buckets=LATENCY_BUCKETS,
            registry=reg,
        )
        self.spans_stored = Counter(
            "surefoot_ingest_spans_stored", "Spans stored through OTLP ingest.", registry=reg
        )
        self.spans_rejected = Counter(
            "surefoot_ingest_spans_rejected",
            "Spans refused through OTLP ingest (invalid, or dropped by a span processor).",
            ["reason"],
            registry=reg,
        )
        self.auth_failures = Counter(
            "surefoot_auth_failures",
            "Requests refused by authentication, authorisation or rate limiting.",
            ["reason"],
            registry=reg,
        )
        self.idempotency_purged = Counter(
            "surefoot_idempotency_purged",
            "Expired Idempotency-Key rows deleted by the scheduled purge.",
            registry=reg,
        )
        self.background_failures = Counter(
            "surefoot_background_failures",
            "Failed runs of the server's background jobs (each retried at its next interval).",
            ["job"],
            registry=reg,
        )
        Gauge(
            "surefoot_build_info", "The running surefoot version.", ["version"], registry=reg
        ).labels(version).set(1)
        reg.register(RecorderCollector())
        self.decisions: Counter | None = None
        self.ingested = 0
        self.rejected = 0

    def record_ingest(self, stored: int, invalid: int, dropped: int) -> None:
        """Count one ingest request's spans: stored, rejected as invalid, dropped by processors."""
        self.ingested += stored
        self.rejected += invalid + dropped
        self.spans_stored.inc(stored)
        if invalid:
            self.spans_rejected.labels("invalid").inc(invalid)
        if dropped:
            self.spans_rejected.labels("processor").inc(dropped)

    def watch_gateway(self, upstreams: Mapping[str, Lane]) -> None:
        """Export the gateway's decisions and its upstreams' breaker states (each once, by
        name: :meth:`~surefoot.server.Gateway.upstreams`)."""
        self.decisions = Counter(
            "surefoot_gateway_decisions",
            "Gateway requests by the guard's decision status.",
            ["status"],
            registry=self.registry,
        )
        self.registry.register(BreakerCollector(upstreams))

    def count_decision(self, status: str) -> None:
        """Count one gateway decision."""
        if self.decisions is not None:
            series = self._decision_series.get(status)
            if series is None:
                series = self._decision_series[status] = self.decisions.labels(status)
            series.inc()

    def request_series(self, template: str, method: str, status: int) -> Histogram:
        """The request-duration histogram of one route template, method and status.

        ``labels()`` formats and validates its values and takes a lock on every call, about a
        fiftieth of a gateway request's CPU; the series are kept here after their first use.
        Methods are whatever clients send, so past :data:`_MAX_SERIES` kept series the rest
        are looked up each time.
        """
        key = (template, method, status)
        series = self._request_series.get(key)
        if series is None:
            series = self.requests.labels(template, method, str(status))
            if len(self._request_series) < _MAX_SERIES:
                self._request_series[key] = series
        return series

    def exposition(self) -> bytes:
        """Every metric in the Prometheus text format."""
        return generate_latest(self.registry)


class RecorderCollector(Collector):
    """The tracing recorder's counters, read at scrape time from ``tracing.stats()``."""

    def collect(self) -> Iterable[Metric]:
        """The recorder's metrics; none while tracing is not initialised in this process."""
        if not tracing.is_initialised():
            return
        stats = tracing.stats()
        counters = {
            "enqueued": ("Spans accepted by the recorder.", stats.enqueued),
            "written": ("Spans written to the store.", stats.written),
            "spooled": ("Spans appended to the on-disk spool.", stats.spooled),
            "replayed": ("Spans replayed from the spool.", stats.replayed),
            "store_failures": ("Failed store writes, each retried.", stats.store_failures),
            "exported": ("Spans exported to OTLP collectors.", stats.exported),
        }
        for name, (doc, value) in counters.items():
            yield CounterMetricFamily(f"surefoot_recorder_{name}", doc, value=value)
        dropped = CounterMetricFamily(
            "surefoot_recorder_dropped", "Spans the recorder could not record, by reason.",
            labels=["reason"],
        )  # fmt: skip
        for reason, value in {
            "queue_full": stats.dropped_queue_full,
            "sampled": stats.dropped_sampled,
            "processor": stats.dropped_by_processor,
            "processor_error": stats.processor_errors,
            "spool_full": stats.dropped_spool_full,
            "export_queue_full": stats.dropped_export,
            "child_exit": stats.dropped_child_exit,
        }.items():
            dropped.add_metric([reason], value)
        yield dropped
        yield GaugeMetricFamily(
            "surefoot_recorder_pending", "Spans accepted, not yet stored.", value=stats.pending
        )
        yield GaugeMetricFamily(
            "surefoot_recorder_spool_bytes", "Size of the spool.", value=stats.spool_bytes
        )
        yield GaugeMetricFamily(
            "surefoot_recorder_store_available",
            "1 when the last store write succeeded.",
            value=float(stats.store_available),
        )


class BreakerCollector(Collector):
    """Each guard upstream's circuit breaker state, read at scrape time (1 for the current one)."""

    def __init__(self, upstreams: Mapping[str, Lane]) -> None:
        self.upstreams = dict(upstreams)

    def collect(self) -> Iterable[Metric]:
        """``surefoot_breaker_state{upstream, state}``."""
        family = GaugeMetricFamily(
            "surefoot_breaker_state",
            "Circuit breaker state per guard upstream: 1 for the current state, 0 otherwise.",
            labels=["upstream", "state"],
        )
        for lane in self.upstreams.values():
            current = lane.breaker.state
            for state in BreakerState:
                family.add_metric([lane.name, state.value], float(state is current))
        yield family


class MetricsMiddleware:
    """Times every HTTP request and counts it by route template, method and status.

    A pure ASGI middleware: it adds one clock read and one histogram observation per request.
    """

    def __init__(self, app: ASGIApp, metrics: Metrics) -> None:
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        start = time.perf_counter()
        status = 500  # what the client sees if the app fails before answering

        async def send_and_record(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, send_and_record)
        finally:
            # The router stores the matched route in the scope; its template, not the raw path,
            # is the label, so /api/v1/traces/<id> does not create a series per trace.
            route = scope.get("route")
            template = getattr(route, "path", None) or UNMATCHED_ROUTE
            self.metrics.request_series(template, scope["method"], status).observe(
                time.perf_counter() - start
            )
