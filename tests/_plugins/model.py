"""Fixtures for tests that talk to a model: the fault server and the local model server.

``fault_server`` is a started :class:`surefoot.testing.FaultServer` per test.

``model_server`` starts llama.cpp's OpenAI-compatible server with Gemma 3 270M on a free port of
127.0.0.1 once per session and yields its base URL (``http://127.0.0.1:PORT/v1``). When the
model's virtualenv is not built, tests using it are skipped locally and fail under CI (``CI`` set),
where ``scripts/model-server.sh ensure`` runs before the tests.

``embedding_server`` starts a second llama.cpp process on the same model with embeddings on,
mean-pooled to one vector per text, and yields its base URL the same way.
"""

from __future__ import annotations

import os
import socket
import subprocess
import time
import urllib.request
from pathlib import Path

import pytest

from surefoot.testing import FaultServer

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "scripts" / "model-server.sh"
MODEL_ID = "gemma3-270m"


def _script(command: str) -> Path:
    return Path(
        subprocess.run([SCRIPT, command], check=True, capture_output=True, text=True).stdout.strip()
    )


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _wait_ready(url: str, process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 60.0
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(
                f"model server exited with {process.returncode}: {log.read_text()[-2000:]}"
            )
        try:
            with urllib.request.urlopen(f"{url}/models", timeout=1.0):
                return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"model server not ready after 60 s; see {log}")


@pytest.fixture(name="fault_server")
def _fault_server():
    """A started fault server with no faults queued; stopped after the test."""
    with FaultServer(seed=1234) as server:
        yield server


def _llama_server(tmp_path_factory: pytest.TempPathFactory, name: str, *extra: str):
    """Start a llama.cpp server on a free loopback port with ``extra`` flags; yield its URL."""
    python, model = _script("python"), _script("model")
    if not (python.exists() and model.exists()):
        reason = "the local model server is not built: run `scripts/model-server.sh ensure`"
        if os.environ.get("CI"):
            pytest.fail(f"{reason} (CI is set, so this is an error)")
        pytest.skip(reason)
    port = _free_port()
    log = tmp_path_factory.mktemp(name) / "server.log"
    command = [
        str(python), "-m", "llama_cpp.server", "--model", str(model), "--host", "127.0.0.1",
        "--port", str(port), "--n_threads", "2", "--model_alias", MODEL_ID, *extra,
    ]  # fmt: skip
    with log.open("wb") as out:
        process = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}/v1"
    try:
        _wait_ready(url, process, log)
        yield url
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@pytest.fixture(name="model_server", scope="session")
def _model_server(tmp_path_factory: pytest.TempPathFactory):
    """The base URL of a running local model server, serving ``gemma3-270m``."""
    yield from _llama_server(tmp_path_factory, "model-server", "--chat_format", "gemma")


# llama.cpp serves per-token vectors unless the model declares a pooling type; the base Gemma
# declares none, so the metadata override asks for mean pooling (1): one vector per input text.
EMBEDDING_POOLING = "gemma3.pooling_type=int:1"


@pytest.fixture(name="embedding_server", scope="session")
def _embedding_server(tmp_path_factory: pytest.TempPathFactory):
    """The base URL of a second local llama.cpp server with embeddings on (mean-pooled)."""
    yield from _llama_server(
        tmp_path_factory, "embedding-server",
        "--embedding", "true", "--kv_overrides", EMBEDDING_POOLING,
        # A 512-token context embeds short texts twice as fast as the default 2048.
        "--n_ctx", "512", "--n_batch", "512",
    )  # fmt: skip
