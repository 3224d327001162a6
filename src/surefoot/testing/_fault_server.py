"""A real OpenAI-compatible HTTP server on 127.0.0.1 that misbehaves on request."""

from __future__ import annotations

import asyncio
import logging
import socket
import threading
import time
from typing import TYPE_CHECKING, Self

import uvicorn

from surefoot.testing._fault_app import CutConnection, FaultApp, RecordedRequest
from surefoot.testing._faults import FaultPlan

if TYPE_CHECKING:
    from collections.abc import Mapping

    from surefoot.testing._faults import Fault, FaultKind, Responder

__all__ = ["FaultServer"]


class _DropCutConnection(logging.Filter):
    """Keeps uvicorn from logging the connections the server drops on purpose."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not (record.exc_info and record.exc_info[0] is CutConnection)


logging.getLogger("uvicorn.error").addFilter(_DropCutConnection())


class FaultServer:
    """An OpenAI-compatible server in a background thread, with scripted faults.

    Serves ``POST /v1/chat/completions`` (plain and ``stream: true``), ``POST /v1/embeddings``
    and ``GET /v1/models`` on a free port of 127.0.0.1. By default it answers
    ``"echo: <last user message>"`` (``{"answer": ...}`` when JSON is asked for), reports the
    requested model as served, and records every request.

    Args:
        seed: seeds the random fault mix and latency distributions.
        respond: makes the normal answer text from the request body.
        aliases: served model id per requested id (``{"gpt-4o": "gpt-4o-2024-08-06"}``).
        fingerprint: the ``system_fingerprint`` of normal answers.
        stream_delay_s: pause between streamed chunks.
        keep_requests: how many of the latest requests :attr:`requests` keeps (``None``, the
            default, keeps every one). A load test sets a bound: memory stays flat and each
            request lets go of the oldest record, rather than a periodic
            :meth:`reset_requests` freeing thousands at once while requests wait.

    Raises:
        ValueError: ``keep_requests`` is negative.

    Examples:
        >>> from surefoot.testing import Fault
        >>> with FaultServer() as server:
        ...     server.inject(Fault.rate_limit(retry_after_s=2), Fault.server_error())
        ...     server.base_url.startswith("http://127.0.0.1:")
        True
    """

    def __init__(
        self,
        *,
        seed: int = 0,
        respond: Responder | None = None,
        aliases: Mapping[str, str] | None = None,
        fingerprint: str = "fp_surefoot_fault",
        stream_delay_s: float = 0.0,
        keep_requests: int | None = None,
    ) -> None:
        if keep_requests is not None and keep_requests < 0:
            raise ValueError(
                f"keep_requests must be 0 or more (None keeps every request), got {keep_requests}"
            )
        self.plan = FaultPlan(seed)
        self._app = FaultApp(
            self.plan,
            respond=respond,
            aliases=aliases or {},
            fingerprint=fingerprint,
            stream_delay_s=stream_delay_s,
            keep_requests=keep_requests,
        )
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None
        self._port = 0

    # ------------------------------------------------------------------ lifecycle
    def start(self) -> Self:
        """Start serving; returns once the server accepts connections."""
        if self._thread is not None:
            return self
        # IPPROTO_TCP explicitly: asyncio sets TCP_NODELAY on accepted sockets only when the
        # listener says TCP, and without it every response waits ~40 ms on a delayed ACK.
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(("127.0.0.1", 0))
        self._port = sock.getsockname()[1]
        config = uvicorn.Config(
            self._app,
            lifespan="off",
            log_config=None,
            access_log=False,
            http="h11",
            timeout_graceful_shutdown=1,
        )
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(
            target=self._run, args=(self._server, sock), name="surefoot-fault-server", daemon=True
        )
        self._thread.start()
        deadline = time.monotonic() + 10.0
        while not self._server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError("the fault server failed to start; see the uvicorn log")
            time.sleep(0.001)
        return self

    @staticmethod
    def _run(server: uvicorn.Server, sock: socket.socket) -> None:
        asyncio.run(server.serve(sockets=[sock]))

    def stop(self) -> None:
        """Stop serving. Hanging requests are released first, so this returns promptly."""
        if self._server is None or self._thread is None:
            return
        self._server.should_exit = True
        loop, stopping = self._app.loop, self._app.stopping
        if loop is not None and stopping is not None and not loop.is_closed():
            loop.call_soon_threadsafe(stopping.set)
        self._thread.join(timeout=10.0)
        self._server, self._thread = None, None
        self._app.loop, self._app.stopping = None, None

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    @property
    def base_url(self) -> str:
        """The API root for clients, e.g. ``http://127.0.0.1:PORT/v1``."""
        if not self._port:
            raise RuntimeError("the fault server is not started; call start() or use `with`")
        return f"http://127.0.0.1:{self._port}/v1"

    # ------------------------------------------------------------------ scripting
    def inject(self, *faults: Fault, model: str | None = None, times: int = 1) -> None:
        """Queue faults for the next requests, one per request, in order (``times`` repeats
        the whole sequence). ``model`` limits them to requests for that model."""
        self.plan.queue(tuple(faults) * times, model)

    def chaos(
        self, weights: Mapping[Fault, float], *, model: str | None = None, seed: int | None = None
    ) -> None:
        """Apply faults at random to a share of requests: ``{Fault.server_error(): 0.1, ...}``.

        Queued faults still come first. Deterministic for a seed and request order.
        """
        self.plan.mix(weights, model, seed)

    def clear(self) -> None:
        """Remove every queued fault and mix; requests are answered normally again."""
        self.plan.clear()

    # ------------------------------------------------------------------ recording
    @property
    def requests(self) -> list[RecordedRequest]:
        """Every request received so far (the latest ``keep_requests`` when bounded), oldest
        first (a copy)."""
        with self._app.lock:
            return list(self._app.requests)

    def count(self, *, model: str | None = None, path: str | None = "/v1/chat/completions") -> int:
        """How many recorded requests were for ``model`` and ``path`` (``None`` means any)."""
        return sum(
            1
            for r in self.requests
            if (model is None or r.model == model) and (path is None or r.path == path)
        )

    def faults_applied(self) -> list[FaultKind | None]:
        """The fault applied to each request so far, in order (``None`` when answered normally)."""
        return [r.fault for r in self.requests]

    def reset_requests(self) -> None:
        """Forget the recorded requests (``/v1/models`` still lists the models they named)."""
        with self._app.lock:
            self._app.requests.clear()

    def __repr__(self) -> str:
        state = self.base_url if self._thread is not None else "stopped"
        return f"FaultServer({state})"
