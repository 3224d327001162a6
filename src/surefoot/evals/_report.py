"""Reports: a terminal summary (rich) and a self-contained HTML page (inline CSS and SVG)."""

from __future__ import annotations

import difflib
import html
import json
from typing import TYPE_CHECKING, Any

from rich.table import Table

from surefoot.evals._human import HUMAN_METRIC

if TYPE_CHECKING:
    from collections.abc import Mapping

    from rich.console import Console

    from surefoot.core._eval_records import EvalCase, EvalRunRecord
    from surefoot.evals._gate import Comparison, GateVerdict
    from surefoot.evals._human import HumanComparison, HumanGrades
    from surefoot.evals._runner import RunOutcome
    from surefoot.evals._stats import PairedComparison
    from surefoot.store import EvalStore

__all__ = ["html_report", "print_comparison", "print_outcome", "run_details"]


def print_outcome(outcome: RunOutcome, console: Console) -> None:
    """A table of each metric's mean, with how much work the run did."""
    table = Table(title=f"eval run {outcome.run.run_id} ({outcome.run.suite})")
    table.add_column("metric")
    table.add_column("mean", justify="right")
    for name, mean in outcome.means().items():
        table.add_row(name, f"{mean:.4f}")
    console.print(table)
    console.print(f"run id: {outcome.run.run_id}")
    console.print(
        f"{len(outcome.results)} cases: {outcome.called} calls, {outcome.cached} cached, "
        f"{outcome.errors} errors, {len(outcome.flaky)} flaky"
    )
    if outcome.judged or outcome.judge_cached:
        console.print(f"judge: {outcome.judged} calls, {outcome.judge_cached} grades cached")
    for metric, failures in outcome.unscored.items():
        first = next(iter(failures.values()))
        console.print(
            f"[yellow]{metric}: {len(failures)} cases unscored[/] (the judge failed: {first})"
        )


def print_comparison(
    comparison: Comparison, console: Console, verdict: GateVerdict | None = None
) -> None:
    """Per-metric means, deltas, intervals and p-values; then the gate's verdict if given."""
    table = Table(title=f"{comparison.baseline} -> {comparison.candidate}")
    cols = ("metric", "n", "baseline", "candidate", "delta", "interval", "p", "p (holm)", "changed")
    for col in cols:
        table.add_column(col, justify="left" if col == "metric" else "right")
    for name, c in comparison.metrics.items():
        style = "red" if c.ci_high < 0 else "green" if c.ci_low > 0 else ""
        table.add_row(
            name,
            str(c.n),
            f"{c.baseline:.4f}",
            f"{c.candidate:.4f}",
            f"[{style}]{c.delta:+.4f}[/]" if style else f"{c.delta:+.4f}",
            f"[{c.ci_low:+.4f}, {c.ci_high:+.4f}]",
            f"{c.p_value:.3g}",
            f"{comparison.p_holm.get(name, c.p_value):.3g}",
            str(len(comparison.changed.get(name, []))),
        )
    console.print(table)
    if comparison.human is not None:
        console.print(_human_line(comparison.human))
    if verdict is None:
        return
    for note in verdict.notes:
        console.print(f"[yellow]note:[/] {note}")
    for message in verdict.failures.values():
        console.print(f"[red]blocked:[/] {message}")
    if verdict.passed:
        console.print("[green]gate passed[/]")


def _grades_text(g: HumanGrades) -> str:
    mean = "n/a" if g.mean is None else f"{g.mean:.4f}"
    return f"{mean} (n={g.count}, {g.pending} pending)"


def _human_line(h: HumanComparison) -> str:
    """The human-graded metric in one line: both runs with their counts, and the paired delta."""
    text = f"{HUMAN_METRIC} (reviewers, not gated): {_grades_text(h.baseline)} -> "
    text += _grades_text(h.candidate)
    if h.paired is not None:
        p = h.paired
        text += f"; paired over {p.n}: {p.delta:+.4f} [{p.ci_low:+.4f}, {p.ci_high:+.4f}]"
    return text


def run_details(store: EvalStore, run: EvalRunRecord) -> tuple[dict[str, EvalCase], dict[str, Any]]:
    """The run's cases and each case's first output (or error text), by case hash."""
    loaded = store.load_dataset(run.dataset, run.dataset_version)
    cases = {c.case_hash: c for c in loaded[1]} if loaded else {}
    results = store.cached_results(run.config_hash, run.scores)
    outputs = {
        r.case_hash: (r.output if r.error is None else f"error: {r.error}")
        for r in results
        if r.sample == 0
    }
    return cases, outputs


_CSS = """
body{font:14px/1.4 system-ui,sans-serif;margin:2em;color:#222}
table{border-collapse:collapse;margin:1em 0}
td,th{border:1px solid #ccc;padding:4px 8px;text-align:right}
td:first-child,th:first-child{text-align:left}.bad{color:#b00}.good{color:#070}
pre{white-space:pre-wrap;margin:0;font-size:12px}del{background:#fdd}ins{background:#dfd}
.case{border:1px solid #ddd;margin:1em 0;padding:.5em}
"""


def _text(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False, indent=1)


def _diff(before: str, after: str) -> str:
    parts = []
    for op in difflib.ndiff(before.split(" "), after.split(" ")):
        word = html.escape(op[2:])
        parts.append(
            {"- ": f"<del>{word}</del>", "+ ": f"<ins>{word}</ins>", "  ": word}.get(op[:2], "")
        )
    return " ".join(p for p in parts if p)


def _svg(comparison: Comparison) -> str:
    # One row per metric: the interval as a bar, the delta as a dot, zero as a line.
    rows = list(comparison.metrics.values())
    span = max([abs(v) for c in rows for v in (c.ci_low, c.ci_high)] + [1e-9])
    width, mid, height = 400, 200, 24 * len(rows) + 10
    body = [f'<line x1="{mid}" y1="0" x2="{mid}" y2="{height}" stroke="#999"/>']
    for i, c in enumerate(rows):
        y = 15 + 24 * i
        x0, x1 = (mid + v / span * (mid - 10) for v in (c.ci_low, c.ci_high))
        colour = "#b00" if c.ci_high < 0 else "#070" if c.ci_low > 0 else "#555"
        bar = f'x1="{x0:.1f}" y1="{y}" x2="{x1:.1f}" y2="{y}"'
        body.append(f'<line {bar} stroke="{colour}" stroke-width="4"/>')
        body.append(f'<text x="4" y="{y + 4}" font-size="11">{html.escape(c.metric)}</text>')
    return f'<svg width="{width}" height="{height}" xmlns="http://www.w3.org/2000/svg">{"".join(body)}</svg>'


def html_report(
    comparison: Comparison,
    cases: Mapping[str, EvalCase],
    before: Mapping[str, Any],
    after: Mapping[str, Any],
    *,
    verdict: GateVerdict | None = None,
    limit: int = 200,
) -> str:
    """A self-contained HTML page: before/after per metric, an interval chart, case diffs.

    Every case whose score changed on some metric is shown (at most ``limit``).
    """
    cells = ("metric", "n", "before", "after", "delta", "interval", "p")
    head = "<tr>" + "".join(f"<th>{c}</th>" for c in cells) + "</tr>"
    rows = [_metric_row(n, c) for n, c in comparison.metrics.items()]
    status = ""
    if verdict is not None:
        lines = [f'<p class="bad">blocked: {html.escape(m)}</p>' for m in verdict.failures.values()]
        status = "".join(lines) or '<p class="good">gate passed</p>'
    changed = sorted({h for hs in comparison.changed.values() for h in hs})[:limit]
    blocks = [_case_block(h, cases.get(h), before.get(h), after.get(h)) for h in changed]
    title = f"eval {html.escape(comparison.baseline)} → {html.escape(comparison.candidate)}"
    style = f'<meta charset="utf-8"><title>{title}</title><style>{_CSS}</style>'
    human = ""
    if comparison.human is not None:
        human = f"<p>{html.escape(_human_line(comparison.human))}</p>"
    table = f"<table>{head}{''.join(rows)}</table>{human}{_svg(comparison)}"
    return (
        f"<!doctype html><html><head>{style}</head><body><h1>{title}</h1>{status}{table}"
        f"<h2>changed cases ({len(changed)})</h2>{''.join(blocks)}</body></html>"
    )


def _metric_row(name: str, c: PairedComparison) -> str:
    tone = "bad" if c.ci_high < 0 else "good" if c.ci_low > 0 else ""
    return (
        f"<tr><td>{html.escape(name)}</td><td>{c.n}</td><td>{c.baseline:.4f}</td>"
        f'<td>{c.candidate:.4f}</td><td class="{tone}">{c.delta:+.4f}</td>'
        f"<td>[{c.ci_low:+.4f}, {c.ci_high:+.4f}]</td><td>{c.p_value:.3g}</td></tr>"
    )


def _case_block(h: str, case: EvalCase | None, before: Any, after: Any) -> str:
    old, new = _text(before), _text(after)
    fields = {
        "input": _text(case.input if case else None),
        "expected": _text(case.expected if case else None),
        "before": old,
        "after": new,
    }
    shown = "".join(f"{k}: <pre>{html.escape(v)}</pre>" for k, v in fields.items())
    return f'<div class="case"><b>{h[:12]}</b> {shown}diff: <pre>{_diff(old, new)}</pre></div>'
