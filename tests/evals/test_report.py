"""Reports: terminal tables and a self-contained HTML page."""

from __future__ import annotations

import io

from rich.console import Console

from surefoot.core import EvalRunRecord
from surefoot.evals import compare_scores, gate, html_report, make_case, print_comparison


def _run(run_id: str, hits: list[float]) -> EvalRunRecord:
    scores = {f"c{i}": {"exact": h} for i, h in enumerate(hits)}
    return EvalRunRecord(run_id, "s", "d", 1, "x" * 64, {}, scores)


BASE, CAND = _run("a", [1.0] * 20), _run("b", [1.0] * 10 + [0.0] * 10)


def test_html_is_self_contained_with_case_diffs() -> None:
    """The page has inline CSS and SVG, no external resources, and a diff per changed case."""
    cmp = compare_scores(BASE, CAND)
    cases = {"c15": make_case("<q>", "Paris")}
    page = html_report(
        cmp, cases, {"c15": "Paris"}, {"c15": "Lyon"}, verdict=gate(BASE, CAND, {"exact": 0.1})
    )
    assert "<style>" in page and "<svg" in page
    assert "src=" not in page and "href=" not in page and "<script" not in page
    assert "<del>Paris</del>" in page and "<ins>Lyon</ins>" in page
    assert "&lt;q&gt;" in page
    assert "blocked: exact dropped by 0.5" in page


def test_terminal_comparison_names_the_blocked_metric() -> None:
    """The terminal summary prints the delta and the gate's blocking message."""
    out = io.StringIO()
    print_comparison(
        compare_scores(BASE, CAND), Console(file=out, width=200), gate(BASE, CAND, {"exact": 0.1})
    )
    assert "-0.5000" in out.getvalue() and "blocked: exact" in out.getvalue()
