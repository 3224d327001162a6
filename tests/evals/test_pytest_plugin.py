"""The pytest plugin: eval cases as tests, a stored run per session, and the session gate."""

from __future__ import annotations

from pathlib import Path

import pytest

# Imported here, before any inline run: pytester restores sys.modules after each inline
# session, and numpy (under surefoot.evals) cannot be loaded twice in one process.
import surefoot.evals._pytest_plugin  # noqa: F401
from surefoot.core import StoreSettings
from surefoot.store import EvalStore, Store

pytest_plugins = ["pytester"]

_INI = """
[pytest]
addopts = --strict-markers --strict-config -p no:cacheprovider
filterwarnings = error
asyncio_default_fixture_loop_scope = function
surefoot_suite = answers
surefoot_thresholds =
    exact_match = 0.05
    latency_s = 1.0
{extra}
"""

_CASES = """
import pytest

def app(question: str, broken: bool) -> str:
    n = int(question[1:])
    return "wrong" if broken and n % 2 else question.upper()

@pytest.mark.surefoot_eval(scorers=["exact_match", "latency_s"], tags=["smoke"])
@pytest.mark.parametrize("q", [f"q{{i}}" for i in range(20)])
def test_answers(evaluate, q):
    evaluate(app(q, {broken}), q.upper(), input=q)
"""


def _project(pytester: pytest.Pytester, db: Path, *, broken: bool, extra: str = "") -> None:
    pytester.makefile(".ini", pytest=_INI.format(extra=f"surefoot_store = sqlite:///{db}\n{extra}"))
    pytester.makepyfile(test_cases=_CASES.format(broken=broken))


def _runs(db: Path) -> list[tuple[str, dict[str, float]]]:
    with Store.open(StoreSettings(url=f"sqlite:///{db}")) as store:
        runs = EvalStore(store.engine).list_runs("answers")
    return [(r.run_id, r.scores[next(iter(r.scores))]) for r in runs]


def test_unused_plugin_imports_nothing(pytester: pytest.Pytester) -> None:
    """A session that never asks for evaluate imports no surefoot module and prints nothing."""
    pytester.makefile(".ini", pytest=_INI.format(extra=""))
    pytester.makepyfile(
        test_plain="""
        import sys

        def test_nothing_loaded():
            assert not [m for m in sys.modules if m == "surefoot" or m.startswith("surefoot.")]
        """
    )
    result = pytester.runpytest_subprocess()
    result.assert_outcomes(passed=1)
    assert "surefoot evals" not in result.stdout.str()


def test_session_is_stored_as_a_run(pytester: pytest.Pytester, tmp_path: Path) -> None:
    """Every evaluate() call becomes a case of one run stored under the ini's suite name."""
    _project(pytester, tmp_path / "s.db", broken=False)
    result = pytester.runpytest()
    result.assert_outcomes(passed=20)
    result.stdout.fnmatch_lines(["*surefoot evals: run * of suite 'answers' stored (20 cases)*"])
    [(_, scores)] = _runs(tmp_path / "s.db")
    assert scores["exact_match"] == 1.0 and scores["latency_s"] >= 0.0


def test_store_from_environment(
    pytester: pytest.Pytester, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Without the ini key, the store comes from surefoot's settings (SUREFOOT_STORE__URL)."""
    pytester.makefile(".ini", pytest=_INI.format(extra=""))
    pytester.makepyfile(test_cases=_CASES.format(broken=False))
    monkeypatch.setenv("SUREFOOT_STORE__URL", f"sqlite:///{tmp_path / 'env.db'}")
    pytester.runpytest().assert_outcomes(passed=20)
    assert len(_runs(tmp_path / "env.db")) == 1


def test_gate_fails_session_on_regression(pytester: pytest.Pytester, tmp_path: Path) -> None:
    """--surefoot-gate fails an all-green session whose metric dropped past its threshold."""
    _project(pytester, tmp_path / "s.db", broken=False)
    pytester.runpytest().assert_outcomes(passed=20)
    [(baseline, _)] = _runs(tmp_path / "s.db")
    _project(pytester, tmp_path / "s.db", broken=True)
    result = pytester.runpytest("--surefoot-gate", baseline)
    result.assert_outcomes(passed=20)
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    result.stdout.fnmatch_lines(["*blocked: exact_match dropped by 0.5*"])


def test_gate_passes_without_regression(pytester: pytest.Pytester, tmp_path: Path) -> None:
    """The gate against the previous run ('latest') passes when nothing regressed."""
    _project(pytester, tmp_path / "s.db", broken=False)
    pytester.runpytest().assert_outcomes(passed=20)
    result = pytester.runpytest("--surefoot-gate", "latest")
    assert result.ret == pytest.ExitCode.OK
    result.stdout.fnmatch_lines(["*gate passed*"])


def test_gate_without_baseline_fails_with_the_fix(
    pytester: pytest.Pytester, tmp_path: Path
) -> None:
    """An unknown baseline fails the session and says how to store one."""
    _project(pytester, tmp_path / "s.db", broken=False)
    result = pytester.runpytest("--surefoot-gate", "no-such-run")
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    result.stdout.fnmatch_lines(["*no baseline run 'no-such-run'*store one first*"])


def test_require_fails_the_test(pytester: pytest.Pytester, tmp_path: Path) -> None:
    """A score under the test's required minimum fails that test with the scores named."""
    pytester.makefile(
        ".ini", pytest=_INI.format(extra=f"surefoot_store = sqlite:///{tmp_path}/r.db")
    )
    pytester.makepyfile(
        test_req="""
        def test_low(evaluate):
            evaluate("Lyon", "Paris", scorers=["exact_match"], require={"exact_match": 1.0})
        """
    )
    result = pytester.runpytest()
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["*eval scores below the required minimum: exact_match=0*"])


def test_unknown_scorer_is_refused(pytester: pytest.Pytester, tmp_path: Path) -> None:
    """A scorer name that does not exist errors the test with the names that do."""
    pytester.makefile(
        ".ini", pytest=_INI.format(extra=f"surefoot_store = sqlite:///{tmp_path}/u.db")
    )
    pytester.makepyfile(
        test_unknown="""
        def test_unknown(evaluate):
            evaluate("a", "a", scorers=["exactly"])
        """
    )
    result = pytester.runpytest()
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["*unknown scorer 'exactly'; use one of*"])
