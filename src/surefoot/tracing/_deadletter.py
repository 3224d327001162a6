"""The dead-letter file: spans the store refused, kept where a human can read and replay them.

``dead-letter.jsonl`` in the spool folder holds one JSON object per line::

    {"refused_at_ns": 1718000000000000000, "reason": "StoreError: ...", "span": {...}}

where ``span`` has the :class:`SpanRecord` fields by name (``error`` null or an object with
``type``, ``message`` and ``traceback``). The text is ASCII (``\\u`` escapes), so any span,
however odd its strings, makes a valid line. Each line is one ``write()`` in append mode, so
processes sharing the folder never interleave lines.
"""

from __future__ import annotations

import json
import os
from typing import TYPE_CHECKING, Any

from surefoot.core._records import ErrorInfo, SpanKind, SpanRecord, SpanStatus

if TYPE_CHECKING:
    from collections.abc import Sequence
    from pathlib import Path

__all__ = ["DEAD_LETTER_FILE", "read_dead_letters", "write_dead_letters"]

DEAD_LETTER_FILE = "dead-letter.jsonl"


def _span_fields(span: SpanRecord) -> dict[str, Any]:
    error = span.error
    return {
        "trace_id": span.trace_id,
        "span_id": span.span_id,
        "parent_id": span.parent_id,
        "name": span.name,
        "kind": span.kind.value,
        "start_ns": span.start_ns,
        "end_ns": span.end_ns,
        "status": span.status.value,
        "attributes": span.attributes,
        "input": span.input,
        "output": span.output,
        "error": None
        if error is None
        else {"type": error.type, "message": error.message, "traceback": error.traceback},
    }


def write_dead_letters(
    directory: Path, spans: Sequence[SpanRecord], reason: str, now_ns: int
) -> Path:
    """Append ``spans`` to the dead-letter file in ``directory``; returns its path.

    Raises:
        OSError: the file cannot be written.
    """
    path = directory / DEAD_LETTER_FILE
    lines = "".join(
        json.dumps(
            {"refused_at_ns": now_ns, "reason": reason, "span": _span_fields(span)},
            ensure_ascii=True,
            default=str,
        )
        + "\n"
        for span in spans
    ).encode()
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    try:
        view = memoryview(lines)
        while view:
            view = view[os.write(fd, view) :]
    finally:
        os.close(fd)
    return path


def read_dead_letters(path: Path) -> list[tuple[SpanRecord, str]]:
    """The spans of a dead-letter file with the reason each was refused, oldest first."""
    out = []
    for line in path.read_text(encoding="utf-8").splitlines():
        entry = json.loads(line)
        fields = entry["span"]
        error = fields["error"]
        span = SpanRecord(
            trace_id=fields["trace_id"],
            span_id=fields["span_id"],
            name=fields["name"],
            kind=SpanKind(fields["kind"]),
            parent_id=fields["parent_id"],
            start_ns=fields["start_ns"],
            end_ns=fields["end_ns"],
            status=SpanStatus(fields["status"]),
            attributes=fields["attributes"],
            input=fields["input"],
            output=fields["output"],
            error=None if error is None else ErrorInfo(**error),
        )
        out.append((span, str(entry["reason"])))
    return out
