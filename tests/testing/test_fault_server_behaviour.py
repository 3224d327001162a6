"""The fault server's scripting, recording, determinism and lifecycle."""

from __future__ import annotations

import threading
import time

import httpx
import pytest

from surefoot.testing import Fault, FaultKind, FaultServer

BODY = {"model": "m-1", "messages": [{"role": "user", "content": "hi"}]}


def _post(server: FaultServer, model: str = "m-1") -> httpx.Response:
    return httpx.post(f"{server.base_url}/chat/completions", json={**BODY, "model": model})


def test_queued_faults_apply_in_order_then_stop(fault_server: FaultServer) -> None:
    """Injected faults hit the next requests one each; later requests are normal."""
    fault_server.inject(Fault.server_error(), Fault.rate_limit())
    assert [_post(fault_server).status_code for _ in range(3)] == [500, 429, 200]


def test_per_model_faults_hit_only_that_model(fault_server: FaultServer) -> None:
    """A fault queued for one model leaves requests for other models alone."""
    fault_server.inject(Fault.unavailable(), model="m-2")
    assert _post(fault_server, "m-1").status_code == 200
    assert _post(fault_server, "m-2").status_code == 503


def test_times_repeats_the_sequence(fault_server: FaultServer) -> None:
    """times=N queues the whole sequence N times."""
    fault_server.inject(Fault.server_error(), times=3)
    assert fault_server.plan.pending() == 3


def test_requests_are_recorded_with_their_faults(fault_server: FaultServer) -> None:
    """Each request is recorded with its model, body and applied fault."""
    fault_server.inject(Fault.rate_limit(), model="m-2")
    _post(fault_server, "m-1")
    _post(fault_server, "m-2")
    assert fault_server.count(model="m-2") == 1 and fault_server.count() == 2
    assert fault_server.faults_applied() == [None, FaultKind.RATE_LIMIT]
    assert fault_server.requests[0].body == BODY


def _chaos_run(seed: int) -> list[int]:
    with FaultServer() as server:
        server.chaos({Fault.server_error(): 0.3, Fault.rate_limit(): 0.2}, seed=seed)
        with httpx.Client() as client:
            url = f"{server.base_url}/chat/completions"
            return [client.post(url, json=BODY).status_code for _ in range(40)]


def test_the_random_mix_is_deterministic_for_a_seed() -> None:
    """The same seed gives the same fault sequence; the mix shows every outcome."""
    first = _chaos_run(seed=7)
    assert first == _chaos_run(seed=7)
    assert {200, 429, 500} <= set(first)


def test_impossible_mixes_are_refused(fault_server: FaultServer) -> None:
    """Probabilities summing over 1 are a ValueError."""
    with pytest.raises(ValueError, match="sum to <= 1"):
        fault_server.chaos({Fault.server_error(): 0.7, Fault.rate_limit(): 0.6})


def test_lognormal_latency_is_reproducible() -> None:
    """A latency distribution draws the same delays for the same seed."""
    import random

    fault = Fault.latency(0.1, sigma=0.5)
    first = [fault.delay_s(random.Random(3)) for _ in range(3)]
    assert first == [fault.delay_s(random.Random(3)) for _ in range(3)] and min(first) > 0


def test_stop_releases_hanging_requests_promptly() -> None:
    """Stopping the server while a request hangs returns within a second."""
    server = FaultServer().start()
    server.inject(Fault.hang())
    outcome: list[object] = []

    def call() -> None:
        try:
            outcome.append(_post(server).status_code)
        except httpx.HTTPError as exc:
            outcome.append(exc)

    thread = threading.Thread(target=call)
    thread.start()
    time.sleep(0.2)
    started = time.monotonic()
    server.stop()
    thread.join(5)
    assert time.monotonic() - started < 1.5 and outcome


def test_base_url_needs_a_started_server() -> None:
    """Asking a stopped server for its URL explains how to start it."""
    with pytest.raises(RuntimeError, match="not started"):
        _ = FaultServer().base_url


def test_aliases_change_the_served_model() -> None:
    """An alias maps a requested model to the id reported as served."""
    with FaultServer(aliases={"m-1": "m-1-2024-08-06"}) as server:
        assert _post(server).json()["model"] == "m-1-2024-08-06"


def test_unknown_routes_are_404(fault_server: FaultServer) -> None:
    """Paths the server does not serve answer 404 with an OpenAI error body."""
    response = httpx.get(f"{fault_server.base_url}/nothing")
    assert response.status_code == 404 and "error" in response.json()


def test_a_bounded_record_keeps_the_latest_requests() -> None:
    """With keep_requests, only the latest requests stay recorded, oldest first."""
    with FaultServer(keep_requests=2) as server:
        for model in ("m-1", "m-2", "m-3"):
            _post(server, model)
        assert [r.model for r in server.requests] == ["m-2", "m-3"]


def test_models_seen_before_the_bound_are_still_listed() -> None:
    """/v1/models lists every model requested, even those the bounded record let go."""
    with FaultServer(keep_requests=0) as server:
        _post(server, "m-1")
        listed = httpx.get(f"{server.base_url}/models").json()["data"]
        assert server.requests == [] and [m["id"] for m in listed] == ["m-1"]


def test_a_negative_bound_is_refused() -> None:
    """keep_requests below 0 is refused with what it accepts."""
    with pytest.raises(ValueError, match="0 or more"):
        FaultServer(keep_requests=-1)
