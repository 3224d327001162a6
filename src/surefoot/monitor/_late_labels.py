"""Join stored predictions to the late labels that arrived for their traces.

A classifier's score travels as a span attribute; its true label arrives later as feedback of kind
``label`` on the same trace (written by the review loop or a ground-truth import). Reading both
from the store gives the rows that realised performance is computed on, and the scores alone are
what performance estimation needs in the meantime.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt

from surefoot.core import FeedbackKind, FeedbackSource, InvalidInput
from surefoot.store import ReviewStore

if TYPE_CHECKING:
    from collections.abc import Collection

    from surefoot.core import Feedback, JSONValue, SpanKind
    from surefoot.store import Store

FloatArray = npt.NDArray[np.float64]
DEFAULT_SOURCES = frozenset({FeedbackSource.GROUND_TRUTH, FeedbackSource.REVIEWER})


@dataclass(frozen=True)
class ScoredRows:
    """Stored predictions with their labels where known, one row per scored span.

    Attributes:
        trace_ids: The trace of each row.
        times_ns: The span's start time (for period chunking).
        scores: The score attribute's value.
        labels: 0/1 label from the latest matching feedback, NaN while none has arrived.
    """

    trace_ids: tuple[str, ...]
    times_ns: npt.NDArray[np.int64]
    scores: FloatArray
    labels: FloatArray

    @property
    def labelled(self) -> ScoredRows:
        """Only the rows whose label has arrived."""
        keep = ~np.isnan(self.labels)
        ids = tuple(t for t, k in zip(self.trace_ids, keep, strict=True) if k)
        return ScoredRows(ids, self.times_ns[keep], self.scores[keep], self.labels[keep])


def read_scored(
    store: Store,
    score_attribute: str,
    *,
    kind: SpanKind | None = None,
    since_ns: int | None = None,
    until_ns: int | None = None,
    positive: Collection[JSONValue] = (1, True, "1", "true", "positive"),
    sources: Collection[FeedbackSource] = DEFAULT_SOURCES,
) -> ScoredRows:
    """Read scored spans from the store and join each trace's latest label.

    Args:
        store: The store holding spans and feedback.
        score_attribute: Span attribute with the classifier's score (probability of positive).
        kind: Only spans of this kind.
        since_ns: Only spans starting at or after this time.
        until_ns: Only spans starting before this time.
        positive: Label values that mean the positive class; any other label is negative.
        sources: Feedback sources trusted as labels.

    Raises:
        InvalidInput: A score attribute is not a number.
    """
    reviews = ReviewStore(store.engine)
    ids: list[str] = []
    times: list[int] = []
    scores: list[float] = []
    labels: list[float] = []
    for span in store.iter_spans(kind, since_ns, until_ns):
        if score_attribute not in span.attributes:
            continue
        value = span.attributes[score_attribute]
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise InvalidInput(
                f"span {span.span_id} has {score_attribute}={value!r}; record scores as numbers"
            )
        ids.append(span.trace_id)
        times.append(span.start_ns)
        scores.append(float(value))
        labels.append(_label(reviews.feedback_for(span.trace_id), positive, sources))
    return ScoredRows(
        tuple(ids), np.asarray(times, dtype=np.int64), np.asarray(scores), np.asarray(labels)
    )


def _label(
    entries: list[Feedback], positive: Collection[JSONValue], sources: Collection[FeedbackSource]
) -> float:
    # Feedback comes oldest first: a later correction of a label wins.
    matching = [e for e in entries if e.kind is FeedbackKind.LABEL and e.source in sources]
    if not matching:
        return math.nan
    value = matching[-1].value
    if isinstance(value, dict | list):
        raise InvalidInput(f"label {value!r} is not a class; record labels as strings or 0/1")
    if isinstance(value, str):
        value = value.strip().lower()
    return 1.0 if value in positive else 0.0
