"""Fixtures for tracing tests: global state reset, settings on a temp spool, fakes, a collector."""

from __future__ import annotations

import http.server
import json
import threading
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

import pytest

from surefoot import tracing
from surefoot.core import Settings, SpanRecord, StoreUnavailable
from surefoot.testing import InMemorySink


@pytest.fixture(autouse=True)
def _reset_tracing() -> Iterator[None]:
    """Every test starts and ends with tracing uninitialised."""
    yield
    tracing.reset()


def make_settings(tmp_path: Path, **sections: dict[str, Any]) -> Settings:
    """Settings with a spool and store under ``tmp_path`` and short intervals for tests."""
    recorder = {
        "spool_dir": tmp_path / "spool",
        "flush_interval_s": 0.02,
        "retry_interval_s": 0.05,
        "shutdown_timeout_s": 2.0,
        **sections.pop("recorder", {}),
    }
    store = {"url": f"sqlite:///{tmp_path / 'store.db'}", **sections.pop("store", {})}
    return Settings.load(None, recorder=recorder, store=store, **sections)


@pytest.fixture(name="settings_factory")
def _settings_factory(tmp_path: Path) -> Callable[..., Settings]:
    """Build test settings: ``settings_factory(recorder={...}, tracing={...})``."""
    return lambda **sections: make_settings(tmp_path, **sections)


@pytest.fixture(name="sink")
def _sink() -> InMemorySink:
    """An in-memory span sink."""
    return InMemorySink()


class FlakySink(InMemorySink):
    """An in-memory sink that can be taken down: writes then raise StoreUnavailable."""

    def __init__(self) -> None:
        super().__init__()
        self.down = False
        self.failed_writes = 0

    def write_spans(self, spans: Sequence[SpanRecord]) -> None:
        if self.down:
            self.failed_writes += 1
            raise StoreUnavailable("the fake store is down")
        super().write_spans(spans)


@pytest.fixture(name="flaky_sink")
def _flaky_sink() -> FlakySink:
    """A sink the test can take down and bring back."""
    return FlakySink()


class Collector:
    """A tiny OTLP/HTTP collector on 127.0.0.1 that decodes what it receives."""

    def __init__(self) -> None:
        self.requests: list[tuple[str, bytes, dict[str, str]]] = []
        self.status = 200
        collector = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                collector.requests.append((self.path, body, dict(self.headers.items())))
                self.send_response(collector.status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self._server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}/v1/traces"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()

    def proto_spans(self) -> list[Any]:
        """Every span received as http/protobuf, decoded."""
        from opentelemetry.proto.collector.trace.v1 import trace_service_pb2

        spans: list[Any] = []
        for _, body, _ in self.requests:
            request = trace_service_pb2.ExportTraceServiceRequest.FromString(body)
            for rs in request.resource_spans:
                for ss in rs.scope_spans:
                    spans.extend((rs, sp) for sp in ss.spans)
        return spans

    def json_bodies(self) -> list[Any]:
        """Every request body received as http/json, parsed."""
        return [json.loads(body) for _, body, _ in self.requests]

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()


@pytest.fixture(name="collector")
def _collector() -> Iterator[Collector]:
    """A running OTLP/HTTP collector."""
    collector = Collector()
    yield collector
    collector.close()
