"""The pytest plugin of surefoot evals, loaded through the ``pytest11`` entry point.

Every pytest run in an environment with surefoot installed loads this module, so it imports
nothing but pytest: it declares the options, the ini keys, the ``surefoot_eval`` marker and the
``evaluate`` fixture. ``surefoot.evals`` is imported only when a test requests ``evaluate`` or
the session runs with ``--surefoot-gate``; otherwise the session is exactly as without surefoot.
(It lives outside the ``surefoot`` package because importing any ``surefoot.*`` module runs
``surefoot/__init__.py``, which is not free.)

Usage is documented in ``docs/evals.md`` ("Eval cases as pytest tests").
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from surefoot.evals._pytest_plugin import Evaluator, SessionEvals

_SESSION: pytest.StashKey[SessionEvals] = pytest.StashKey()
_FINISHED: pytest.StashKey[SessionEvals | None] = pytest.StashKey()


def pytest_addoption(parser: pytest.Parser) -> None:
    """Options and ini keys of the plugin."""
    group = parser.getgroup("surefoot", "surefoot evals")
    group.addoption(
        "--surefoot-gate",
        dest="surefoot_gate",
        metavar="RUN_ID",
        default=None,
        help="fail the session when an evaluate() metric regressed past its threshold against "
        "this stored run ('latest': the suite's previous run)",
    )
    group.addoption(
        "--surefoot-store",
        dest="surefoot_store",
        metavar="URL",
        default=None,
        help="store URL for eval runs (default: the surefoot_store ini key, else surefoot's "
        "settings: SUREFOOT_STORE__URL or surefoot.toml)",
    )
    parser.addini("surefoot_store", "store URL for eval runs recorded by evaluate()", default="")
    parser.addini("surefoot_suite", "suite name eval runs are stored under", default="pytest")
    parser.addini(
        "surefoot_thresholds",
        "per metric, the drop the gate tolerates, one 'metric = number' per line",
        type="linelist",
        default=[],
    )


def pytest_configure(config: pytest.Config) -> None:
    """Register the marker, so ``--strict-markers`` suites accept it."""
    config.addinivalue_line(
        "markers",
        "surefoot_eval(scorers=..., tags=..., require=..., thresholds=...): defaults of the "
        "evaluate fixture for this test",
    )


@pytest.fixture(name="evaluate")
def _evaluate(request: pytest.FixtureRequest) -> Evaluator:
    """Score an output with named scorers and record it as a case of the session's eval run."""
    from surefoot.evals._pytest_plugin import SessionEvals, evaluator_for

    stash = request.config.stash
    if _SESSION not in stash:
        stash[_SESSION] = SessionEvals(str(request.config.getini("surefoot_suite")))
    return evaluator_for(request, stash[_SESSION])


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """Store the run and apply the gate, when this session evaluated or gates anything."""
    config = session.config
    if _SESSION not in config.stash and config.getoption("surefoot_gate") is None:
        return
    from surefoot.evals._pytest_plugin import finish_session

    finished = finish_session(config, config.stash.get(_SESSION, None))
    config.stash[_FINISHED] = finished
    if finished is not None and finished.failed and session.exitstatus == pytest.ExitCode.OK:
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


def pytest_terminal_summary(terminalreporter: Any, exitstatus: int, config: pytest.Config) -> None:
    """Print the stored run and the gate's verdict."""
    finished = config.stash.get(_FINISHED, None)
    if finished is None:
        return
    terminalreporter.section("surefoot evals")
    for line in finished.summary:
        terminalreporter.write_line(line)
