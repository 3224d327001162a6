"""The guard's escalations, delivered to the review queue."""

from __future__ import annotations

import logging
import threading
from typing import TYPE_CHECKING, Any

from surefoot.core._loop_records import OnExpiry, ReviewOrigin
from surefoot.core.errors import SurefootError

if TYPE_CHECKING:
    from surefoot.guard import EscalationItem
    from surefoot.review._queue import ReviewQueue

__all__ = ["ReviewQueueSink"]

_log = logging.getLogger("surefoot.review")


# What a replay of the conversation needs: tool calls and their ids keep a tool-using
# conversation valid for the API; provider-specific extras are left out.
_MESSAGE_KEYS = ("role", "content", "name", "tool_calls", "tool_call_id")


def _message_text(message: Any) -> Any:
    if isinstance(message, dict):
        return {k: message[k] for k in _MESSAGE_KEYS if k in message}
    return str(message)


class ReviewQueueSink:
    """An :class:`~surefoot.guard.EscalationSink` that queues each escalation for a human.

    It never raises into the guard: a store failure is logged once and counted in ``dropped``.

    Args:
        queue: the review queue.
        priority: priority of escalations.
        deadline_s: the review SLA; None for none.
        on_expiry: what happens to an escalation nobody reviewed in time.
    """

    def __init__(
        self,
        queue: ReviewQueue,
        *,
        priority: int = 5,
        deadline_s: float | None = 24 * 3600.0,
        on_expiry: OnExpiry = OnExpiry.EXPIRE,
    ) -> None:
        self.queue = queue
        self.priority = priority
        self.deadline_s = deadline_s
        self.on_expiry = on_expiry
        self.dropped = 0
        self._lock = threading.Lock()

    def submit(self, item: EscalationItem) -> None:
        """Queue ``item``; failures are counted, never raised."""
        decision = item.decision
        payload = {
            "input": [_message_text(m) for m in item.request.messages],
            "output": item.content,
            "model": item.request.model,
            "confidence": decision.confidence,
            "reasons": list(decision.reasons),
        }
        reason = "escalated: " + (", ".join(decision.reasons) or "low confidence")
        try:
            self.queue.submit(
                ReviewOrigin.ESCALATION,
                reason,
                payload,
                trace_id=item.trace_id,
                priority=self.priority,
                deadline_s=self.deadline_s,
                on_expiry=self.on_expiry,
            )
        except SurefootError as exc:
            with self._lock:
                self.dropped += 1
                first = self.dropped == 1
            if first:
                _log.warning("cannot queue escalations for review (%s); counting drops", exc)
