"""Cases exported for retraining and analysis: JSON lines, OpenAI chat fine-tuning lines, Parquet.

Parquet needs pyarrow (``pip install 'surefoot[parquet]'``); it is imported only when asked for.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any, Literal

from surefoot.core._optional import parquet_modules
from surefoot.core.errors import InvalidInput

if TYPE_CHECKING:
    from collections.abc import Iterable
    from pathlib import Path
    from typing import TextIO

    from surefoot.core._loop_records import Case

__all__ = [
    "ExportFormat",
    "case_row",
    "chat_example",
    "write_chat_jsonl",
    "write_jsonl",
    "write_parquet",
]

ExportFormat = Literal["jsonl", "chat", "parquet"]
_CHAT_ROLES = frozenset({"system", "developer", "user", "assistant", "tool"})


def case_row(case: Case) -> dict[str, Any]:
    """One case as a flat JSON object (the JSONL row)."""
    return {
        "id": case.case_id,
        "input": case.input,
        "expected": case.expected,
        "origin": str(case.origin),
        "status": str(case.status),
        "tags": list(case.tags),
        "trace_id": case.trace_id,
        "source_item": case.source_item,
        "created_ns": case.created_ns,
    }


def _dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, sort_keys=True)


def write_jsonl(cases: Iterable[Case], out: TextIO) -> int:
    """Write one JSON object per case; returns how many."""
    count = 0
    for case in cases:
        out.write(_dumps(case_row(case)) + "\n")
        count += 1
    return count


def chat_example(case: Case) -> dict[str, Any] | None:
    """The case as an OpenAI chat fine-tuning example, or None when it has no expected answer.

    A conversation input is kept as it is; any other input becomes one user message. The
    expected output is the assistant's reply.

    Examples:
        >>> from surefoot.core import Case, CaseOrigin
        >>> chat_example(Case("c1", "2+2?", "4", CaseOrigin.REVIEW))
        {'messages': [{'role': 'user', 'content': '2+2?'}, {'role': 'assistant', 'content': '4'}]}
    """
    if case.expected is None:
        return None
    value = case.input
    if (
        isinstance(value, list)
        and value
        and all(isinstance(m, dict) and m.get("role") in _CHAT_ROLES for m in value)
    ):
        messages = [dict(m) for m in value]
    else:
        text = value if isinstance(value, str) else _dumps(value)
        messages = [{"role": "user", "content": text}]
    reply = case.expected if isinstance(case.expected, str) else _dumps(case.expected)
    return {"messages": [*messages, {"role": "assistant", "content": reply}]}


def write_chat_jsonl(cases: Iterable[Case], out: TextIO) -> tuple[int, int]:
    """Write the cases with an expected answer as chat fine-tuning lines.

    Returns:
        ``(written, skipped)``: cases without an expected answer are skipped.
    """
    written = skipped = 0
    for case in cases:
        example = chat_example(case)
        if example is None:
            skipped += 1
            continue
        out.write(_dumps(example) + "\n")
        written += 1
    return written, skipped


def write_parquet(cases: Iterable[Case], path: Path) -> int:
    """Write the cases to a Parquet file; returns how many.

    ``input`` and ``expected`` are JSON text columns: one case's input is a string and
    another's a list of chat messages, which no single Arrow type holds. Decode them with
    ``json.loads`` (pandas: ``df["input"].map(json.loads)``).

    Raises:
        ConfigError: pyarrow is not installed.
        InvalidInput: the file cannot be written.
    """
    pa, pq = parquet_modules("exporting Parquet", "JSON lines")
    rows = [case_row(c) for c in cases]
    schema = pa.schema(
        [
            ("id", pa.string()),
            ("input", pa.string()),
            ("expected", pa.string()),
            ("origin", pa.string()),
            ("status", pa.string()),
            ("tags", pa.list_(pa.string())),
            ("trace_id", pa.string()),
            ("source_item", pa.string()),
            ("created_ns", pa.int64()),
        ]
    )
    columns = {name: [r[name] for r in rows] for name in schema.names}
    columns["input"] = [_dumps(v) for v in columns["input"]]
    columns["expected"] = [None if v is None else _dumps(v) for v in columns["expected"]]
    table = pa.table(columns, schema=schema)
    try:
        pq.write_table(table, str(path))
    except OSError as exc:
        raise InvalidInput(
            f"cannot write {path} ({exc})", hint="check the folder exists and is writable"
        ) from exc
    return len(rows)
