"""`surefoot serve`: refuses unsafe binds loudly; serves on loopback."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

import httpx
import pytest
from typer.testing import CliRunner

from surefoot.cli import app as cli
from surefoot.core import ConfigError
from surefoot.core.config import ServerSettings
from surefoot.server import check_exposure
from surefoot.store import ApiKeys, ApiKeyScope, Store
from surefoot.testing import FaultServer

if TYPE_CHECKING:
    from collections.abc import Iterator

SUREFOOT = Path(sys.executable).parent / "surefoot"


def test_non_loopback_bind_without_keys_is_refused(store_url: str) -> None:
    """serve --host 0.0.0.0 without an API key stops with a ConfigError naming the fix."""
    result = CliRunner().invoke(cli, ["--store-url", store_url, "serve", "--host", "0.0.0.0"])
    assert isinstance(result.exception, ConfigError)
    assert "surefoot keys create" in str(result.exception)


def test_auth_off_is_refused_off_loopback() -> None:
    """auth = off on a non-loopback address is a ConfigError even with keys."""
    with pytest.raises(ConfigError, match="anyone on the network"):
        check_exposure(ServerSettings(host="0.0.0.0", auth="off"), active_keys=True)


def test_required_auth_without_keys_is_refused() -> None:
    """auth = required with no key would refuse every request: a ConfigError at start."""
    with pytest.raises(ConfigError, match="no API key exists"):
        check_exposure(ServerSettings(auth="required"), active_keys=False)


def test_non_loopback_bind_with_keys_is_allowed() -> None:
    """A non-loopback bind is fine once a key exists (auth = auto then requires keys)."""
    check_exposure(ServerSettings(host="0.0.0.0"), active_keys=True)
    check_exposure(ServerSettings(host="::1", auth="off"), active_keys=False)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.mark.slow
def test_serve_answers_on_loopback(store_url: str, store: Store, tmp_path: Path) -> None:
    """`surefoot serve` in its own process answers /healthz and checks keys once one exists;
    without model aliases it says the gateway is off and how to turn it on."""
    _, key = ApiKeys(store.engine).create("ci", [ApiKeyScope.READ])
    with _serving(tmp_path, {"SUREFOOT_STORE__URL": store_url}) as url:
        assert httpx.get(f"{url}/healthz").status_code == 200
        assert httpx.get(f"{url}/api/v1/traces").status_code == 401
        ok = httpx.get(f"{url}/api/v1/traces", headers={"Authorization": f"Bearer {key}"})
        assert ok.status_code == 200
    assert "gateway off: no [models.<alias>] table" in (tmp_path / "serve.log").read_text()


def test_serve_refuses_a_misconfigured_model_alias(store_url: str) -> None:
    """A [models.*] table naming an unknown fallback stops serve with the alias and field."""
    Path("surefoot.toml").write_text(
        '[models.chat]\nmodel = "m"\nbase_url = "http://127.0.0.1:9/v1"\nfallbacks = ["nope"]\n'
    )
    result = CliRunner().invoke(cli, ["--store-url", store_url, "serve"])
    assert isinstance(result.exception, ConfigError)
    assert "models.chat.fallbacks" in str(result.exception)


@pytest.mark.slow
def test_serve_builds_the_gateway_from_the_config_file(store_url: str, tmp_path: Path) -> None:
    """`surefoot serve` serves the [models.*] aliases, the key read from the named variable."""
    with FaultServer() as upstream:
        (tmp_path / "surefoot.toml").write_text(
            f'[models.chat]\nmodel = "gpt-4o-mini"\nbase_url = "{upstream.base_url}"\n'
            'api_key_env = "UPSTREAM_KEY"\n'
        )
        env = {"SUREFOOT_STORE__URL": store_url, "UPSTREAM_KEY": "sk-from-env"}
        with _serving(tmp_path, env) as url:
            models = httpx.get(f"{url}/v1/models").json()
            body = {"model": "chat", "messages": [{"role": "user", "content": "hi"}]}
            answer = httpx.post(f"{url}/v1/chat/completions", json=body, timeout=10)
        assert [m["id"] for m in models["data"]] == ["chat"]
        assert answer.json()["choices"][0]["message"]["content"] == "echo: hi"
        assert "authorization" in upstream.requests[0].headers  # masked by the fault server


_SERVING: dict[str, int] = {}


@contextmanager
def _serving(tmp_path: Path, env: dict[str, str], *options: str) -> Iterator[str]:
    """`surefoot serve` in its own process, from ``tmp_path``; yields its URL once it answers."""
    port = _free_port()
    log = tmp_path / "serve.log"
    with log.open("wb") as stderr:
        process = subprocess.Popen(
            [str(SUREFOOT), "serve", "--port", str(port), *options],
            env={**os.environ, **env},
            cwd=tmp_path,
            stdout=subprocess.DEVNULL,
            stderr=stderr,
        )
    try:
        url = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 20
        while True:
            try:
                httpx.get(f"{url}/healthz")
                break
            except httpx.TransportError:
                assert process.poll() is None, log.read_text()
                assert time.monotonic() < deadline, log.read_text()
                time.sleep(0.05)
        _SERVING[url] = process.pid
        yield url
    finally:
        process.terminate()
        process.wait(timeout=10)


@pytest.mark.slow
def test_serve_records_every_gateway_request_as_a_trace(store_url: str, tmp_path: Path) -> None:
    """A request through `surefoot serve`'s gateway is stored as a trace: the id in its
    x-surefoot-trace-id header names the guard span with the decision and the model call."""
    with FaultServer() as upstream:
        (tmp_path / "surefoot.toml").write_text(
            f'[models.chat]\nmodel = "m-1"\nbase_url = "{upstream.base_url}"\n'
        )
        with _serving(tmp_path, {"SUREFOOT_STORE__URL": store_url}) as url:
            body = {"model": "chat", "messages": [{"role": "user", "content": "hi"}]}
            answer = httpx.post(f"{url}/v1/chat/completions", json=body, timeout=10)
            trace_id = answer.headers["x-surefoot-trace-id"]
            deadline = time.monotonic() + 10
            while (trace := httpx.get(f"{url}/api/v1/traces/{trace_id}")).status_code == 404:
                assert time.monotonic() < deadline, "the trace never reached the store"
                time.sleep(0.1)
    spans = trace.json()["spans"]
    kinds = {span["kind"] for span in spans}
    assert {"guard", "llm"} <= kinds
    guard = next(span for span in spans if span["kind"] == "guard")
    assert guard["attributes"]["surefoot.decision.status"] == "serve"


@pytest.mark.slow
def test_serve_with_workers_runs_them_as_one_gateway(store_url: str, tmp_path: Path) -> None:
    """`surefoot serve --workers 2` runs two worker processes behind one port, and the requests
    they share out are all answered and all stored as traces."""
    with FaultServer() as upstream:
        (tmp_path / "surefoot.toml").write_text(
            f'[models.chat]\nmodel = "m-1"\nbase_url = "{upstream.base_url}"\n'
        )
        with _serving(tmp_path, {"SUREFOOT_STORE__URL": store_url}, "--workers", "2") as url:
            pid = _SERVING[url]
            children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
            body = {"model": "chat", "messages": [{"role": "user", "content": "hi"}]}
            with httpx.Client(base_url=url, timeout=10) as client:
                ids = [
                    client.post("/v1/chat/completions", json=body).headers["x-surefoot-trace-id"]
                    for _ in range(20)
                ]
            deadline = time.monotonic() + 15
            while missing := [i for i in ids if httpx.get(f"{url}/api/v1/traces/{i}").is_error]:
                assert time.monotonic() < deadline, f"{len(missing)} traces never stored"
                time.sleep(0.2)
    assert len(children) >= 2  # the workers (and possibly uvicorn's resource tracker)
    assert len(set(ids)) == 20
