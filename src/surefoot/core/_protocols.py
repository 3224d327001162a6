"""Narrow interfaces between layers."""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol, runtime_checkable

if TYPE_CHECKING:
    from collections.abc import Sequence

    from surefoot.core._records import SpanRecord

__all__ = ["SpanSink"]


@runtime_checkable
class SpanSink(Protocol):
    """Somewhere finished spans are written in batches (the store implements it).

    ``write_spans`` must be idempotent per ``(trace_id, span_id)``: a spool replay may deliver a
    span twice. It raises :class:`~surefoot.core.errors.StoreUnavailable` when the destination
    cannot be reached, so the caller can spool and retry.
    """

    def write_spans(self, spans: Sequence[SpanRecord]) -> None:
        """Persist ``spans`` in one transaction."""
        ...
