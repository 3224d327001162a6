"""A llama.cpp OpenAI-compatible server in a child process, for the demo and integration tests."""

from __future__ import annotations

import contextlib
import socket
import subprocess
import time
import urllib.request
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path

__all__ = ["free_port", "llama_server"]


def free_port() -> int:
    """A TCP port on 127.0.0.1 that was free a moment ago."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextlib.contextmanager
def llama_server(
    python: Path, model: Path, alias: str, *flags: str, log: Path | None = None, ready_s: float = 30
) -> Iterator[str]:
    """Serve ``model`` with llama-cpp-python's server on a free loopback port; yield its URL.

    Args:
        python: The interpreter of the virtualenv that has ``llama_cpp.server``.
        model: The GGUF file.
        alias: The model id the server answers to.
        *flags: More server flags (``--chat_format gemma``, ``--embedding true`` ...).
        log: Where the server's output goes (discarded without one; quoted when it fails).
        ready_s: How long to wait for ``/v1/models`` to answer.
    """
    port = free_port()
    command = [
        str(python), "-m", "llama_cpp.server", "--model", str(model), "--host", "127.0.0.1",
        "--port", str(port), "--n_threads", "2", "--model_alias", alias, *flags,
    ]  # fmt: skip
    with contextlib.ExitStack() as stack:
        out = stack.enter_context(log.open("wb")) if log is not None else subprocess.DEVNULL
        process = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}/v1"
    try:
        _wait_ready(url, process, log, ready_s)
        yield url
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _wait_ready(
    url: str, process: subprocess.Popen[bytes], log: Path | None, ready_s: float
) -> None:
    deadline = time.monotonic() + ready_s
    while time.monotonic() < deadline:
        if process.poll() is not None:
            said = f": {log.read_text()[-2000:]}" if log is not None else ""
            raise RuntimeError(f"the local model server exited with {process.returncode}{said}")
        try:
            with urllib.request.urlopen(f"{url}/models", timeout=1.0):
                return
        except OSError:
            time.sleep(0.1)
    where = f"; see {log}" if log is not None else ""
    raise RuntimeError(f"the local model server was not ready after {ready_s:g} s{where}")
