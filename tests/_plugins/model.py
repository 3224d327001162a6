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
import subprocess
from pathlib import Path

import pytest

from surefoot.testing import FaultServer
from surefoot.testing._llama import llama_server

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "scripts" / "model-server.sh"
MODEL_ID = "gemma3-270m"


def _script(command: str) -> Path:
    return Path(
        subprocess.run([SCRIPT, command], check=True, capture_output=True, text=True).stdout.strip()
    )


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
    log = tmp_path_factory.mktemp(name) / "server.log"
    with llama_server(python, model, MODEL_ID, *extra, log=log, ready_s=60) as url:
        yield url


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
