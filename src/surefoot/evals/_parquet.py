"""Parquet for datasets and run results, through pyarrow (the ``parquet`` extra).

Values that vary in shape from case to case (one input is a string, the next a list of chat
messages) fit no single Arrow type, so files surefoot writes keep ``input``, ``expected`` and
``output`` as JSON text and name those columns in the schema metadata
(``surefoot.json_columns``). Files from elsewhere are read as their Arrow types say: strings are
plain text, structs are dicts and lists are lists, so a pandas or Spark export reads as is.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from surefoot.core._optional import parquet_modules
from surefoot.core.errors import InvalidInput

if TYPE_CHECKING:
    from collections.abc import Iterable, Iterator, Mapping, Sequence
    from pathlib import Path

__all__ = ["read_parquet_rows", "write_parquet_rows"]

JSON_COLUMNS_KEY = b"surefoot.json_columns"


def pyarrow() -> tuple[Any, Any]:
    """``(pyarrow, pyarrow.parquet)``, imported only when Parquet is asked for.

    Raises:
        ConfigError: pyarrow is not installed, naming the extra that brings it.
    """
    return parquet_modules("reading or writing Parquet", ".jsonl")


def write_parquet_rows(
    path: Path,
    rows: Sequence[Mapping[str, Any]],
    types: Mapping[str, str],
) -> None:
    """Write rows as a Parquet file.

    Args:
        path: the file to write.
        rows: one mapping per row, with every column of ``types``.
        types: column name to ``json`` (JSON text), ``str``, ``tags`` (list of strings),
            ``float``, ``int``; in file order.
    """
    pa, pq = pyarrow()
    arrow = {
        "json": pa.string(),
        "str": pa.string(),
        "tags": pa.list_(pa.string()),
        "float": pa.float64(),
        "int": pa.int64(),
    }
    json_columns = [name for name, kind in types.items() if kind == "json"]
    schema = pa.schema(
        [(name, arrow[kind]) for name, kind in types.items()],
        metadata={JSON_COLUMNS_KEY: ",".join(json_columns).encode()},
    )
    columns = {
        name: [_json_text(r[name]) if kind == "json" else r[name] for r in rows]
        for name, kind in types.items()
    }
    try:
        pq.write_table(pa.table(columns, schema=schema), str(path))
    except OSError as exc:
        raise InvalidInput(f"{path}: cannot write ({exc}); check the folder exists") from exc


def _json_text(value: Any) -> str | None:
    # None stays a null cell, so "no expected value" and the JSON string "null" differ.
    return None if value is None else json.dumps(value, ensure_ascii=False)


def read_parquet_rows(path: Path) -> Iterator[tuple[int, dict[str, Any]]]:
    """Rows of a Parquet file as ``(row number from 1, values)``, JSON columns decoded.

    Raises:
        ConfigError: pyarrow is not installed.
        InvalidInput: the file is not Parquet, or a JSON cell is malformed (naming the row
            and the field).
    """
    pa, pq = pyarrow()
    try:
        parquet = pq.ParquetFile(str(path))
    except (OSError, pa.ArrowException) as exc:
        raise InvalidInput(f"{path}: not a readable Parquet file ({exc}); check the file") from exc
    metadata = parquet.schema_arrow.metadata or {}
    json_columns = set(filter(None, metadata.get(JSON_COLUMNS_KEY, b"").decode().split(",")))
    number = 0
    # Batch by batch, so a large file is never held as Python objects all at once.
    for batch in parquet.iter_batches(batch_size=4096):
        for row in batch.to_pylist():
            number += 1
            yield number, _decoded(path, number, row, json_columns)


def _decoded(path: Path, number: int, row: dict[str, Any], json_columns: Iterable[str]) -> Any:
    for name in json_columns:
        cell = row.get(name)
        if isinstance(cell, str):
            try:
                row[name] = json.loads(cell)
            except json.JSONDecodeError as exc:
                raise InvalidInput(
                    f"{path}: row {number}: field {name!r} is not valid JSON ({exc.msg}); "
                    "fix the cell or write the file with Dataset.write"
                ) from exc
    return row
