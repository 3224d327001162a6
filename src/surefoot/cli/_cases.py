"""``surefoot cases``: candidate eval cases from production failures; list, promote, export."""

from __future__ import annotations

import json
import sys
import time
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, TextIO

import typer
from rich.table import Table
from rich.text import Text

from surefoot.cli._app import app, console, err_console, fail, state_of
from surefoot.cli._time import format_ns
from surefoot.core import Case, CaseStatus, InvalidInput, SurefootError
from surefoot.evals import Dataset, make_case
from surefoot.review import CaseCollector, case_row
from surefoot.store import EvalStore, Store

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator

_FORMATS = ("jsonl", "chat", "parquet")

cases_app = typer.Typer(help="Eval cases seeded from production failures.", no_args_is_help=True)
app.add_typer(cases_app, name="cases")


def _with_cases(ctx: typer.Context, work: Callable[[CaseCollector], Any]) -> Any:
    try:
        with Store.open(state_of(ctx).settings().store) as store:
            return work(CaseCollector(store))
    except SurefootError as exc:
        raise fail(exc) from None


def _preview(value: Any, width: int = 60) -> str:
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
    return text if len(text) <= width else text[: width - 1] + "…"


@cases_app.command("list")
def list_cmd(
    ctx: typer.Context,
    status: Annotated[CaseStatus | None, typer.Option(help="Only cases in this state.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON lines.")] = False,
) -> None:
    """List cases, oldest first."""
    found: list[Case] = _with_cases(ctx, lambda c: c.cases(status))
    if as_json:
        for case in found:
            typer.echo(json.dumps(case_row(case), ensure_ascii=False))
        return
    table = Table("id", "origin", "status", "input", "expected", "created")
    for case in found:
        table.add_row(
            case.case_id,
            str(case.origin),
            str(case.status),
            Text(_preview(case.input)),
            Text("" if case.expected is None else _preview(case.expected)),
            format_ns(case.created_ns),
        )
    console.print(table)


def _version_into(store: Store, name: str, promoted: list[Case]) -> tuple[int, int, int]:
    # The review `cases` table keeps mutable candidates; eval datasets are immutable,
    # content-hashed versions. Promotion into a dataset is therefore a new version of it.
    evals = EvalStore(store.engine)
    loaded = evals.load_dataset(name)
    current = list(loaded[1]) if loaded else []
    added = [make_case(c.input, c.expected, tags=c.tags, origin=c.origin) for c in promoted]
    merged = Dataset.from_cases(name, [*current, *added])
    version = evals.save_dataset(name, merged.cases, time.time_ns())
    return version, len(merged), len(merged) - len(current)


@cases_app.command("promote")
def promote_cmd(
    ctx: typer.Context,
    case_ids: Annotated[list[str], typer.Argument(help="Candidate case ids.")],
    into: Annotated[
        str | None,
        typer.Option(
            "--into", help="Also add them to this eval dataset, as its next stored version."
        ),
    ] = None,
) -> None:
    """Promote candidates into the curated eval set (and into a stored dataset with --into)."""
    try:
        with Store.open(state_of(ctx).settings().store) as store:
            collector = CaseCollector(store)
            promoted = [collector.promote(case_id) for case_id in case_ids]
            for case in promoted:
                note = "" if case.expected is not None else " (no expected output yet)"
                err_console.print(f"promoted {case.case_id}{note}")
            if into is not None:
                version, total, added = _version_into(store, into, promoted)
                err_console.print(f"{into}@{version}: {total} cases ({added} added)")
    except SurefootError as exc:
        raise fail(exc) from None


@cases_app.command("export")
def export_cmd(
    ctx: typer.Context,
    out: Annotated[Path | None, typer.Option(help="Output file; default stdout.")] = None,
    status: Annotated[CaseStatus | None, typer.Option(help="Only cases in this state.")] = None,
    fmt: Annotated[
        str,
        typer.Option(
            "--format",
            help="jsonl (all fields), chat (OpenAI fine-tuning messages) or parquet (needs --out).",
        ),
    ] = "jsonl",
) -> None:
    """Export cases for retraining or analysis: JSON lines, chat fine-tuning lines or Parquet."""
    if fmt not in _FORMATS:
        raise fail(InvalidInput(f"unknown format {fmt!r}", hint="use jsonl, chat or parquet"))
    if fmt == "parquet":
        if out is None:
            raise fail(InvalidInput("Parquet needs a file", hint="pass --out cases.parquet"))
        count = _with_cases(ctx, lambda c: c.export_parquet(out, status))
        err_console.print(f"exported {count} cases to {out}")
        return
    with _output(out) as handle:
        if fmt == "chat":
            written, skipped = _with_cases(ctx, lambda c: c.export_chat(handle, status))
            err_console.print(f"exported {written} cases ({skipped} without expected skipped)")
        else:
            count = _with_cases(ctx, lambda c: c.export_jsonl(handle, status))
            err_console.print(f"exported {count} cases")


@contextmanager
def _output(out: Path | None) -> Iterator[TextIO]:
    if out is None:
        yield sys.stdout
        return
    with out.open("w", encoding="utf-8") as handle:
        yield handle
