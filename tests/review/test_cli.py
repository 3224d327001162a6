"""The review and cases commands work the same queue the library does."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from surefoot.cli import app
from surefoot.core import ReviewOrigin, StoreSettings
from surefoot.review import CaseCollector, ReviewQueue
from surefoot.store import Store


@pytest.fixture(name="cli_store_url")
def _cli_store_url(tmp_path: Path) -> str:
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    with Store.open(StoreSettings(url=url)) as store:
        queue = ReviewQueue(store)
        queue.submit(ReviewOrigin.SAMPLE, "check it", {"input": "2+2?", "output": "5"})
    return url


def test_claim_correct_and_export_from_the_command_line(cli_store_url: str) -> None:
    """A reviewer claims, corrects, and the correction is exported as a case."""
    runner = CliRunner(env={"COLUMNS": "200", "NO_COLOR": "1"})
    base = ["--store-url", cli_store_url]
    claimed = runner.invoke(app, [*base, "review", "claim", "-r", "ann", "--json"])
    assert claimed.exit_code == 0, claimed.output
    item_id = json.loads(claimed.stdout)["id"]
    other = runner.invoke(app, [*base, "review", "approve", item_id, "-r", "bob"])
    assert other.exit_code == 1 and "claimed by ann" in other.output
    done = runner.invoke(app, [*base, "review", "correct", item_id, "4", "-r", "ann"])
    assert done.exit_code == 0, done.output
    listed = runner.invoke(app, [*base, "review", "list", "--json"])
    assert json.loads(listed.stdout)["status"] == "corrected"
    exported = runner.invoke(app, [*base, "cases", "export"])
    case = json.loads(exported.stdout.splitlines()[0])
    assert (case["input"], case["expected"]) == ("2+2?", 4)
    promoted = runner.invoke(app, [*base, "cases", "promote", case["id"]])
    assert promoted.exit_code == 0, promoted.output
    shown = runner.invoke(app, [*base, "cases", "list", "--status", "promoted"])
    assert case["id"] in shown.stdout


def test_tables_print_reasons_and_cases_with_square_brackets_as_written(tmp_path: Path) -> None:
    """A review reason or a case input with square brackets is text, not console markup."""
    url = f"sqlite:///{tmp_path / 'brackets.db'}"
    with Store.open(StoreSettings(url=url)) as store:
        ReviewQueue(store).submit(ReviewOrigin.SAMPLE, "[urgent] refund", {"input": "x"})
        CaseCollector(store).add("[draft] reply to the refund")
    runner = CliRunner(env={"COLUMNS": "200", "NO_COLOR": "1"})
    listed = runner.invoke(app, ["--store-url", url, "review", "list"])
    cases = runner.invoke(app, ["--store-url", url, "cases", "list"])
    assert "[urgent] refund" in listed.stdout
    assert "[draft] reply to the refund" in cases.stdout
