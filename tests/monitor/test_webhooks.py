"""Webhooks: Slack and signed JSON payloads, retried with backoff from a crash-safe outbox."""

from __future__ import annotations

import hashlib
import hmac

import numpy as np
from pydantic import SecretStr
from tests.monitor.ops import SETTINGS, scheduler, traffic_window

from surefoot.core import DeliveryState, FakeClock, IncidentEventKind, WebhookSettings
from surefoot.monitor import IncidentPolicy, Scheduler, WebhookSender
from surefoot.store import IncidentStore, Store
from surefoot.testing import WebhookReceiver


def _fire(store: Store, hooks: dict[str, WebhookSettings]) -> Scheduler:
    """Four clean windows, then one where both bot monitors fire (one pass sends once)."""
    sched = scheduler(store, IncidentPolicy(webhooks=hooks))
    rng = np.random.default_rng(3)
    for w in range(5):
        traffic_window(sched, rng, drifted=w >= 4)
    return sched


def _retry(sched: Scheduler, passes: int) -> None:
    clock = sched.clock
    assert isinstance(clock, FakeClock)
    for _ in range(passes):
        clock.advance(60)
        sched.sender.send_due()


def test_slack_payload_has_text_and_blocks(store: Store) -> None:
    """A slack webhook receives {text, blocks} naming the monitor, severity and runbook."""
    with WebhookReceiver() as hook:
        _fire(store, {"ops": WebhookSettings(url=hook.url, kind="slack")})
        bodies = [r.json for r in hook.received]
    assert len(bodies) == 2
    assert {"text", "blocks"} <= set(bodies[0])
    texts = " ".join(b["text"] for b in bodies)
    assert "retrieval-score" in texts and "[critical]" in texts
    assert "runbook" in bodies[0]["blocks"][1]["elements"][0]["text"]


def test_json_payload_is_signed_with_the_secret(store: Store) -> None:
    """A json webhook's signature header is the HMAC of timestamp and body under its secret."""
    secret = "s3cret"
    with WebhookReceiver() as hook:
        _fire(store, {"siem": WebhookSettings(url=hook.url, secret=SecretStr(secret))})
        first = hook.received[0]
    timestamp = first.headers["X-Surefoot-Timestamp"]
    mac = hmac.new(secret.encode(), timestamp.encode() + b"." + first.body, hashlib.sha256)
    assert first.headers["X-Surefoot-Signature"] == f"sha256={mac.hexdigest()}"
    assert first.json["event"] == "alert.fired" and first.json["incident"]["incident_id"]


def test_failed_attempts_are_retried_until_delivered(store: Store) -> None:
    """A receiver failing twice with 503 gets the event on the third attempt, after backoff."""
    with WebhookReceiver(statuses=[503, 503]) as hook:
        sched = _fire(store, {"ops": WebhookSettings(url=hook.url, min_severity="critical")})
        pending = sched.incidents.deliveries()
        assert [d.state for d in pending] == [DeliveryState.PENDING]
        _retry(sched, 4)
        delivered = sched.incidents.deliveries()[0]
    assert delivered.state is DeliveryState.DELIVERED and delivered.attempts == 3
    timeline = sched.incidents.timeline(delivered.incident_id or "")
    assert timeline[-1].kind is IncidentEventKind.WEBHOOK_DELIVERED


def test_backoff_waits_before_the_next_attempt(store: Store) -> None:
    """A failed delivery is not retried before its backoff has passed."""
    with WebhookReceiver(statuses=[500, 500]) as hook:
        sched = _fire(store, {"ops": WebhookSettings(url=hook.url, min_severity="critical")})
        assert sched.sender.send_due() == []
        assert len(hook.received) == 1


def test_a_client_error_fails_the_delivery_visibly(store: Store) -> None:
    """A 404 is not retried: the delivery fails and the incident's timeline says so."""
    with WebhookReceiver(statuses=[404]) as hook:
        sched = _fire(store, {"ops": WebhookSettings(url=hook.url, min_severity="critical")})
        _retry(sched, 3)
        assert len(hook.received) == 1
    failed = sched.incidents.deliveries()[0]
    assert failed.state is DeliveryState.FAILED and "404" in (failed.last_error or "")
    kinds = [e.kind for e in sched.incidents.timeline(failed.incident_id or "")]
    assert IncidentEventKind.WEBHOOK_FAILED in kinds


def test_attempts_are_bounded(store: Store) -> None:
    """A receiver that always fails gets at most webhook_attempts tries, then the delivery fails."""
    with WebhookReceiver(statuses=[500] * 20) as hook:
        sched = _fire(store, {"ops": WebhookSettings(url=hook.url, min_severity="critical")})
        _retry(sched, 20)
        assert len(hook.received) == SETTINGS.webhook_attempts
    assert sched.incidents.deliveries()[0].state is DeliveryState.FAILED


def test_unreachable_endpoint_is_retried(store: Store) -> None:
    """A connection error counts as a failed attempt and leaves the delivery pending."""
    with WebhookReceiver() as hook:
        url = hook.url
    sched = _fire(store, {"ops": WebhookSettings(url=url, min_severity="critical")})
    delivery = sched.incidents.deliveries()[0]
    assert delivery.state is DeliveryState.PENDING and delivery.attempts == 1
    assert delivery.last_error


def test_pending_deliveries_survive_a_restart(store: Store) -> None:
    """Deliveries written by one process are sent by a new sender started later."""
    with WebhookReceiver() as hook:
        hooks = {"ops": WebhookSettings(url=hook.url, min_severity="critical")}
        sched = scheduler(store, IncidentPolicy(webhooks=hooks))
        for w in range(5):
            # Log and evaluate without sending, as a process that died before its sender ran.
            assert isinstance(sched.clock, FakeClock)
            t0 = sched.clock.now_ns()
            score = 0.3 if w >= 4 else 0.8
            sched.writer.log_batch("bot", {"top_score": [score] * 40}, at=t0)
            sched.clock.advance(600)
            for monitor_window in sched._due_windows(sched.monitors[1], sched.clock.now_ns()):
                sched._evaluate([(sched.monitors[1], monitor_window)], sched.clock.now_ns())
        assert not hook.received
        fresh = WebhookSender(IncidentStore(store.engine), hooks, SETTINGS, clock=sched.clock)
        with fresh:
            sent = fresh.send_due()
        assert [d.state for d in sent] == [DeliveryState.DELIVERED] and len(hook.received) == 1


def test_events_below_min_severity_are_not_sent(store: Store) -> None:
    """A webhook with min_severity critical gets the critical alert only."""
    with WebhookReceiver() as hook:
        _fire(store, {"ops": WebhookSettings(url=hook.url, min_severity="critical")})
        assert [r.json["alert"]["monitor"] for r in hook.received] == ["retrieval-score"]
