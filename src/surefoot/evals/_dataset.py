"""Datasets: cases read from and written to JSONL, CSV and Parquet, content-hashed and
de-duplicated. Parquet needs pyarrow (``pip install 'surefoot[parquet]'``).
"""

from __future__ import annotations

import csv
import hashlib
import json
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from surefoot.core._eval_records import EvalCase
from surefoot.core._loop_records import CaseOrigin
from surefoot.core.errors import InvalidInput
from surefoot.evals._parquet import read_parquet_rows, write_parquet_rows

if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping

__all__ = ["Dataset", "case_hash", "make_case", "normalise"]

_ORIGINS = ", ".join(o.value for o in CaseOrigin)
_FORMATS = "use .jsonl, .csv or .parquet"
# Parquet columns of a dataset file; input and expected vary in shape, so they are JSON text.
_PARQUET_TYPES = {
    "input": "json",
    "expected": "json",
    "tags": "tags",
    "origin": "str",
    "split": "str",
}


def normalise(value: Any) -> Any:
    """Normalise a value for hashing: canonical caseless strings with collapsed whitespace.

    Strings are decomposed (NFD), case-folded and composed again (NFC); dicts and lists are
    normalised recursively.

    Examples:
        >>> normalise({"q": "  What   IS 2+2? "})
        {'q': 'what is 2+2?'}
    """
    if isinstance(value, str):
        # Canonical caseless form: case folding can leave decomposed sequences ("ῒ".upper()
        # folds to three code points), so decompose first and compose again after folding.
        folded = unicodedata.normalize("NFC", unicodedata.normalize("NFD", value).casefold())
        return " ".join(folded.split())
    if isinstance(value, dict):
        return {str(k): normalise(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [normalise(v) for v in value]
    return value


def case_hash(input: Any, expected: Any) -> str:
    """sha256 of the normalised (input, expected) pair: equal for cases that differ only in form."""
    canon = json.dumps([normalise(input), normalise(expected)], sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(canon.encode()).hexdigest()


def make_case(
    input: Any,
    expected: Any = None,
    *,
    tags: Iterable[str] = (),
    origin: CaseOrigin | str = CaseOrigin.CURATED,
    split: str = "test",
) -> EvalCase:
    """Build a case, computing its content hash."""
    return EvalCase(
        case_hash(input, expected), input, expected, tuple(tags), CaseOrigin(origin), split
    )


def _case_from_row(row: Mapping[str, Any], where: str) -> EvalCase:
    if "input" not in row or row["input"] in (None, ""):
        raise InvalidInput(f"{where}: field 'input' is missing; every case needs an input")
    tags = row.get("tags") or ()
    if isinstance(tags, str):
        tags = [t for t in (p.strip() for p in tags.split(",")) if t]
    if not isinstance(tags, (list, tuple)) or not all(isinstance(t, str) for t in tags):
        raise InvalidInput(f"{where}: field 'tags' must be a list of strings")
    origin = row.get("origin") or CaseOrigin.CURATED
    if origin not in {o.value for o in CaseOrigin}:
        raise InvalidInput(f"{where}: field 'origin' is {origin!r}; use one of {_ORIGINS}")
    split = row.get("split") or "test"
    if not isinstance(split, str):
        raise InvalidInput(f"{where}: field 'split' must be a string")
    return make_case(row["input"], row.get("expected"), tags=tags, origin=origin, split=split)


@dataclass(frozen=True)
class Dataset:
    """An ordered, de-duplicated list of cases with a name.

    Args:
        name: the dataset's name in the store.
        cases: the cases, first occurrence kept when two share a content hash.
        duplicates: how many cases were dropped as exact duplicates (after normalisation).
    """

    name: str
    cases: tuple[EvalCase, ...]
    duplicates: int = field(default=0)

    @classmethod
    def from_cases(cls, name: str, cases: Iterable[EvalCase]) -> Dataset:
        """A dataset of ``cases``, dropping later duplicates of the same content hash."""
        seen: set[str] = set()
        kept: list[EvalCase] = []
        dropped = 0
        for case in cases:
            if case.case_hash in seen:
                dropped += 1
            else:
                seen.add(case.case_hash)
                kept.append(case)
        return cls(name, tuple(kept), dropped)

    @classmethod
    def read(cls, path: str | Path, name: str | None = None) -> Dataset:
        """Read a ``.jsonl``, ``.csv`` or ``.parquet`` file (input, expected, tags, origin, split).

        Raises:
            InvalidInput: naming the file, line (or row) and field of the first bad row.
            ConfigError: a Parquet file, and pyarrow is not installed.
        """
        path = Path(path)
        if not path.is_file():
            raise InvalidInput(f"{path}: no such dataset file; check the path")
        readers = {".jsonl": _read_jsonl, ".csv": _read_csv, ".parquet": _read_parquet}
        reader = readers.get(path.suffix.lower())
        if reader is None:
            raise InvalidInput(f"{path}: unsupported dataset format; {_FORMATS}")
        return cls.from_cases(name or path.stem, list(reader(path)))

    def split(self, split: str) -> Dataset:
        """The cases of one split."""
        return Dataset(self.name, tuple(c for c in self.cases if c.split == split))

    def write(self, path: str | Path) -> None:
        """Write the cases to a ``.jsonl``, ``.csv`` or ``.parquet`` file.

        CSV cells hold JSON for non-text values; Parquet keeps input and expected as JSON text.

        Raises:
            InvalidInput: an unknown file suffix.
            ConfigError: a Parquet file, and pyarrow is not installed.
        """
        path = Path(path)
        rows = [_case_row(c) for c in self.cases]
        if path.suffix.lower() == ".parquet":
            write_parquet_rows(path, rows, _PARQUET_TYPES)
        elif path.suffix.lower() == ".jsonl":
            lines = (json.dumps(r, ensure_ascii=False) + "\n" for r in rows)
            path.write_text("".join(lines), encoding="utf-8")
        elif path.suffix.lower() == ".csv":
            with path.open("w", newline="", encoding="utf-8") as f:
                writer = csv.DictWriter(f, fieldnames=list(_case_row(make_case("")).keys()))
                writer.writeheader()
                writer.writerows({k: _csv_cell(k, v) for k, v in r.items()} for r in rows)
        else:
            raise InvalidInput(f"{path}: unsupported dataset format; {_FORMATS}")

    def __len__(self) -> int:
        return len(self.cases)


def _case_row(case: EvalCase) -> dict[str, Any]:
    return {
        "input": case.input,
        "expected": case.expected,
        "tags": list(case.tags),
        "origin": str(case.origin),
        "split": case.split,
    }


def _csv_cell(key: str, value: Any) -> str:
    if key == "tags":
        return ",".join(value)
    if isinstance(value, str):
        # Quote strings that would read back as something else ("42", "[x]", "").
        return value if value and _csv_value(value) == value else json.dumps(value)
    return "" if value is None else json.dumps(value, ensure_ascii=False)


def _read_jsonl(path: Path) -> Iterable[EvalCase]:
    with path.open(encoding="utf-8") as f:
        for number, line in enumerate(f, start=1):
            if not line.strip():
                continue
            try:
                row = json.loads(line)
            except json.JSONDecodeError as exc:
                raise InvalidInput(
                    f"{path}:{number}: malformed JSON ({exc.msg}); fix the row or remove it"
                ) from exc
            if not isinstance(row, dict):
                raise InvalidInput(f"{path}:{number}: a row must be a JSON object with 'input'")
            yield _case_from_row(row, f"{path}:{number}")


def _read_csv(path: Path) -> Iterable[EvalCase]:
    with path.open(newline="", encoding="utf-8") as f:
        reader = csv.DictReader(f)
        if reader.fieldnames is None or "input" not in reader.fieldnames:
            raise InvalidInput(f"{path}:1: field 'input' is missing from the header row")
        # Header is line 1, so the first data row is line 2.
        for number, row in enumerate(reader, start=2):
            values = {k: _csv_value(v) for k, v in row.items() if k is not None}
            yield _case_from_row(values, f"{path}:{number}")


def _read_parquet(path: Path) -> Iterable[EvalCase]:
    for number, row in read_parquet_rows(path):
        if number == 1 and "input" not in row:
            raise InvalidInput(f"{path}: column 'input' is missing; every case needs an input")
        yield _case_from_row(row, f"{path}: row {number}")


def _csv_value(cell: str | None) -> Any:
    # Cells written by Dataset.write hold JSON for non-strings; anything else is plain text.
    if cell is None or cell == "":
        return None
    if cell[0] in '[{"' or cell in ("true", "false", "null") or cell.lstrip("-")[:1].isdigit():
        try:
            return json.loads(cell)
        except json.JSONDecodeError:
            return cell
    return cell
