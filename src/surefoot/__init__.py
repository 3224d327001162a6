"""surefoot keeps AI in production honest.

The names used every day are re-exported here; everything else lives in its part's namespace
(``surefoot.tracing``, ``surefoot.guard``, ``surefoot.store`` ...).
"""

from surefoot.core import Settings, SpanKind, SurefootError
from surefoot.tracing import (
    current_span,
    flush,
    init,
    record_decision,
    record_usage,
    shutdown,
    span,
    trace,
)

__version__ = "0.1.0"

__all__ = [
    "Settings",
    "SpanKind",
    "SurefootError",
    "__version__",
    "current_span",
    "flush",
    "init",
    "record_decision",
    "record_usage",
    "shutdown",
    "span",
    "trace",
]
