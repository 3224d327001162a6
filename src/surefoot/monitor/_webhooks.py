"""Webhook delivery of alert events from the outbox: Slack-compatible or signed JSON.

Deliveries are written to the outbox in the transaction that changes the alert, so a crash never
loses one. :class:`WebhookSender` takes the due ones, posts them, and stores each outcome:
delivered, pending again after an exponential backoff (transport errors, 408, 429 and 5xx), or
failed for good (other 4xx, or out of attempts). A failed delivery stays visible on the
incident's timeline.

Generic JSON deliveries carry ``X-Surefoot-Signature: sha256=<hex>``, an HMAC-SHA256 with the
webhook's secret over ``"<X-Surefoot-Timestamp>." + body``; receivers recompute it and reject
stale timestamps to stop replays. Secrets stay in settings: the outbox holds only the body.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from dataclasses import replace
from typing import TYPE_CHECKING, Any

import httpx

from surefoot.core import SYSTEM_CLOCK, DeliveryRecord, DeliveryState

if TYPE_CHECKING:
    from collections.abc import Mapping

    from surefoot.core import (
        AlertRecord,
        Clock,
        IncidentRecord,
        MonitoringSettings,
        WebhookSettings,
    )
    from surefoot.store import IncidentStore

SIGNATURE_HEADER = "X-Surefoot-Signature"
TIMESTAMP_HEADER = "X-Surefoot-Timestamp"
RETRYABLE = frozenset({408, 425, 429})
LEASE_S = 60.0


def event_payload(
    kind: str, event: str, alert: AlertRecord, incident: IncidentRecord
) -> dict[str, object]:
    """The JSON body of an alert event for a ``slack`` or ``json`` webhook."""
    if kind == "slack":
        return _slack(event, alert, incident)
    return {
        "event": event,
        "alert": {
            "alert_id": alert.alert_id,
            "monitor": alert.monitor,
            "severity": alert.severity.value,
            "state": alert.state.value,
            "message": alert.message,
            "opened_ns": alert.opened_ns,
            "resolved_ns": alert.resolved_ns,
            "trace_ids": list(alert.trace_ids),
        },
        "incident": {
            "incident_id": incident.incident_id,
            "source": incident.source,
            "title": incident.title,
            "severity": incident.severity.value,
            "state": incident.state.value,
            "runbook": incident.runbook,
        },
    }


def _slack(event: str, alert: AlertRecord, incident: IncidentRecord) -> dict[str, object]:
    verb = "fired" if event == "alert.fired" else "resolved"
    icon = {"critical": ":red_circle:", "warning": ":warning:"}.get(alert.severity.value, ":bell:")
    if verb == "resolved":
        icon = ":white_check_mark:"
    message = alert.message.removeprefix("resolved: ")
    text = f"{icon} [{alert.severity.value}] {alert.monitor} {verb}: {message}"
    traces = ", ".join(alert.trace_ids[:3]) or "none"
    context = (
        f"incident `{incident.incident_id}` ({incident.state.value}) · "
        f"<{incident.runbook}|runbook> · traces {traces}"
    )
    return {
        "text": text,
        "blocks": [
            {"type": "section", "text": {"type": "mrkdwn", "text": text}},
            {"type": "context", "elements": [{"type": "mrkdwn", "text": context}]},
        ],
    }


def sign(secret: str, timestamp: str, body: bytes) -> str:
    """The signature header value of a body sent at ``timestamp``.

    Examples:
        >>> sign("s3cret", "1700000000", b"{}")[:15]
        'sha256=97926816'
    """
    mac = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256)
    return f"sha256={mac.hexdigest()}"


def backoff_s(attempts: int, base_s: float, max_s: float) -> float:
    """Wait after the ``attempts``-th failed attempt: doubling from ``base_s``, capped.

    Examples:
        >>> [backoff_s(n, 2.0, 10.0) for n in (1, 2, 3, 4)]
        [2.0, 4.0, 8.0, 10.0]
    """
    return float(min(base_s * 2 ** (attempts - 1), max_s))


class WebhookSender:
    """Posts due outbox deliveries and records each outcome.

    Args:
        repository: The incident store holding the outbox.
        webhooks: Webhook settings by name (URL, kind, secret).
        settings: Attempts, backoff and timeout of deliveries.
        clock: Time of attempts and backoff.
        client: An httpx client to send with (one is made, and closed by :meth:`close`, if not).
    """

    def __init__(
        self,
        repository: IncidentStore,
        webhooks: Mapping[str, WebhookSettings],
        settings: MonitoringSettings,
        *,
        clock: Clock = SYSTEM_CLOCK,
        client: httpx.Client | None = None,
    ) -> None:
        self.repository = repository
        self.webhooks = dict(webhooks)
        self.settings = settings
        self.clock = clock
        self._own_client = client is None
        self._client = client or httpx.Client(timeout=settings.webhook_timeout_s)

    def close(self) -> None:
        """Close the HTTP client if this sender made it."""
        if self._own_client:
            self._client.close()

    def __enter__(self) -> WebhookSender:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def send_due(self, limit: int = 50) -> list[DeliveryRecord]:
        """Attempt every delivery due now, once each; returns their outcomes."""
        now = self.clock.now_ns()
        due = self.repository.claim_due(now, int(LEASE_S * 1e9), limit)
        outcomes = []
        for delivery in due:
            settled = self._attempt(delivery)
            self.repository.settle(settled, self.clock.now_ns())
            outcomes.append(settled)
        return outcomes

    def _attempt(self, delivery: DeliveryRecord) -> DeliveryRecord:
        hook = self.webhooks.get(delivery.webhook)
        attempts = delivery.attempts + 1
        if hook is None:
            error = f"webhook {delivery.webhook!r} is no longer configured; add it back to retry"
            return replace(
                delivery, state=DeliveryState.FAILED, attempts=attempts, last_error=error
            )
        body = payload_json(delivery.payload).encode()
        headers = self._headers(hook, delivery, body)
        retry_after = 0.0
        try:
            response = self._client.post(hook.url, content=body, headers=headers)
        except httpx.HTTPError as exc:
            error, retryable = f"{type(exc).__name__}: {exc}", True
        else:
            if response.is_success:
                return replace(
                    delivery, state=DeliveryState.DELIVERED, attempts=attempts, last_error=None,
                    delivered_ns=self.clock.now_ns(),
                )  # fmt: skip
            status = response.status_code
            error = f"HTTP {status}: {response.text[:200]}"
            retryable = status >= 500 or status in RETRYABLE
            retry_after = _retry_after_s(response)
        return self._failed(delivery, attempts, error, retryable=retryable, at_least_s=retry_after)

    def _headers(
        self, hook: WebhookSettings, delivery: DeliveryRecord, body: bytes
    ) -> dict[str, str]:
        headers = {
            "Content-Type": "application/json",
            "User-Agent": "surefoot-webhook",
            "X-Surefoot-Event": delivery.event,
            "X-Surefoot-Delivery": delivery.delivery_id,
        }
        if hook.kind == "json" and hook.secret is not None:
            timestamp = str(self.clock.now_ns() // 1_000_000_000)
            headers[TIMESTAMP_HEADER] = timestamp
            headers[SIGNATURE_HEADER] = sign(hook.secret.get_secret_value(), timestamp, body)
        return headers

    def _failed(
        self,
        delivery: DeliveryRecord,
        attempts: int,
        error: str,
        *,
        retryable: bool,
        at_least_s: float,
    ) -> DeliveryRecord:
        if not retryable or attempts >= self.settings.webhook_attempts:
            return replace(
                delivery, state=DeliveryState.FAILED, attempts=attempts, last_error=error
            )
        wait = backoff_s(
            attempts, self.settings.webhook_backoff_s, self.settings.webhook_max_backoff_s
        )
        # Retry-After may ask for longer, never for longer than the configured ceiling.
        wait = min(max(wait, at_least_s), self.settings.webhook_max_backoff_s)
        return replace(
            delivery, state=DeliveryState.PENDING, attempts=attempts, last_error=error,
            next_attempt_ns=self.clock.now_ns() + int(wait * 1e9),
        )  # fmt: skip


def _retry_after_s(response: httpx.Response) -> float:
    value = response.headers.get("Retry-After", "")
    try:
        return max(float(value), 0.0)
    except ValueError:
        return 0.0  # an HTTP date or garbage: fall back to our own backoff


def payload_json(payload: Any) -> str:
    """A payload as compact JSON, exactly as sent."""
    return json.dumps(payload, sort_keys=True, separators=(",", ":"))
