"""The demo's gateway act: any OpenAI client, a flaky hosted model, and a real local one.

The gateway runs on 127.0.0.1 with two aliases: ``local`` is the real Gemma 3 270M served by
llama.cpp (``scripts/model-server.sh``), and ``assistant`` is a fault-injecting stand-in for a
hosted model whose fallback is ``local``. The official ``openai`` client sends plain, streamed
and idempotent requests; then the hosted model suffers an outage and a latency spike, and the
table shows what the gateway contained. Every process it starts is stopped before it returns.
"""

from __future__ import annotations

import contextlib
import subprocess
import tempfile
import threading
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

import openai
import uvicorn
from rich.table import Table

from surefoot.core import Settings
from surefoot.server import create_app
from surefoot.testing import Fault, FaultServer
from surefoot.testing._llama import free_port, llama_server

if TYPE_CHECKING:
    from collections.abc import Iterator

    from rich.console import Console

__all__ = ["run_gateway_act"]

ROOT = Path(__file__).resolve().parents[3]
SCRIPT = ROOT / "scripts" / "model-server.sh"
LOCAL_MODEL = "gemma3-270m"
PROMPT = "Once upon a time, by the sea,"


def run_gateway_act(console: Console) -> None:
    """Start the model, the gateway and a flaky upstream; send traffic; print what happened."""
    console.rule("[bold]3. The gateway: any OpenAI client, guarded, with fallbacks")
    with contextlib.ExitStack() as stack:
        local_url, real = stack.enter_context(_local_model())
        if not real:
            console.print(
                "[yellow]the local model is not built (scripts/model-server.sh ensure); a "
                "FaultServer stands in for it[/]"
            )
        hosted = stack.enter_context(FaultServer(seed=3))
        store_dir = Path(stack.enter_context(tempfile.TemporaryDirectory()))
        url = stack.enter_context(_gateway(local_url, hosted.base_url, store_dir))
        client = stack.enter_context(openai.OpenAI(base_url=url, api_key="demo", max_retries=0))
        _call(client, "warm-up", "local")  # the model's first prompt is slow; keep it off the table
        rows = [
            _call(client, "plain completion", "local"),
            _stream(client, "streamed completion", "local"),
            _call(client, "hosted model, healthy", "assistant"),
            _call(client, "same Idempotency-Key", "assistant", key="order-1001"),
            _call(client, "...sent again", "assistant", key="order-1001"),
        ]
        hosted.inject(Fault.unavailable())
        rows.append(_call(client, "hosted model down (503)", "assistant"))
        hosted.inject(Fault.latency(3.0))
        rows.append(_call(client, "hosted latency spike (3 s)", "assistant"))
        console.print(_table(rows))
        console.print(
            "The outage and the spike never reached the client: the per-attempt timeout (0.5 s) "
            "cut the slow call, and the fallback alias answered. Every answer carries its "
            "decision in x-surefoot-* headers."
        )


def _call(client: openai.OpenAI, label: str, alias: str, *, key: str | None = None) -> list[str]:
    headers = {"Idempotency-Key": key} if key else {}
    started = time.perf_counter()
    try:
        raw = client.chat.completions.with_raw_response.create(
            model=alias,
            messages=[{"role": "user", "content": PROMPT}],
            max_tokens=12,
            temperature=0,
            extra_headers=headers,
        )
    except openai.APIStatusError as exc:
        return [label, alias, f"refused {exc.status_code}", "-", _ms(started), "-"]
    text = (raw.parse().choices[0].message.content or "").strip().replace("\n", " ")
    h = raw.headers
    decision = h.get("x-surefoot-decision", "?")
    if h.get("idempotent-replayed"):
        decision += " (replayed)"
    return [label, alias, decision, h.get("x-surefoot-served-by", "-"), _ms(started), text[:40]]


def _stream(client: openai.OpenAI, label: str, alias: str) -> list[str]:
    started = time.perf_counter()
    first_ms = "-"
    parts: list[str] = []
    decision: dict[str, Any] = {}
    stream = client.chat.completions.create(
        model=alias,
        messages=[{"role": "user", "content": PROMPT}],
        max_tokens=12,
        temperature=0,
        stream=True,
    )
    for chunk in stream:
        if chunk.choices and chunk.choices[0].delta.content:
            if not parts:
                first_ms = _ms(started)
            parts.append(chunk.choices[0].delta.content)
        decision = (chunk.model_extra or {}).get("surefoot", decision)
    text = "".join(parts).strip().replace("\n", " ")
    served = f"{decision.get('served_by', '-')} (first token {first_ms})"
    return [label, alias, str(decision.get("decision", "?")), served, _ms(started), text[:40]]


def _ms(started: float) -> str:
    return f"{(time.perf_counter() - started) * 1000:.0f} ms"


def _table(rows: list[list[str]]) -> Table:
    table = Table("request", "model", "decision", "served by", "latency", "answer")
    for row in rows:
        table.add_row(*row)
    return table


@contextlib.contextmanager
def _local_model() -> Iterator[tuple[str, bool]]:
    """The local model's base URL and whether it is the real one."""
    python, model = _script("python"), _script("model")
    if python is None or model is None or not (python.exists() and model.exists()):
        with FaultServer(seed=5) as stand_in:
            yield stand_in.base_url, False
        return
    with llama_server(python, model, LOCAL_MODEL, "--chat_format", "gemma") as url:
        yield url, True


def _script(command: str) -> Path | None:
    try:
        out = subprocess.run([SCRIPT, command], check=True, capture_output=True, text=True)
    except (OSError, subprocess.CalledProcessError):
        return None
    return Path(out.stdout.strip())


@contextlib.contextmanager
def _gateway(local_url: str, hosted_url: str, store_dir: Path) -> Iterator[str]:
    """The gateway under uvicorn on 127.0.0.1; yields its ``/v1`` root."""
    models = {
        "local": {"model": LOCAL_MODEL, "base_url": local_url, "timeout_s": 20, "deadline_s": 30},
        "assistant": {
            "model": "nimbus-large-2026-06-01",
            "base_url": hosted_url,
            "timeout_s": 0.5,
            "max_attempts": 1,
            "deadline_s": 30,
            "fallbacks": ["local"],
        },
    }
    settings = Settings.load(
        store={"url": f"sqlite:///{store_dir / 'surefoot.db'}"},
        server={"auth": "off"},
        models=models,
    )
    port = free_port()
    config = uvicorn.Config(create_app(settings), host="127.0.0.1", port=port, log_level="warning")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        deadline = time.monotonic() + 10
        while not server.started:
            if time.monotonic() > deadline or not thread.is_alive():
                raise RuntimeError("the gateway did not start")
            time.sleep(0.01)
        yield f"http://127.0.0.1:{port}/v1"
    finally:
        server.should_exit = True
        thread.join(timeout=10)
