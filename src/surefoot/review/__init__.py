"""Humans in the loop: the review queue, feedback and late labels, and failures turned into cases.

The queue takes escalations from the guard (:class:`ReviewQueueSink`), sampled outputs, failed
validations and action approval requests; reviewers claim, approve, reject or correct items.
Rejections and corrections become candidate eval cases (:class:`CaseCollector`).
"""

from surefoot.review._cases import CaseCollector
from surefoot.review._dedup import input_text, jaccard, normalise, shingles, text_fingerprint
from surefoot.review._export import case_row, chat_example
from surefoot.review._feedback import FeedbackLog
from surefoot.review._queue import ReviewQueue
from surefoot.review._sampling import OutputSampler, sampled
from surefoot.review._sink import ReviewQueueSink

__all__ = [
    "CaseCollector",
    "FeedbackLog",
    "OutputSampler",
    "ReviewQueue",
    "ReviewQueueSink",
    "case_row",
    "chat_example",
    "input_text",
    "jaccard",
    "normalise",
    "sampled",
    "shingles",
    "text_fingerprint",
]
