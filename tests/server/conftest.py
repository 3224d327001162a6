"""Fixtures for server tests: settings, an app on the test store, a client, a live server."""

from __future__ import annotations

import os
import socket
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import uvicorn
from fastapi import FastAPI
from fastapi.testclient import TestClient

from surefoot.core import Settings
from surefoot.server import create_app
from surefoot.server._protocol import http_protocol
from surefoot.store import Store
from surefoot.testing import FaultServer

LOOPBACK_CLIENT = ("127.0.0.1", 50000)


@pytest.fixture(autouse=True)
def _clean_environ(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """No SUREFOOT_* setting or surefoot.toml of the developer's leaks into a test."""
    for name in list(os.environ):
        # SUREFOOT_TEST_* configure the test services, not surefoot: they stay.
        if name.startswith("SUREFOOT_") and not name.startswith("SUREFOOT_TEST_"):
            monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)


def server_settings(store_url: str, **server: Any) -> Settings:
    """Settings on ``store_url`` with the given ``server`` section values."""
    return Settings.load(store={"url": store_url}, server=server)


@pytest.fixture(name="settings")
def _settings(store_url: str) -> Settings:
    """Settings on the test store; keys are not checked (``server.auth = off``)."""
    return server_settings(store_url, auth="off")


@pytest.fixture(name="app")
def _app(settings: Settings, store: Store) -> FastAPI:
    """An app on the test store."""
    return create_app(settings, store=store)


@pytest.fixture(name="client")
def _client(app: FastAPI) -> Iterator[TestClient]:
    """A client of ``app`` that appears to connect from loopback."""
    with TestClient(app, client=LOOPBACK_CLIENT) as client:
        yield client


class LiveServer:
    """An app served by uvicorn on 127.0.0.1 in a background thread."""

    def __init__(self, app: FastAPI) -> None:
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            self.port = sock.getsockname()[1]
        # The protocol surefoot serve uses: every response written in one piece.
        config = uvicorn.Config(
            app, host="127.0.0.1", port=self.port, log_level="warning", http=http_protocol()
        )
        self.server = uvicorn.Server(config)
        self.url = f"http://127.0.0.1:{self.port}"
        self._thread = threading.Thread(target=self.server.run, daemon=True)
        self._thread.start()
        deadline = time.monotonic() + 10
        while not self.server.started:
            if time.monotonic() > deadline or not self._thread.is_alive():
                raise RuntimeError("uvicorn did not start")
            time.sleep(0.01)

    def close(self) -> None:
        self.server.should_exit = True
        self._thread.join(timeout=10)


@pytest.fixture(name="live_server")
def _live_server() -> Iterator[Callable[[FastAPI], LiveServer]]:
    """Start apps under uvicorn on 127.0.0.1; stopped when the test ends."""
    servers: list[LiveServer] = []

    def start(app: FastAPI) -> LiveServer:
        server = LiveServer(app)
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.close()


@pytest.fixture(name="primary")
def _primary() -> Iterator[FaultServer]:
    """An alias's own upstream."""
    with FaultServer() as server:
        yield server


@pytest.fixture(name="backup")
def _backup() -> Iterator[FaultServer]:
    """The upstream of the alias it falls back to."""
    with FaultServer() as server:
        yield server
