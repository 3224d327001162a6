"""The demo's second act: the guard in front of a flaky upstream that also upgrades silently.

A real OpenAI-compatible server on 127.0.0.1 (surefoot's FaultServer) plays the hosted model.
It goes through three phases: healthy, an outage (503s and hangs), and a silent model upgrade
(it starts answering with a newer model id than the one pinned).
"""

from __future__ import annotations

import time
from collections import Counter
from dataclasses import dataclass, field

from surefoot.guard import (
    BreakerState,
    CircuitBreaker,
    Guard,
    StaticMessage,
    StopAfterAttempts,
    Upstream,
    WaitExponentialJitter,
)
from surefoot.providers import ChatRequest, OpenAICompatibleProvider
from surefoot.testing import Fault, FaultServer

PRIMARY_PIN = "nimbus-large-2026-06-01"
BACKUP_PIN = "nimbus-small-2026-03-01"
UPGRADED = "nimbus-large-2026-09-15"
DEADLINE_S = 1.0


@dataclass
class PhaseReport:
    """What one phase of traffic looked like from the caller's side."""

    name: str
    decisions: Counter[str] = field(default_factory=Counter)
    mismatches: int = 0
    max_latency_s: float = 0.0
    upstream_calls: int = 0


@dataclass
class GuardDemo:
    """The guard, its upstream server and what the breaker did."""

    server: FaultServer
    guard: Guard
    providers: list[OpenAICompatibleProvider]
    transitions: list[str]

    def send(self, phase: str, requests: int) -> PhaseReport:
        """Send ``requests`` guarded requests and summarise their decisions."""
        report = PhaseReport(phase)
        before = self.server.count()
        for i in range(requests):
            request = ChatRequest(
                model=PRIMARY_PIN,
                messages=[{"role": "user", "content": f"Where is my order #{1000 + i}?"}],
                max_tokens=40,
            )
            began = time.perf_counter()
            result = self.guard.complete(request)
            report.max_latency_s = max(report.max_latency_s, time.perf_counter() - began)
            report.decisions[result.decision.status.value] += 1
            if any(r.startswith("model_mismatch") for r in result.decision.reasons):
                report.mismatches += 1
        report.upstream_calls = self.server.count() - before
        return report

    def close(self) -> None:
        """Close the upstream clients."""
        for provider in self.providers:
            provider.close()


def build(server: FaultServer) -> GuardDemo:
    """A guard with a primary and a backup upstream, a breaker and a static last resort."""
    transitions: list[str] = []

    def on_change(breaker: CircuitBreaker, old: BreakerState, new: BreakerState) -> None:
        transitions.append(f"{breaker.name}: {old.value} → {new.value}")

    primary = OpenAICompatibleProvider(server.base_url, name="nimbus-cloud", timeout_s=2.0)
    backup = OpenAICompatibleProvider(server.base_url, name="nimbus-backup", timeout_s=2.0)
    breaker = CircuitBreaker(
        "primary",
        failure_rate=0.5,
        min_calls=6,
        window_s=10.0,
        cool_down_s=0.5,
        listeners=(on_change,),
    )
    guard = Guard(
        [
            Upstream(primary, model=PRIMARY_PIN, timeout_s=0.25, name="primary", breaker=breaker),
            Upstream(backup, model=BACKUP_PIN, timeout_s=0.5, name="backup"),
        ],
        fallbacks=[StaticMessage("We are having trouble right now; an agent will follow up.")],
        deadline_s=DEADLINE_S,
        stop=StopAfterAttempts(2),
        wait=WaitExponentialJitter(base_s=0.02, cap_s=0.1, seed=1),
        name="support-guard",
    )
    return GuardDemo(server, guard, [primary, backup], transitions)


def run(requests_per_phase: int = 40) -> tuple[list[PhaseReport], list[str]]:
    """Healthy traffic, an outage, recovery, then a silent upgrade; one report per phase."""
    with FaultServer(seed=3) as server:
        demo = build(server)
        try:
            reports = [demo.send("healthy", requests_per_phase)]
            server.inject(Fault.unavailable(), Fault.hang(), model=PRIMARY_PIN, times=10_000)
            reports.append(demo.send("outage", requests_per_phase))
            server.clear()
            time.sleep(0.6)  # past the breaker's cool-down: the next call is its half-open probe
            reports.append(demo.send("recovered", requests_per_phase))
            server.inject(Fault.served_model(UPGRADED), model=PRIMARY_PIN, times=10_000)
            reports.append(demo.send("silent upgrade", requests_per_phase))
        finally:
            demo.close()
        return reports, demo.transitions
