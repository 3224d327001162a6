"""The process-wide tracing state: which recorder spans go to, and what they capture.

A single mutable object rather than module globals, so the hot path reads one attribute and
``reset()`` restores every default in one place.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from surefoot.tracing._offload import ProcessRecorder
    from surefoot.tracing._prices import PriceTable
    from surefoot.tracing._recorder import Recorder

__all__ = ["STATE", "TracingState"]


class TracingState:
    """What ``init()`` installed; all ``None``/defaults until then."""

    __slots__ = ("capture_payloads", "owned_sink", "prices", "recorder")

    def __init__(self) -> None:
        self.recorder: Recorder | ProcessRecorder | None = None
        self.capture_payloads = True
        self.prices: PriceTable | None = None
        self.owned_sink: Any = None  # a store init() opened, closed again by shutdown()

    def clear(self) -> None:
        """Back to the state before ``init()``."""
        self.recorder = None
        self.capture_payloads = True
        self.prices = None
        self.owned_sink = None


STATE = TracingState()
