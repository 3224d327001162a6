"""``surefoot eval``: run suites, compare runs, and gate a change on its regressions."""

from __future__ import annotations

import time
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.table import Table

from surefoot.cli._app import app, console, fail, state_of
from surefoot.core import InvalidInput, SurefootError
from surefoot.evals import (
    Dataset,
    compare_runs,
    export_results,
    gate,
    html_report,
    human_grades,
    load_suite,
    print_comparison,
    print_outcome,
    promoted_cases,
    run_details,
    run_suite,
    sample_for_review,
)
from surefoot.store import EvalStore, ReviewStore, Store

if TYPE_CHECKING:
    from collections.abc import Iterator

    from surefoot.evals import Comparison, GateVerdict

eval_app = typer.Typer(
    help="Evaluate changes against datasets and gate regressions.", no_args_is_help=True
)
app.add_typer(eval_app, name="eval")

HtmlOption = Annotated[Path | None, typer.Option("--html", help="Also write an HTML report here.")]


@contextmanager
def _opened(ctx: typer.Context) -> Iterator[EvalStore]:
    # Any surefoot error in the command ends in its message and fix, not a traceback.
    try:
        with Store.open(state_of(ctx).settings().store) as store:
            yield EvalStore(store.engine)
    except SurefootError as exc:
        raise fail(exc) from None


def _write_html(
    path: Path | None, evals: EvalStore, cmp: Comparison, verdict: GateVerdict | None
) -> None:
    if path is None:
        return
    base, cand = evals.get_run(cmp.baseline), evals.get_run(cmp.candidate)
    assert base is not None and cand is not None  # compare_runs loaded both already
    cases, before = run_details(evals, base)
    _, after = run_details(evals, cand)
    path.write_text(html_report(cmp, cases, before, after, verdict=verdict), encoding="utf-8")
    console.print(f"report written to {path}")


@eval_app.command("run")
def run_cmd(
    ctx: typer.Context,
    suite: Annotated[Path, typer.Argument(help="Suite TOML file.")],
    review_rate: Annotated[
        float, typer.Option(min=0.0, max=1.0, help="Share of cases queued for human grading.")
    ] = 0.0,
) -> None:
    """Run a suite and store the run; cached cases are not called again."""
    with _opened(ctx) as evals:
        spec = load_suite(suite)
        outcome = run_suite(spec, evals, progress=console.is_terminal)
        print_outcome(outcome, console)
        if review_rate > 0:
            data = Dataset.read(spec.dataset)
            review = ReviewStore(evals.engine)
            items = sample_for_review(outcome, data, review, rate=review_rate, seed=spec.seed)
            console.print(f"{len(items)} cases queued for review")


@eval_app.command("compare")
def compare_cmd(
    ctx: typer.Context,
    baseline: Annotated[str, typer.Argument(help="Baseline run id.")],
    candidate: Annotated[str, typer.Argument(help="Candidate run id.")],
    html: HtmlOption = None,
) -> None:
    """Per-metric deltas with paired bootstrap intervals and permutation p-values."""
    with _opened(ctx) as evals:
        cmp = compare_runs(evals, baseline, candidate)
        print_comparison(cmp, console)
        for name, cases in cmp.changed.items():
            if cases:
                console.print(
                    f"{name}: {len(cases)} changed: {', '.join(h[:12] for h in cases[:20])}"
                )
        _write_html(html, evals, cmp, None)


@eval_app.command("gate")
def gate_cmd(
    ctx: typer.Context,
    suite: Annotated[Path, typer.Argument(help="Suite TOML file.")],
    baseline: Annotated[str, typer.Option("--baseline", help="Run id to compare against.")],
    html: HtmlOption = None,
) -> None:
    """Run the suite and exit 1 when a metric dropped past its threshold with confidence."""
    with _opened(ctx) as evals:
        spec = load_suite(suite)
        base = evals.get_run(baseline)
        if base is None:
            raise InvalidInput(
                f"no eval run {baseline!r}; run 'surefoot eval run' on the baseline first"
            )
        outcome = run_suite(spec, evals, progress=console.is_terminal)
        console.print(f"candidate run {outcome.run.run_id}")
        verdict = gate(base, outcome.run, {m.name: m.threshold for m in spec.metrics})
        print_comparison(verdict.comparison, console, verdict)
        _write_html(html, evals, verdict.comparison, verdict)
        if not verdict.passed:
            raise typer.Exit(code=1)


@eval_app.command("runs")
def runs_cmd(
    ctx: typer.Context,
    suite: Annotated[str | None, typer.Option(help="Only runs of this suite.")] = None,
    limit: Annotated[int, typer.Option(min=1, help="At most this many.")] = 20,
) -> None:
    """List stored runs, newest first."""
    with _opened(ctx) as evals:
        table = Table("run", "suite", "dataset", "cases", "config", "human")
        for run in evals.list_runs(suite, limit):
            human = human_grades(evals, run)
            table.add_row(
                run.run_id,
                run.suite,
                f"{run.dataset}@{run.dataset_version}",
                str(len(run.scores)),
                run.config_hash[:12],
                "-" if human.mean is None else f"{human.mean:.2f} (n={human.count})",
            )
        console.print(table)


@eval_app.command("import")
def import_cmd(
    ctx: typer.Context,
    file: Annotated[Path, typer.Argument(help="A .jsonl, .csv or .parquet dataset.")],
    name: Annotated[
        str | None, typer.Option(help="Dataset name (default: the file's stem).")
    ] = None,
) -> None:
    """Store a dataset file as a new version (the same content reuses its version)."""
    with _opened(ctx) as evals:
        data = Dataset.read(file, name)
        version = evals.save_dataset(data.name, data.cases, time.time_ns())
        console.print(
            f"{data.name}@{version}: {len(data)} cases, {data.duplicates} duplicates dropped"
        )


@eval_app.command("import-promoted")
def import_promoted_cmd(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help="Dataset to extend.")],
) -> None:
    """Add the cases reviewers promoted to a dataset, as its next version."""
    with _opened(ctx) as evals:
        loaded = evals.load_dataset(name)
        current = list(loaded[1]) if loaded else []
        promoted = promoted_cases(ReviewStore(evals.engine), name)
        merged = Dataset.from_cases(name, [*current, *promoted.cases])
        version = evals.save_dataset(name, merged.cases, time.time_ns())
        added = len(merged) - len(current)
        console.print(f"{name}@{version}: {len(merged)} cases ({added} added from review)")


@eval_app.command("export")
def export_cmd(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help="Dataset name.")],
    file: Annotated[Path, typer.Argument(help="Where to write (.jsonl, .csv or .parquet).")],
    version: Annotated[int | None, typer.Option(help="Version (default: latest).")] = None,
) -> None:
    """Write a stored dataset version to a file."""
    with _opened(ctx) as evals:
        loaded = evals.load_dataset(name, version)
        if loaded is None:
            raise InvalidInput(
                f"no dataset {name!r} version {version or 'latest'}; import it first"
            )
        Dataset(name, tuple(loaded[1])).write(file)
        console.print(f"{name}@{loaded[0]}: {len(loaded[1])} cases written to {file}")


@eval_app.command("export-results")
def export_results_cmd(
    ctx: typer.Context,
    run_id: Annotated[str, typer.Argument(help="Run id.")],
    file: Annotated[Path, typer.Argument(help="Where to write (.parquet or .jsonl).")],
) -> None:
    """Write a run's results: one row per case and sample, scores and human grades as columns."""
    with _opened(ctx) as evals:
        run = evals.get_run(run_id)
        if run is None:
            raise InvalidInput(f"no eval run {run_id!r}; list runs with 'surefoot eval runs'")
        count = export_results(evals, run, file)
        console.print(f"run {run_id}: {count} results written to {file}")
