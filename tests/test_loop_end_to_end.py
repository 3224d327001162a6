"""The whole human loop: escalation → review → correction → promoted case → eval gate."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from surefoot import tracing
from surefoot.cli import app
from surefoot.core import DecisionStatus, Settings
from surefoot.guard import Guard, LowConfidence, RoutingPolicy, TokenProbability
from surefoot.providers import ChatRequest, OpenAICompatibleProvider
from surefoot.review import ReviewQueue, ReviewQueueSink
from surefoot.store import Store
from surefoot.testing import FaultServer

# Two customer conversations the production model fumbles, with the answers a reviewer gives.
FUMBLED = {
    "I ordered 2 mugs and 3 plates. How many items are coming?": "five",
    "I had 4 vouchers and used 1. How many are left?": "three",
}
CONVERSATIONS = [
    [{"role": "user", "content": "I ordered 2 mugs and 3 plates. How many items are coming?"}],
    [
        {"role": "user", "content": "Hi there"},
        {"role": "assistant", "content": "Hello! How can I help?"},
        {"role": "user", "content": "I had 4 vouchers and used 1. How many are left?"},
    ],
]


def _model(body: Mapping[str, Any]) -> str:
    """The scripted models: v1 is unsure, v2 and v4 are right, v3 regressed."""
    question = str(body["messages"][-1]["content"])
    model = body["model"]
    if question == "ping":
        return "pong"
    if model == "support-v1":
        # One long hedge: the fault server gives long tokens low probability.
        return "approximately-the-number-you-are-looking-for"
    if model == "support-v3":
        return "six"
    return FUMBLED[question]


@pytest.fixture(name="server")
def _server() -> Iterator[FaultServer]:
    """The upstream every model version is served from."""
    with FaultServer(respond=_model) as server:
        yield server


@pytest.fixture(name="runner")
def _runner() -> CliRunner:
    """A CLI runner with a wide terminal."""
    return CliRunner(env={"COLUMNS": "200", "NO_COLOR": "1"})


def _serve_production(store: Store, settings: Settings, server: FaultServer) -> list[str]:
    """The production guard answers a confident and two unsure requests; returns trace ids."""
    tracing.init(settings)
    provider = OpenAICompatibleProvider(f"{server.base_url}/v1", name="prod")
    guard = Guard(
        [provider],
        scorers=[TokenProbability()],
        routing=RoutingPolicy(serve_at=0.95, caveat_at=0.9, low=LowConfidence.ESCALATE),
        escalation=ReviewQueueSink(ReviewQueue(store)),
    )
    ping = [{"role": "user", "content": "ping"}]
    traces = []
    try:
        served = guard.complete(ChatRequest(model="support-v1", messages=ping, logprobs=True))
        assert served.decision.status is DecisionStatus.SERVE
        for conversation in CONVERSATIONS:
            request = ChatRequest(model="support-v1", messages=conversation, logprobs=True)
            result = guard.complete(request)
            assert result.decision.status is DecisionStatus.ESCALATE
            assert result.trace_id is not None
            traces.append(result.trace_id)
    finally:
        provider.close()
    assert tracing.flush(timeout_s=10.0)
    tracing.shutdown()
    return traces


def _suite(folder: Path, server: FaultServer, model: str) -> Path:
    path = folder / f"{model}.toml"
    path.write_text(
        f'name = "support-failures"\ndataset = "failures.jsonl"\n\n'
        f'[target]\nurl = "{server.base_url}/v1"\nmodel = "{model}"\n\n'
        f'[metrics.exact]\nscorer = "exact_match"\nthreshold = 0.05\n',
        encoding="utf-8",
    )
    return path


def _cli(runner: CliRunner, url: str, *args: str, code: int = 0) -> str:
    result = runner.invoke(app, ["--store-url", url, *args])
    assert result.exit_code == code, result.output
    return result.stdout


def test_escalated_answer_becomes_a_gating_case(
    store: Store, store_url: str, server: FaultServer, runner: CliRunner, tmp_path: Path
) -> None:
    """Escalations reviewed and promoted through the CLI block a regressed candidate only."""
    settings = Settings.load(
        None,
        store={"url": store_url},
        recorder={"spool_dir": tmp_path / "spool", "flush_interval_s": 0.02},
    )
    traces = _serve_production(store, settings, server)

    # A reviewer works the queue from the command line: claim, read the context, correct.
    for _ in CONVERSATIONS:
        item = json.loads(_cli(runner, store_url, "review", "claim", "-r", "ann", "--json"))
        assert item["origin"] == "escalation" and item["trace_id"] in traces
        assert store.get_trace_summary(item["trace_id"]) is not None
        assert item["payload"]["input"] in CONVERSATIONS
        assert item["payload"]["output"] == "approximately-the-number-you-are-looking-for"
        answer = FUMBLED[item["payload"]["input"][-1]["content"]]
        _cli(runner, store_url, "review", "correct", item["id"], answer, "-r", "ann")
    assert (
        "the queue is empty"
        in runner.invoke(app, ["--store-url", store_url, "review", "claim", "-r", "ann"]).output
    )

    # The corrections are candidate cases; promotion versions them into the eval dataset.
    listed = _cli(runner, store_url, "cases", "list", "--status", "candidate", "--json")
    candidates = [json.loads(line) for line in listed.splitlines()]
    assert sorted(c["expected"] for c in candidates) == ["five", "three"]
    _cli(runner, store_url, "cases", "promote", *(c["id"] for c in candidates), "--into", "fails")
    data = tmp_path / "failures.jsonl"
    _cli(runner, store_url, "eval", "export", "fails", str(data))
    rows = [json.loads(line) for line in data.read_text(encoding="utf-8").splitlines()]
    assert sorted(json.dumps(r["input"]) for r in rows) == sorted(
        json.dumps(c) for c in CONVERSATIONS
    )

    # The fixed release is the baseline; the next candidates are gated on the new cases.
    baseline = _cli(runner, store_url, "eval", "run", str(_suite(tmp_path, server, "support-v2")))
    match = re.search(r"run id: (\S+)", baseline)
    assert match is not None, baseline
    run_id = match.group(1)
    regressed = _suite(tmp_path, server, "support-v3")
    _cli(runner, store_url, "eval", "gate", str(regressed), "--baseline", run_id, code=1)
    fixed = _suite(tmp_path, server, "support-v4")
    _cli(runner, store_url, "eval", "gate", str(fixed), "--baseline", run_id, code=0)
