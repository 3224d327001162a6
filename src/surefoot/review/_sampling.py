"""Sampling served outputs for human review, the same way on every replica."""

from __future__ import annotations

import hashlib
from typing import TYPE_CHECKING, Any

from surefoot.core._loop_records import OnExpiry, ReviewItem, ReviewOrigin
from surefoot.core.errors import ConfigError

if TYPE_CHECKING:
    from surefoot.review._queue import ReviewQueue

__all__ = ["OutputSampler", "sampled"]


def sampled(trace_id: str, rate: float) -> bool:
    """Whether a trace falls in the sample: a hash of its id below ``rate``, so every replica
    and every retry of the same trace agrees.

    Examples:
        >>> sampled("4bf92f3577b34da6a3ce929d0e0e4736", 1.0)
        True
        >>> sampled("4bf92f3577b34da6a3ce929d0e0e4736", 0.0)
        False
    """
    digest = hashlib.sha256(trace_id.encode("utf-8", "surrogatepass")).digest()
    return int.from_bytes(digest[:8], "big") < rate * 2**64


class OutputSampler:
    """Queue a fixed fraction of served outputs for review, chosen by trace id.

    Args:
        queue: the review queue.
        rate: the fraction of traces to sample, in [0, 1].
        deadline_s: the review SLA; samples expire unreviewed by default.
        on_expiry: what happens to a sample nobody reviewed in time.
    """

    def __init__(
        self,
        queue: ReviewQueue,
        rate: float,
        *,
        deadline_s: float | None = 7 * 24 * 3600.0,
        on_expiry: OnExpiry = OnExpiry.EXPIRE,
    ) -> None:
        if not 0.0 <= rate <= 1.0:
            raise ConfigError(f"sample rate {rate} is outside [0, 1]", hint="use e.g. 0.01")
        self.queue = queue
        self.rate = rate
        self.deadline_s = deadline_s
        self.on_expiry = on_expiry

    def offer(self, trace_id: str, input: Any, output: Any) -> ReviewItem | None:
        """Queue this output when its trace is in the sample; the item, or None."""
        if not sampled(trace_id, self.rate):
            return None
        return self.queue.submit(
            ReviewOrigin.SAMPLE,
            "sampled output: is it right?",
            {"input": input, "output": output},
            trace_id=trace_id,
            deadline_s=self.deadline_s,
            on_expiry=self.on_expiry,
        )
