"""Feedback and late ground-truth labels, joined to the traces they judge."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from surefoot.core._clock import SYSTEM_CLOCK
from surefoot.core._ids import is_trace_id, new_id
from surefoot.core._loop_records import Feedback, FeedbackKind, FeedbackSource
from surefoot.core.errors import InvalidInput
from surefoot.store import ReviewStore

if TYPE_CHECKING:
    from surefoot.core._clock import Clock
    from surefoot.store import Store

__all__ = ["FeedbackLog"]


class FeedbackLog:
    """Attach user feedback, reviewer decisions and late labels to traces.

    Args:
        store: the store holding the traces and the feedback.
        clock: the time source.
    """

    def __init__(self, store: Store, *, clock: Clock = SYSTEM_CLOCK) -> None:
        self.store = store
        self.repo = ReviewStore(store.engine)
        self.clock = clock

    def record(
        self,
        trace_id: str,
        value: Any,
        *,
        source: FeedbackSource = FeedbackSource.USER,
        kind: FeedbackKind = FeedbackKind.SCORE,
        author: str | None = None,
    ) -> Feedback:
        """Attach feedback to a stored trace.

        Raises:
            InvalidInput: the trace id is malformed or no such trace is stored.
        """
        if not is_trace_id(trace_id) or self.store.get_trace_summary(trace_id) is None:
            raise InvalidInput(
                f"feedback for an unknown trace {trace_id!r}",
                hint="pass the trace id surefoot returned for the request; "
                "if it was just served, wait for the recorder to flush",
            )
        return self.record_unchecked(
            trace_id, FeedbackSource(source), FeedbackKind(kind), value, author=author
        )

    def label(self, trace_id: str, label: Any, *, author: str | None = None) -> Feedback:
        """Attach a late ground-truth label to a stored trace."""
        return self.record(
            trace_id,
            label,
            source=FeedbackSource.GROUND_TRUTH,
            kind=FeedbackKind.LABEL,
            author=author,
        )

    def record_unchecked(
        self,
        trace_id: str,
        source: FeedbackSource,
        kind: FeedbackKind,
        value: Any,
        *,
        author: str | None = None,
    ) -> Feedback:
        """Store feedback without checking the trace is stored yet (reviewer decisions arrive
        for escalations whose spans may still be in the recorder's queue)."""
        entry = Feedback(new_id(), trace_id, source, kind, value, self.clock.now_ns(), author)
        self.repo.add_feedback(entry)
        return entry

    def for_trace(self, trace_id: str) -> list[Feedback]:
        """A trace's feedback, oldest first."""
        return self.repo.feedback_for(trace_id)
