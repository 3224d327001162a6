"""``surefoot cases``: candidate eval cases from production failures; list, promote, export."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.table import Table

from surefoot.cli._app import app, console, err_console, fail, state_of
from surefoot.cli._time import format_ns
from surefoot.core import Case, CaseStatus, SurefootError
from surefoot.review import CaseCollector
from surefoot.store import Store

if TYPE_CHECKING:
    from collections.abc import Callable

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
) -> None:
    """List cases, oldest first."""
    found: list[Case] = _with_cases(ctx, lambda c: c.cases(status))
    table = Table("id", "origin", "status", "input", "expected", "created")
    for case in found:
        table.add_row(
            case.case_id,
            str(case.origin),
            str(case.status),
            _preview(case.input),
            "" if case.expected is None else _preview(case.expected),
            format_ns(case.created_ns),
        )
    console.print(table)


@cases_app.command("promote")
def promote_cmd(
    ctx: typer.Context,
    case_ids: Annotated[list[str], typer.Argument(help="Candidate case ids.")],
) -> None:
    """Promote candidates into the curated eval set."""

    def promote_all(collector: CaseCollector) -> None:
        for case_id in case_ids:
            collector.promote(case_id)
            err_console.print(f"promoted {case_id}")

    _with_cases(ctx, promote_all)


@cases_app.command("export")
def export_cmd(
    ctx: typer.Context,
    out: Annotated[Path | None, typer.Option(help="JSONL file; default stdout.")] = None,
    status: Annotated[CaseStatus | None, typer.Option(help="Only cases in this state.")] = None,
) -> None:
    """Export cases as JSON lines (id, input, expected, origin, status, tags, trace_id)."""
    if out is None:
        count = _with_cases(ctx, lambda c: c.export_jsonl(sys.stdout, status))
    else:
        with out.open("w", encoding="utf-8") as handle:
            count = _with_cases(ctx, lambda c: c.export_jsonl(handle, status))
    err_console.print(f"exported {count} cases")
