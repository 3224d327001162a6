"""Confidence routing (serve, serve with caveat, fall back, escalate) and the escalation sink."""

from __future__ import annotations

import enum
import threading
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol, runtime_checkable

if TYPE_CHECKING:
    from surefoot.core._records import Decision
    from surefoot.providers import ChatRequest, ChatResponse

__all__ = [
    "EscalationItem",
    "EscalationSink",
    "InMemoryEscalationSink",
    "LowConfidence",
    "Route",
    "RoutingPolicy",
]


class Route(enum.StrEnum):
    """Where an answer goes once its confidence is known."""

    SERVE = "serve"
    SERVE_WITH_CAVEAT = "serve_with_caveat"
    FALLBACK = "fallback"
    ESCALATE = "escalate"


class LowConfidence(enum.StrEnum):
    """What to do below the caveat threshold."""

    FALLBACK = "fallback"
    ESCALATE = "escalate"


@dataclass(frozen=True, slots=True)
class RoutingPolicy:
    """Maps a combined confidence to a route.

    ``score >= serve_at`` serves; ``score >= caveat_at`` serves with ``caveat``; below that the
    answer goes to ``low`` (the next fallback, or a human). No score at all serves, with the
    reason ``confidence:none``.

    Args:
        serve_at: the lowest score served plainly.
        caveat_at: the lowest score served with the caveat.
        caveat: the text shown with a caveated answer.
        low: fallback or escalate below ``caveat_at``.

    Examples:
        >>> policy = RoutingPolicy(serve_at=0.8, caveat_at=0.5)
        >>> [policy.route(s).value for s in (0.9, 0.6, 0.1, None)]
        ['serve', 'serve_with_caveat', 'fallback', 'serve']
    """

    serve_at: float = 0.75
    caveat_at: float = 0.5
    caveat: str = "This answer may be inaccurate; please verify it."
    low: LowConfidence = LowConfidence.FALLBACK

    def route(self, score: float | None) -> Route:
        """The route for ``score``."""
        if score is None or score >= self.serve_at:
            return Route.SERVE
        if score >= self.caveat_at:
            return Route.SERVE_WITH_CAVEAT
        return Route.ESCALATE if self.low is LowConfidence.ESCALATE else Route.FALLBACK


@dataclass(frozen=True, slots=True)
class EscalationItem:
    """A request handed to humans, with everything they need to judge it.

    Args:
        request: the request as the caller made it.
        response: the model's response, when there was one.
        content: the answer that was not served.
        decision: the guard's decision (status ``escalate``) with its reasons.
        trace_id: the request's trace, for the full story.
    """

    request: ChatRequest
    response: ChatResponse | None
    content: str
    decision: Decision
    trace_id: str | None


@runtime_checkable
class EscalationSink(Protocol):
    """Where escalations go; the review queue implements it."""

    def submit(self, item: EscalationItem) -> None:
        """Accept ``item``; must be quick and must not raise for ordinary failures."""
        ...


class InMemoryEscalationSink:
    """Keeps escalations in a list; for tests and demos. Thread-safe."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.items: list[EscalationItem] = []

    def submit(self, item: EscalationItem) -> None:
        with self._lock:
            self.items.append(item)
