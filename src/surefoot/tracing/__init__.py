"""Tracing: spans around every step of a request, recorded off the hot path into the store.

Until :func:`init` runs, every function here is a cheap no-op, so libraries can be instrumented
without forcing a store on their users::

    from surefoot import tracing

    tracing.init()
    with tracing.span("answer", kind=SpanKind.REQUEST, input=question) as sp:
        sp.set_output(answer(question))
"""

from typing import TYPE_CHECKING, Any

from surefoot.tracing._api import (
    default_processors,
    flush,
    init,
    is_initialised,
    reset,
    shutdown,
    stats,
)
from surefoot.tracing._context import ContextThreadPoolExecutor, wrap
from surefoot.tracing._decorator import trace
from surefoot.tracing._exporters import ExportResult, SpanExporter
from surefoot.tracing._prices import Price, PriceTable, Usage
from surefoot.tracing._processors import DropSpan, Pipeline, Processor, TruncatePayloads
from surefoot.tracing._redact import Redact, RedactPII, RedactSecrets, luhn_valid
from surefoot.tracing._sampling import TraceSampler, sampled_in
from surefoot.tracing._span import NoopSpan, Span, current_span, span
from surefoot.tracing._stats import RecorderStats
from surefoot.tracing._usage import record_decision, record_usage, reprice

if TYPE_CHECKING:
    from surefoot.tracing._otlp import OtlpExporter

__all__ = [
    "ContextThreadPoolExecutor",
    "DropSpan",
    "ExportResult",
    "NoopSpan",
    "OtlpExporter",
    "Pipeline",
    "Price",
    "PriceTable",
    "Processor",
    "RecorderStats",
    "Redact",
    "RedactPII",
    "RedactSecrets",
    "Span",
    "SpanExporter",
    "TraceSampler",
    "TruncatePayloads",
    "Usage",
    "current_span",
    "default_processors",
    "flush",
    "init",
    "is_initialised",
    "luhn_valid",
    "record_decision",
    "record_usage",
    "reprice",
    "reset",
    "sampled_in",
    "shutdown",
    "span",
    "stats",
    "trace",
    "wrap",
]


def __getattr__(name: str) -> Any:
    # The OTLP exporter pulls in protobuf and httpx: load it only when someone asks for it.
    if name == "OtlpExporter":
        from surefoot.tracing._otlp import OtlpExporter

        return OtlpExporter
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
