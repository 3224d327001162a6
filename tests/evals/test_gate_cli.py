"""CI-shaped: ``surefoot eval gate`` blocks a bad prompt change and lets a good one through."""

from __future__ import annotations

import dataclasses
from pathlib import Path

from tests.evals.conftest import write_suite
from typer.testing import CliRunner

from surefoot.cli import app
from surefoot.core import Case, CaseOrigin, CaseStatus, StoreSettings, new_id
from surefoot.evals import Dataset
from surefoot.store import ReviewStore, Store
from surefoot.testing import FaultServer


def _invoke(store_url: str, *args: str) -> tuple[int, str]:
    result = CliRunner(env={"COLUMNS": "200", "NO_COLOR": "1"}).invoke(
        app, ["--store-url", store_url, "eval", *args]
    )
    return result.exit_code, result.output


def _baseline(tmp_path: Path, url: str, store_url: str) -> str:
    suite = write_suite(tmp_path / "base.toml", url, "Reply with the number only.")
    code, out = _invoke(store_url, "run", str(suite))
    assert code == 0, out
    return out.split("run id: ", 1)[1].split()[0]


def test_gate_blocks_a_bad_prompt(
    tmp_path: Path, sums_server: FaultServer, sums_dataset: Path
) -> None:
    """A prompt that makes the model wrong on half the cases fails the gate, naming the metric."""
    store_url = f"sqlite:///{tmp_path / 'sf.db'}"
    run_id = _baseline(tmp_path, sums_server.base_url, store_url)
    bad = write_suite(tmp_path / "bad.toml", sums_server.base_url, "Be sloppy.")
    code, out = _invoke(store_url, "gate", str(bad), "--baseline", run_id)
    assert code == 1, out
    assert "blocked: exact dropped by 0.5" in out


def test_gate_passes_a_good_prompt(
    tmp_path: Path, sums_server: FaultServer, sums_dataset: Path
) -> None:
    """A reworded prompt that answers just as well passes the gate with exit code 0."""
    store_url = f"sqlite:///{tmp_path / 'sf.db'}"
    run_id = _baseline(tmp_path, sums_server.base_url, store_url)
    good = write_suite(tmp_path / "good.toml", sums_server.base_url, "Give just the number.")
    html = tmp_path / "report.html"
    code, out = _invoke(store_url, "gate", str(good), "--baseline", run_id, "--html", str(html))
    assert code == 0, out
    assert "gate passed" in out
    assert "<svg" in html.read_text(encoding="utf-8")


def test_compare_lists_changed_cases(
    tmp_path: Path, sums_server: FaultServer, sums_dataset: Path
) -> None:
    """Comparing two runs shows the metric's delta and which cases changed."""
    store_url = f"sqlite:///{tmp_path / 'sf.db'}"
    base = _baseline(tmp_path, sums_server.base_url, store_url)
    bad = write_suite(tmp_path / "bad.toml", sums_server.base_url, "Be sloppy.")
    _invoke(store_url, "run", str(bad))
    code, out = _invoke(store_url, "runs")
    candidate = next(
        line.split()[1] for line in out.splitlines() if "sums@1" in line and base not in line
    )
    code, out = _invoke(store_url, "compare", base, candidate)
    assert code == 0, out
    assert "exact: 20 changed" in out


def test_rerun_is_served_from_the_cache(
    tmp_path: Path, sums_server: FaultServer, sums_dataset: Path
) -> None:
    """Running the same suite twice calls the model once per case."""
    store_url = f"sqlite:///{tmp_path / 'sf.db'}"
    _baseline(tmp_path, sums_server.base_url, store_url)
    _baseline(tmp_path, sums_server.base_url, store_url)
    assert sums_server.count() == 40


def test_import_then_export_round_trips(tmp_path: Path, sums_dataset: Path) -> None:
    """A dataset imported by the CLI exports back to the same cases, and re-import reuses it."""
    store_url = f"sqlite:///{tmp_path / 'sf.db'}"
    code, out = _invoke(store_url, "import", str(sums_dataset))
    assert (code, "sums@1: 40 cases") == (0, out.split(",")[0].strip())
    code, out = _invoke(store_url, "import", str(sums_dataset))
    assert "sums@1" in out
    exported = tmp_path / "out.csv"
    code, out = _invoke(store_url, "export", "sums", str(exported))
    assert code == 0, out
    assert Dataset.read(exported).cases == Dataset.read(sums_dataset).cases


def test_bad_suite_exits_with_the_fix(tmp_path: Path) -> None:
    """A suite that cannot be read ends in its message and a non-zero exit, not a traceback."""
    code, out = _invoke(f"sqlite:///{tmp_path / 'sf.db'}", "run", str(tmp_path / "missing.toml"))
    assert code == 1
    assert "no such suite file" in out


def test_run_can_queue_a_review_sample(
    tmp_path: Path, sums_server: FaultServer, sums_dataset: Path
) -> None:
    """``--review-rate`` queues that share of the run's cases for human grading."""
    store_url = f"sqlite:///{tmp_path / 'sf.db'}"
    suite = write_suite(tmp_path / "base.toml", sums_server.base_url, "Reply with the number.")
    code, out = _invoke(store_url, "run", str(suite), "--review-rate", "1")
    assert code == 0, out
    assert "40 cases queued for review" in out


def test_promoted_review_cases_extend_a_dataset(tmp_path: Path, sums_dataset: Path) -> None:
    """Cases reviewers promoted are added to the dataset's next version."""
    store_url = f"sqlite:///{tmp_path / 'sf.db'}"
    _invoke(store_url, "import", str(sums_dataset))
    with Store.open(StoreSettings(url=store_url)) as store:
        case = Case(new_id(), "99+1", "100", CaseOrigin.PRODUCTION_FAILURE, CaseStatus.PROMOTED)
        ReviewStore(store.engine).add_case(dataclasses.replace(case, fingerprint="f" * 64), "99+1")
    code, out = _invoke(store_url, "import-promoted", "sums")
    assert code == 0, out
    assert "sums@2: 41 cases (1 added from review)" in out
